package io.kvkit.server.partition;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.kvkit.server.partition.Commands.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Step 3 of the README's durability argument: an engine written without sync is synced before
 * any other engine is written, so a power loss leaves the engines holding a prefix of the
 * commands. Checked on the log of a recording engine, not on a crash.
 */
class CrossEngineOrderTest {

    @TempDir
    Path dir;

    @Test
    void anUnsyncedEngineIsSyncedBeforeAnotherEngineIsWritten() {
        synchronized (RecordingEngineProvider.EVENTS) {
            RecordingEngineProvider.EVENTS.clear();
        }
        try (PartitionStateMachine m = PartitionStateMachine.open(PartitionOptions.of(dir, "recording", Map.of()))) {
            long i = 0;
            m.apply(++i, createTable("t", "recording"));
            for (int round = 0; round < 40; round++) {
                String table = round % 5 < 3 ? "default" : "t";
                m.apply(++i, withSession(put(table, "k" + round, "v"), 9, round + 1, 1, true));
            }
            m.apply(++i, dropTable("t"));
            m.apply(++i, put("", "after", "drop"));
        }
        List<String> events;
        synchronized (RecordingEngineProvider.EVENTS) {
            events = new ArrayList<>(RecordingEngineProvider.EVENTS);
        }
        Set<String> unsynced = new HashSet<>();
        int switches = 0;
        String last = null;
        for (String e : events) {
            String[] p = e.split(" ");
            if (p[0].equals("sync")) {
                unsynced.remove(p[1]);
                continue;
            }
            String engine = p[1];
            Set<String> others = new HashSet<>(unsynced);
            others.remove(engine);
            assertThat(others).as("engines with unsynced writes when %s is written (events: %s)", engine, events).isEmpty();
            if (p[2].equals("sync=false")) {
                unsynced.add(engine);
            }
            if (last != null && !last.equals(engine)) {
                switches++;
            }
            last = engine;
        }
        assertThat(switches).as("the test must switch engines").isGreaterThan(10);
        assertThat(events).as("data writes go out unsynced").contains("write default.0 sync=false");
    }
}
