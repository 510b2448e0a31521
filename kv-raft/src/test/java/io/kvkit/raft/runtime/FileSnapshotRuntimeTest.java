package io.kvkit.raft.runtime;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.storage.FileSnapshotStore;
import io.kvkit.raft.storage.MemoryRaftLogStore;
import io.kvkit.raft.storage.RaftLogStore;
import io.kvkit.raft.storage.SharedRaftLogOptions;
import io.kvkit.raft.storage.SharedRaftLogStore;
import io.kvkit.raft.transport.InMemoryTransport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.kvkit.raft.runtime.RuntimeCluster.await;
import static io.kvkit.raft.runtime.RuntimeCluster.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runtime with state machines that snapshot to files ({@link GroupStateMachine#snapshotsToFiles()}). */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class FileSnapshotRuntimeTest {

    private static final long GROUP = 7;
    private static final int PAD = 200_000;

    @TempDir
    Path tmp;

    private final Map<Long, RaftNode> nodes = new HashMap<>();
    private final Map<Long, RaftLogStore> stores = new HashMap<>();
    private final Map<Long, FileMachine> machines = new HashMap<>();
    private InMemoryTransport.Hub hub;

    private static RaftNodeConfig config(long id) {
        return RuntimeCluster.testDefaults(id).withSnapshotEveryEntries(20).withQuiesceAfterIdleTicks(0);
    }

    private void startNode(long id, boolean founding) {
        RaftNode n = new RaftNode(config(id), stores.get(id), l -> hub.join(id, 200_000, l));
        nodes.put(id, n);
        FileMachine m = new FileMachine(PAD);
        machines.put(id, m);
        n.startGroup(GROUP, founding ? ConfState.ofVoters(1L, 2L, 3L) : null, m);
    }

    private long leader() {
        long[] found = new long[1];
        await("a leader", () -> {
            for (Map.Entry<Long, RaftNode> e : nodes.entrySet()) {
                if (!e.getValue().isClosed() && e.getValue().group(GROUP) != null
                        && e.getValue().group(GROUP).status().role() == io.kvkit.raft.Role.LEADER) {
                    found[0] = e.getKey();
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    private List<String> propose(int from, int count) throws Exception {
        List<String> cmds = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            String c = "cmd-" + i;
            long l = leader();
            nodes.get(l).group(GROUP).propose(bytes(c)).get(30, TimeUnit.SECONDS);
            cmds.add(c);
        }
        return cmds;
    }

    private void isolate(long node, boolean cut) {
        for (long other = 1; other <= 3; other++) {
            if (other != node) {
                hub.setLinkDown(node, other, cut);
                hub.setLinkDown(other, node, cut);
            }
        }
    }

    private void closeAll() {
        nodes.values().forEach(RaftNode::close);
        stores.values().forEach(RaftLogStore::close);
    }

    @Test
    void aFollowerFarBehindIsCaughtUpFromAFileSnapshotStreamedInChunks() throws Exception {
        hub = new InMemoryTransport.Hub(11);
        Path staging = tmp.resolve("staging");
        hub.streamFileSnapshots(staging, 16 * 1024); // 200 KB of pad: a dozen chunks
        for (long id = 1; id <= 3; id++) {
            stores.put(id, new MemoryRaftLogStore(tmp.resolve("snapshots-" + id)));
        }
        try {
            for (long id = 1; id <= 3; id++) {
                startNode(id, true);
            }
            List<String> all = new ArrayList<>(propose(0, 5));
            long lagging = leader() == 3 ? 1 : 3;
            isolate(lagging, true);
            all.addAll(propose(5, 80)); // four compactions' worth while it is cut off
            long l = leader();
            await("the leader compacted past the lagging follower", () ->
                    stores.get(l).open(GROUP).firstIndex() > 30);
            assertEquals(0, machines.get(lagging).restoresFromFiles());
            isolate(lagging, false);
            await("the lagging follower caught up", () -> machines.get(lagging).items().equals(all));
            assertTrue(machines.get(lagging).restoresFromFiles() >= 1, "caught up by a snapshot, not by the log");
            assertTrue(machines.get(l).snapshotsWritten() >= 1);
            // the received snapshot was moved out of staging into the follower's store, and is its latest
            FileSnapshotStore files = stores.get(lagging).fileSnapshots();
            assertFalse(files.snapshotIndexes(GROUP).isEmpty());
            try (Stream<Path> s = Files.walk(staging)) {
                assertEquals(0, s.filter(Files::isRegularFile).count(), "staging holds nothing once the snapshot was taken");
            }
            // old snapshots are deleted as newer ones are recorded: at most two stay
            await("old leader snapshots deleted", () -> stores.get(l).fileSnapshots().snapshotIndexes(GROUP).size() <= 2);
        } finally {
            closeAll();
        }
    }

    @Test
    void aRestartedNodeRestoresFromItsLocalFileSnapshotAndCrashLeftoversAreRemoved() throws Exception {
        hub = new InMemoryTransport.Hub(12);
        for (long id = 1; id <= 3; id++) {
            stores.put(id, SharedRaftLogStore.open(tmp.resolve("log-" + id), SharedRaftLogOptions.defaults()));
        }
        try {
            for (long id = 1; id <= 3; id++) {
                startNode(id, true);
            }
            List<String> all = new ArrayList<>(propose(0, 50));
            long victim = leader() == 2 ? 3 : 2;
            await("node " + victim + " applied everything", () -> machines.get(victim).items().equals(all));
            await("node " + victim + " compacted", () -> stores.get(victim).open(GROUP).snapshot().index() >= 20);
            long snapIndex = stores.get(victim).open(GROUP).snapshot().index();
            nodes.get(victim).close();
            stores.get(victim).close();

            // what a crash may leave: a half-written snapshot, a received one never installed,
            // and a sealed one the log never recorded
            Path groupDir = tmp.resolve("log-" + victim).resolve("file-snapshots").resolve("group-" + GROUP);
            Files.createDirectories(groupDir.resolve("tmp-1-1"));
            Files.writeString(groupDir.resolve("tmp-1-1").resolve("half"), "x");
            Files.createDirectories(groupDir.resolve("incoming-" + (snapIndex + 5)));
            Files.createDirectories(groupDir.resolve("snap-" + (snapIndex + 7)));

            stores.put(victim, SharedRaftLogStore.open(tmp.resolve("log-" + victim), SharedRaftLogOptions.defaults()));
            startNode(victim, false);
            FileMachine restarted = machines.get(victim);
            assertEquals(1, restarted.restoresFromFiles(), "restored from the local file snapshot when the group started");
            assertEquals(snapIndex, stores.get(victim).open(GROUP).snapshot().index());
            assertEquals(List.of(snapIndex), stores.get(victim).fileSnapshots().snapshotIndexes(GROUP));
            try (Stream<Path> s = Files.list(groupDir)) {
                assertEquals(List.of("snap-" + snapIndex), s.map(p -> p.getFileName().toString()).toList());
            }
            all.addAll(propose(50, 5));
            await("the restarted node caught up", () -> restarted.items().equals(all));
        } finally {
            closeAll();
        }
    }

    @Test
    void aFileMachineNeedsAStoreThatKeepsFileSnapshots() {
        hub = new InMemoryTransport.Hub(13);
        MemoryRaftLogStore store = new MemoryRaftLogStore();
        try (RaftNode n = new RaftNode(config(1), store, l -> hub.join(1, 1000, l))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> n.startGroup(GROUP, ConfState.ofVoters(1L), new FileMachine(0)));
            assertTrue(e.getMessage().contains("keeps no file snapshots"), e.getMessage());
        }
    }
}
