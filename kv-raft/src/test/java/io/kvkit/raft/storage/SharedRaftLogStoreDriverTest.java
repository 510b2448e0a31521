package io.kvkit.raft.storage;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.HardState;
import io.kvkit.raft.ListStateMachine;
import io.kvkit.raft.Message;
import io.kvkit.raft.RaftDriver;
import io.kvkit.raft.RaftOptions;
import io.kvkit.raft.Role;
import io.kvkit.raft.Snapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Raft core on {@link SharedRaftLogStore} views: three nodes, each with one shared log for
 * its two groups; replicate, compact, restart a node from its shared log, catch it up by
 * snapshot. Checks that the views behave as the core expects of a {@link RaftLogStorage}.
 */
class SharedRaftLogStoreDriverTest {
    private static final long[] GROUPS = {1, 2};

    @TempDir
    Path dir;

    private final TreeMap<Long, SharedRaftLogStore> stores = new TreeMap<>();
    /** group -> node -> driver, machine; group -> in-flight messages. */
    private final TreeMap<Long, TreeMap<Long, RaftDriver>> drivers = new TreeMap<>();
    private final TreeMap<Long, TreeMap<Long, ListStateMachine>> machines = new TreeMap<>();
    private final TreeMap<Long, List<Message>> networks = new TreeMap<>();

    private void start(long node, boolean bootstrap) {
        SharedRaftLogStore store = SharedRaftLogStore.open(dir.resolve("n" + node),
                SharedRaftLogOptions.defaults().withSegmentBytes(8192));
        stores.put(node, store);
        for (long g : GROUPS) {
            RaftLogStorage log = store.open(g);
            if (bootstrap && log.lastIndex() == 0 && log.snapshot().isEmpty()) {
                log.applySnapshot(new Snapshot(1, 1, ConfState.ofVoters(1L, 2L, 3L), new byte[0]));
                log.setHardState(new HardState(1, 0, 1));
            }
            ListStateMachine m = new ListStateMachine();
            m.restore(log.snapshot());
            machines.computeIfAbsent(g, x -> new TreeMap<>()).put(node, m);
            List<Message> net = networks.computeIfAbsent(g, x -> new ArrayList<>());
            drivers.computeIfAbsent(g, x -> new TreeMap<>()).put(node, new RaftDriver(RaftOptions.defaults(node), log, m, net::add));
        }
        store.sync();
    }

    private void stop(long node) {
        for (long g : GROUPS) {
            drivers.get(g).remove(node);
        }
        stores.remove(node).close();
    }

    private void run() {
        for (int round = 0; round < 500; round++) {
            boolean quiet = true;
            for (long g : GROUPS) {
                drivers.get(g).values().forEach(RaftDriver::processReady);
                List<Message> net = networks.get(g);
                if (net.isEmpty()) {
                    continue;
                }
                quiet = false;
                List<Message> batch = new ArrayList<>(net);
                net.clear();
                for (Message msg : batch) {
                    RaftDriver d = drivers.get(g).get(msg.to());
                    if (d != null) {
                        d.core().step(msg);
                    }
                }
            }
            if (quiet) {
                return;
            }
        }
    }

    private void propose(long group, int from, int to) {
        for (int i = from; i < to; i++) {
            drivers.get(group).get(group).core().propose(("g" + group + "cmd" + i).getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void twoGroupsOnThreeNodesReplicateCompactRestartAndCatchUp() {
        for (long node = 1; node <= 3; node++) {
            start(node, true);
        }
        // node 1 leads group 1, node 2 leads group 2: both write to every node's shared log
        for (long g : GROUPS) {
            drivers.get(g).get(g).core().campaign();
        }
        run();
        for (long g : GROUPS) {
            assertThat(drivers.get(g).get(g).core().role()).isEqualTo(Role.LEADER);
            propose(g, 0, 50);
        }
        run();
        for (long g : GROUPS) {
            for (long node = 1; node <= 3; node++) {
                assertThat(machines.get(g).get(node).items).hasSize(50).endsWith("g" + g + "cmd49");
            }
        }

        // node 3 goes away; the leaders write on and compact; node 3 reopens its shared log and
        // needs a snapshot in both groups
        stop(3);
        for (long g : GROUPS) {
            propose(g, 50, 300);
        }
        run();
        for (long g : GROUPS) {
            assertThat(drivers.get(g).get(g).maybeCompact(10)).isTrue();
        }
        // collection runs by itself after the next segment roll; ask for it now
        stores.get(1L).collectGarbage();
        assertThat(stores.get(1L).stats().deletedSegments()).isPositive();
        start(3, false);
        assertThat(stores.get(3L).recoveryReport()).isEmpty();
        for (int i = 0; i < 3; i++) {
            for (long g : GROUPS) {
                drivers.get(g).get(g).core().tick();
            }
            run();
        }
        for (long g : GROUPS) {
            assertThat(machines.get(g).get(3L).items).hasSize(300).endsWith("g" + g + "cmd299");
            assertThat(stores.get(3L).open(g).snapshot().index()).isGreaterThan(250);
        }
        // and node 1 restarts from its shared log with both groups' state
        stop(1);
        start(1, false);
        for (long g : GROUPS) {
            RaftLogStorage log = stores.get(1L).open(g);
            assertThat(log.lastIndex()).isGreaterThan(300);
            assertThat(log.initialState().hardState().commit()).isEqualTo(log.lastIndex());
        }
        for (SharedRaftLogStore s : stores.values()) {
            s.close();
        }
    }
}
