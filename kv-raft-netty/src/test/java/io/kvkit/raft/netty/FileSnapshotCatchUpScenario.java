package io.kvkit.raft.netty;

import io.kvkit.raft.ConfChange;
import io.kvkit.raft.ConfState;
import io.kvkit.raft.netty.NettyTransportOptions.SnapshotStreamOptions;
import io.kvkit.raft.runtime.RaftGroup;
import io.kvkit.raft.runtime.RaftNode;
import io.kvkit.raft.runtime.RaftNodeConfig;
import io.kvkit.raft.storage.SharedRaftLogOptions;
import io.kvkit.raft.storage.SharedRaftLogStore;
import io.kvkit.raft.storage.SnapshotManifest;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Two runtime nodes over {@link NettyTransport} on loopback: node 1 founds a group alone, writes
 * {@code commands} x {@code mibPerCommand} MiB of state through a {@link BlobFileMachine} and
 * compacts its log; node 2 joins as a learner and can only be caught up by a file snapshot,
 * streamed from node 1's disk to node 2's staging directory in 1 MiB chunks. Run in-process by
 * {@link FileSnapshotOverNettyTest} and, with a state far larger than the heap, in a child JVM
 * by {@link FileSnapshotBoundedMemoryTest}. Returns what was checked, or throws.
 */
final class FileSnapshotCatchUpScenario {
    static final long GROUP = 3;

    private FileSnapshotCatchUpScenario() {
    }

    static String run(Path dir, int commands, int mibPerCommand, int snapshotEveryEntries) throws Exception {
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        NettyTransport[] transports = new NettyTransport[3];
        RaftNode n1 = null;
        RaftNode n2 = null;
        SharedRaftLogStore s1 = SharedRaftLogStore.open(dir.resolve("n1/log"), SharedRaftLogOptions.defaults());
        SharedRaftLogStore s2 = SharedRaftLogStore.open(dir.resolve("n2/log"), SharedRaftLogOptions.defaults());
        try {
            n1 = new RaftNode(config(1, snapshotEveryEntries), s1, l -> transports[1] = new NettyTransport(1, any, Map.of(),
                    options(null), l));
            n2 = new RaftNode(config(2, snapshotEveryEntries), s2, l -> transports[2] = new NettyTransport(2, any, Map.of(),
                    options(null), l));
            transports[1].addPeer(2, transports[2].boundAddress());
            transports[2].addPeer(1, transports[1].boundAddress());

            BlobFileMachine m1 = new BlobFileMachine(dir.resolve("n1/state"));
            RaftGroup g1 = n1.startGroup(GROUP, ConfState.ofVoters(1L), m1);
            RaftNode leaderNode = n1;
            await("node 1 leads", 30, () -> g1.status().role() == io.kvkit.raft.Role.LEADER);
            for (int i = 0; i < commands; i++) {
                g1.propose(("grow " + mibPerCommand).getBytes(StandardCharsets.UTF_8)).get(60, TimeUnit.SECONDS);
            }
            await("node 1 compacted its log", 30, () -> leaderNode.stats().snapshotsCreated() >= 1);
            long stateBytes = SnapshotManifest.of(m1.dir()).totalBytes();

            BlobFileMachine m2 = new BlobFileMachine(dir.resolve("n2/state"));
            n2.startGroup(GROUP, null, m2);
            g1.proposeConfChange(new ConfChange(ConfChange.Type.ADD_LEARNER, 2)).get(30, TimeUnit.SECONDS);
            long target = m1.lastApplied();
            await("node 2 caught up with index " + target, 50, () -> m2.lastApplied() >= target);

            if (m2.restoresFromFiles() < 1) {
                throw new AssertionError("node 2 caught up without a file snapshot");
            }
            SnapshotManifest want = SnapshotManifest.of(m1.dir());
            SnapshotManifest got = SnapshotManifest.of(m2.dir());
            if (!want.equals(got)) {
                throw new AssertionError("node 2's state differs from node 1's: " + got.files().size() + " files of "
                        + got.totalBytes() + " bytes, expected " + want.files().size() + " of " + want.totalBytes());
            }
            long received = transports[2].snapshotStats().bytesReceived();
            if (received < stateBytes - (long) mibPerCommand * snapshotEveryEntries * (1 << 20)) {
                throw new AssertionError("node 2 received only " + received + " snapshot bytes of a " + stateBytes + "-byte state");
            }
            return "state " + stateBytes + " bytes on node 1; node 2 restored from a file snapshot after receiving "
                    + received + " bytes; max heap " + Runtime.getRuntime().maxMemory();
        } finally {
            if (n2 != null) {
                n2.close();
            }
            if (n1 != null) {
                n1.close();
            }
            s1.close();
            s2.close();
        }
    }

    private static RaftNodeConfig config(long id, int snapshotEveryEntries) {
        return RaftNodeConfig.defaults(id).withTickInterval(Duration.ofMillis(50)).withWorkerThreads(1).withApplyThreads(1)
                .withSnapshotEveryEntries(snapshotEveryEntries).withRequestTimeout(Duration.ofSeconds(60));
    }

    /** No staging directory configured: file snapshots are staged where the runtime's store says (as in kv-server). */
    private static NettyTransportOptions options(Path staging) {
        return NettyTransportOptions.defaults().withReconnectBackoffMillis(20, 200)
                .withSnapshot(SnapshotStreamOptions.defaults().withStagingDir(staging));
    }

    private static void await(String what, int seconds, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + seconds + " s waiting for: " + what);
            }
            Thread.sleep(10);
        }
    }

    /** Child JVM entry: {@code <dir> <commands> <mibPerCommand> <snapshotEveryEntries>}; prints "OK ..." and exits 0, or fails. */
    public static void main(String[] args) throws Exception {
        String r = run(Path.of(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
        System.out.println("OK " + r);
        System.out.flush();
        System.exit(0);
    }
}
