package io.kvkit.raft.storage;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.Entry;
import io.kvkit.raft.HardState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kill -9} crash test: a child JVM writes rounds to several groups of a
 * {@link SharedRaftLogStore} (small segments, so that rolls and garbage collection happen),
 * printing each round once its {@code sync()} returned; the parent kills it after a random number
 * of acknowledged rounds, reopens, and checks that every acknowledged round is there with the
 * right bytes, then lets the next child continue in the same directory. The moment of the kill
 * depends on timing; the verdict does not. The seed is printed ({@code -Dkvkit.raft.killSeed=S}).
 */
class SharedRaftLogKillTest {
    private static final int GROUPS = 6;
    private static final SharedRaftLogOptions OPTIONS = SharedRaftLogOptions.defaults().withSegmentBytes(16 << 10)
            .withWriteBufferBytes(4096);

    @TempDir
    Path dir;

    static byte[] data(long group, long index) {
        return ("g" + group + "i" + index + "-".repeat((int) ((group * 31 + index) % 90))).getBytes(StandardCharsets.UTF_8);
    }

    /** The child: writes until killed. */
    public static final class Writer {
        public static void main(String[] args) {
            Path dir = Path.of(args[0]);
            try (SharedRaftLogStore store = SharedRaftLogStore.open(dir, OPTIONS)) {
                List<RaftLogStorage> logs = new ArrayList<>();
                long next = Long.MAX_VALUE;
                for (long g = 1; g <= GROUPS; g++) {
                    RaftLogStorage s = store.open(g);
                    logs.add(s);
                    next = Math.min(next, s.lastIndex() + 1);
                }
                for (long i = next; ; i++) {
                    for (int k = 0; k < GROUPS; k++) {
                        long g = k + 1;
                        RaftLogStorage s = logs.get(k);
                        s.append(List.of(Entry.normal(1, i, data(g, i))));
                        s.setHardState(new HardState(1, 0, i));
                        if (i > 20 && (i + g * 7) % 40 == 0) {
                            s.createSnapshot(i - 15, ConfState.ofVoters(1L), new byte[] {(byte) g});
                        }
                    }
                    store.sync();
                    System.out.println("synced " + i);
                    System.out.flush();
                }
            }
        }
    }

    @Test
    void everyAcknowledgedRoundSurvivesKill9() throws Exception {
        String fixed = System.getProperty("kvkit.raft.killSeed", "");
        long seed = fixed.isBlank() ? System.nanoTime() : Long.parseLong(fixed.trim());
        System.out.println("SharedRaftLogKillTest seed " + seed + " (replay: -Dkvkit.raft.killSeed=" + seed + ")");
        Random rnd = new Random(seed);
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        long acked = 0;
        for (int round = 0; round < 2; round++) {
            int killAfter = 20 + rnd.nextInt(200);
            Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Writer.class.getName(),
                    dir.toString()).redirectErrorStream(true).start();
            int seen = 0;
            StringBuilder other = new StringBuilder();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while (seen < killAfter && (line = r.readLine()) != null) {
                    if (line.startsWith("synced ")) {
                        acked = Math.max(acked, Long.parseLong(line.substring(7)));
                        seen++;
                    } else {
                        other.append(line).append('\n');
                    }
                }
            } finally {
                p.destroyForcibly(); // SIGKILL
                p.waitFor();
            }
            assertThat(seen).as("the child stopped early:\n%s", other).isEqualTo(killAfter);
            try (SharedRaftLogStore store = SharedRaftLogStore.open(dir, OPTIONS)) {
                System.out.println("  killed after round " + acked + "; recovery: " + store.recoveryReport() + "; " + store.stats());
                for (long g = 1; g <= GROUPS; g++) {
                    RaftLogStorage s = store.open(g);
                    assertThat(s.lastIndex()).as("group %d after kill %d", g, round).isGreaterThanOrEqualTo(acked);
                    assertThat(s.initialState().hardState().commit()).as("commit of group %d", g).isGreaterThanOrEqualTo(acked);
                    List<Entry> all = s.entries(s.firstIndex(), s.lastIndex() + 1, Long.MAX_VALUE);
                    for (Entry e : all) {
                        assertThat(e.data()).as("entry %d of group %d", e.index(), g).isEqualTo(data(g, e.index()));
                    }
                }
            }
        }
    }
}
