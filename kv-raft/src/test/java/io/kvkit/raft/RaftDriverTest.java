package io.kvkit.raft;

import io.kvkit.raft.storage.SegmentedRaftLogStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** Three drivers on durable logs: replicate, compact, restart from disk, catch up by snapshot. */
class RaftDriverTest {

    @TempDir
    Path dir;

    private final TreeMap<Long, RaftDriver> drivers = new TreeMap<>();
    private final TreeMap<Long, ListStateMachine> machines = new TreeMap<>();
    private final TreeMap<Long, SegmentedRaftLogStorage> logs = new TreeMap<>();
    private final List<Message> network = new ArrayList<>();

    private void start(long id, ConfState bootstrap) {
        SegmentedRaftLogStorage log = SegmentedRaftLogStorage.open(dir.resolve("n" + id), 8192);
        if (bootstrap != null && log.lastIndex() == 0 && log.snapshot().isEmpty()) {
            log.applySnapshot(new Snapshot(1, 1, bootstrap, new byte[0]));
            log.setHardState(new HardState(1, 0, 1));
            log.sync();
        }
        ListStateMachine m = new ListStateMachine();
        m.restore(log.snapshot());
        logs.put(id, log);
        machines.put(id, m);
        drivers.put(id, new RaftDriver(RaftOptions.defaults(id), log, m, network::add));
    }

    private void run() {
        for (int round = 0; round < 500; round++) {
            drivers.values().forEach(RaftDriver::processReady);
            if (network.isEmpty()) {
                return;
            }
            List<Message> batch = new ArrayList<>(network);
            network.clear();
            for (Message msg : batch) {
                RaftDriver d = drivers.get(msg.to());
                if (d != null) {
                    d.core().step(msg);
                }
            }
        }
    }

    @Test
    void replicatesCompactsRestartsAndCatchesUp() {
        ConfState cs = ConfState.ofVoters(1L, 2L, 3L);
        for (long id = 1; id <= 3; id++) {
            start(id, cs);
        }
        drivers.get(1L).core().campaign();
        run();
        assertThat(drivers.get(1L).core().role()).isEqualTo(Role.LEADER);
        for (int i = 0; i < 50; i++) {
            drivers.get(1L).core().propose(("cmd" + i).getBytes(StandardCharsets.UTF_8));
        }
        run();
        for (long id = 1; id <= 3; id++) {
            assertThat(machines.get(id).items).hasSize(50).startsWith("cmd0").endsWith("cmd49");
        }
        drivers.get(1L).core().readIndex(9);
        run();
        assertThat(drivers.get(1L).takeServableReads()).extracting(ReadState::context).containsExactly(9L);

        // node 3 goes away; the leader compacts; node 3 comes back from its files and needs a snapshot
        drivers.remove(3L);
        logs.get(3L).close();
        for (int i = 50; i < 80; i++) {
            drivers.get(1L).core().propose(("cmd" + i).getBytes(StandardCharsets.UTF_8));
        }
        run();
        assertThat(drivers.get(1L).maybeCompact(10)).isTrue();
        assertThat(logs.get(1L).firstIndex()).isGreaterThan(60);
        start(3, null);
        assertThat(machines.get(3L).items).as("in-memory machine restarts from the bootstrap snapshot").isEmpty();
        for (int i = 0; i < 3; i++) {
            drivers.get(1L).core().tick(); // heartbeats reach node 3, which is then probed and sent the snapshot
            run();
        }
        assertThat(machines.get(3L).items).hasSize(80).endsWith("cmd79");
        assertThat(logs.get(3L).snapshot().index()).isGreaterThan(60);
    }
}
