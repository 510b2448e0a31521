package io.kvkit.raft.example;

import io.kvkit.raft.example.ClientProtocol.Consistency;
import io.kvkit.raft.sim.LinearizabilityChecker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example cluster as separate processes on loopback, under the faults a real deployment
 * sees: the leader killed with {@code kill -9} and restarted, a follower paused with SIGSTOP
 * and resumed after the leader compacted its log. Clients record their history throughout; it
 * must be linearizable (so no acknowledged write is lost), and restarted or resumed nodes must
 * catch up.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ExampleClusterTest {

    private static final long SEED = Long.getLong("kvkit.seed", System.nanoTime());

    @TempDir
    Path dir;

    @Test
    void leaderKilledAndRestarted_threeNodes() throws Exception {
        killLeaderAndRestart(3);
    }

    @Test
    void leaderKilledAndRestarted_fiveNodes() throws Exception {
        killLeaderAndRestart(5);
    }

    private void killLeaderAndRestart(int nodes) throws Exception {
        System.out.println("seed " + SEED);
        try (LocalCluster cluster = new LocalCluster(dir, nodes, 1)) {
            cluster.startAll();
            try (RaftKvClient c = cluster.client(5_000)) {
                c.put(1, bytes("warmup"), bytes("1")).get(30, TimeUnit.SECONDS);
                ClusterHistory history = new ClusterHistory(c, 1, 5, SEED);
                history.start(4);
                Thread.sleep(1_500);
                long leader = c.cachedLeader(1);
                assertThat(leader).as("the client found the leader").isPositive();
                long ackedBefore = history.acknowledgedWrites();
                cluster.kill9(leader);
                awaitProgress(history, ackedBefore + 20, cluster);
                cluster.start(leader);
                long ackedAfterRestart = history.acknowledgedWrites();
                awaitProgress(history, ackedAfterRestart + 20, cluster);
                history.stop();

                LinearizabilityChecker.Result r = history.check();
                assertThat(r.ok()).as("history of %d operations linearizable (seed %d); key %s: %s\n%s",
                        history.size(), SEED, r.key(), r.history(), cluster.logs()).isTrue();
                assertThat(r.timedOut()).as("the checker finished").isFalse();

                // the restarted node caught up: its local state equals the leader's
                for (int k = 0; k < 5; k++) {
                    byte[] key = bytes("k" + k);
                    byte[] expected = c.get(1, key, Consistency.LINEARIZABLE).get(30, TimeUnit.SECONDS);
                    awaitEqual(() -> c.getAt(leader, 1, key, Consistency.STALE).get(10, TimeUnit.SECONDS), expected, cluster);
                }
                System.out.printf("%d nodes: %d operations, %d acknowledged writes, %d failed or unknown, leader %d killed and restarted%n",
                        nodes, history.size(), history.acknowledgedWrites(), history.failedOperations(), leader);
            }
        }
    }

    @Test
    void pausedFollowerResumesAndIsCaughtUpBySnapshot() throws Exception {
        try (LocalCluster cluster = new LocalCluster(dir, 3, 1, "--snapshot-every", "100")) {
            cluster.startAll();
            try (RaftKvClient c = cluster.client(5_000)) {
                c.put(1, bytes("warmup"), bytes("1")).get(30, TimeUnit.SECONDS);
                long leader = c.cachedLeader(1);
                long follower = leader == 1 ? 2 : 1;
                cluster.pause(follower);
                for (int i = 0; i < 1_000; i++) {
                    c.put(1, bytes("key" + i), bytes("value" + i)).get(30, TimeUnit.SECONDS);
                }
                cluster.resume(follower);
                for (int i = 0; i < 1_000; i += 97) {
                    byte[] key = bytes("key" + i);
                    awaitEqual(() -> c.getAt(follower, 1, key, Consistency.STALE).get(10, TimeUnit.SECONDS), bytes("value" + i), cluster);
                }
                String status = c.status(follower).get(10, TimeUnit.SECONDS);
                assertThat(status).as("the follower installed a snapshot: %s", status).containsPattern("snapshotsInstalled=[1-9]");
                // and it serves linearizable follower reads
                assertThat(c.getAt(follower, 1, bytes("key999"), Consistency.FOLLOWER).get(10, TimeUnit.SECONDS)).isEqualTo(bytes("value999"));
            }
        }
    }

    private static void awaitProgress(ClusterHistory history, long ackedWrites, LocalCluster cluster) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (history.acknowledgedWrites() < ackedWrites) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("writes did not resume within 60 s (" + history.acknowledgedWrites() + " < "
                        + ackedWrites + ")\n" + cluster.logs());
            }
            Thread.sleep(20);
        }
    }

    interface Read {
        byte[] get() throws Exception;
    }

    private static void awaitEqual(Read read, byte[] expected, LocalCluster cluster) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        byte[] got = null;
        while (System.nanoTime() < deadline) {
            try {
                got = read.get();
                if (Arrays.equals(got, expected)) {
                    return;
                }
            } catch (Exception e) {
                // the node may still be starting or catching up
            }
            Thread.sleep(50);
        }
        throw new AssertionError("expected " + str(expected) + " but the node has " + str(got) + "\n" + cluster.logs());
    }

    private static String str(byte[] b) {
        return b == null ? "null" : new String(b, StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
