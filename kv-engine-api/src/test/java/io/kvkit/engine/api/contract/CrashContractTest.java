package io.kvkit.engine.api.contract;

import io.kvkit.engine.api.Bytes;
import io.kvkit.engine.api.Cursor;
import io.kvkit.engine.api.StorageEngine;
import io.kvkit.engine.api.WriteBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The durability contract of DESIGN.md under {@code kill -9}: a child JVM ({@link CrashWorkload})
 * writes numbered batches (some synced) into the engine and is killed at a random moment; the
 * parent reopens the store and checks that it
 * <ul>
 *   <li>holds every batch acknowledged with sync, and every acknowledged batch at all when the
 *       engine promises that unsynced writes survive a process crash;</li>
 *   <li>is exactly the state after batches 1..m for some m (a prefix: no torn batch, no
 *       resurrected delete, nothing invented).</li>
 * </ul>
 * The same directory is crashed again and again, so recovery of a recovered store is tested
 * too. {@code -Dkvkit.crash.iterations=N} (default 5) and {@code -Dkvkit.seed} control the run.
 */
public abstract class CrashContractTest extends EngineTestSupport {
    @TempDir
    protected Path tmp;

    protected int iterations() {
        return Integer.getInteger("kvkit.crash.iterations", 5);
    }

    /** Extra JVM flags for the child (e.g. --add-opens an engine needs). */
    protected List<String> childJvmFlags() {
        return List.of();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void killedWriterLeavesADurablePrefix() throws Exception {
        long seed = Long.getLong("kvkit.seed", System.nanoTime());
        System.out.println("CrashContractTest[" + engineName() + "] seed=" + seed + " iterations=" + iterations()
                + " (replay with -Dkvkit.seed=" + seed + ")");
        Random timing = new Random(seed);
        Path dir = tmp.resolve("store");
        long recovered = 0;
        for (int it = 0; it < iterations(); it++) {
            Child child = Child.start(this, dir, seed, tmp.resolve("child-" + it + ".err"));
            long readyAt = child.awaitReady();
            assertThat(readyAt).as("iteration %d: the child reopened at batch %d but the parent saw %d", it, readyAt, recovered)
                    .isEqualTo(recovered);
            Thread.sleep(100 + timing.nextInt(900));
            child.kill();
            long acked = child.lastAcked;
            long syncedAcked = child.lastSyncedAcked;
            try (StorageEngine db = open(dir)) {
                long m = CrashWorkload.lastApplied(db);
                String where = "seed=" + seed + " iteration " + it + ": store holds batches 1.." + m + ", acked " + acked
                        + " (synced " + syncedAcked + ")";
                System.out.println("CrashContractTest[" + engineName() + "] " + where);
                long required = db.capabilities().unsyncedWritesSurviveProcessCrash() ? acked : syncedAcked;
                assertThat(m).as(where + ": lost acknowledged batches").isGreaterThanOrEqualTo(required);
                assertThat(m).as(where + ": holds a batch that was never written").isLessThanOrEqualTo(acked + 1);
                assertContentsArePrefix(db, seed, m, where);
                recovered = m;
            }
        }
    }

    private static void assertContentsArePrefix(StorageEngine db, long seed, long m, String where) {
        TreeMap<byte[], byte[]> expected = new TreeMap<>(Bytes.ORDER);
        for (long n = 1; n <= m; n++) {
            WriteBatch b = CrashWorkload.batch(seed, n);
            for (int i = 0; i < b.size(); i++) {
                if (b.isDeleteAt(i)) {
                    expected.remove(b.keyAt(i));
                } else {
                    expected.put(b.keyAt(i), b.valueAt(i));
                }
            }
        }
        TreeMap<byte[], byte[]> actual = new TreeMap<>(Bytes.ORDER);
        try (Cursor c = db.iterate()) {
            while (c.next()) {
                actual.put(c.key(), c.value());
            }
        }
        for (var e : expected.entrySet()) {
            byte[] got = actual.remove(e.getKey());
            if (!Arrays.equals(got, e.getValue())) {
                throw new AssertionError(where + ": key " + Bytes.toDisplay(e.getKey()) + " is "
                        + (got == null ? "missing" : "a different value (" + got.length + " bytes)")
                        + " but batches 1.." + m + " leave it at " + e.getValue().length + " bytes");
            }
        }
        if (!actual.isEmpty()) {
            throw new AssertionError(where + ": key " + Bytes.toDisplay(actual.firstKey()) + " exists but batches 1.." + m
                    + " deleted or never wrote it (" + actual.size() + " such keys)");
        }
    }

    /**
     * A running {@link CrashWorkload}. Its stdout goes to a file, not a pipe: after a kill the
     * file holds every line the child wrote, whereas draining a dead process's pipe races with
     * the JDK's process reaper.
     */
    private static final class Child {
        final Process process;
        final Path out;
        long ready = -1;
        long lastAcked;
        long lastSyncedAcked;

        private Child(Process process, Path out) {
            this.process = process;
            this.out = out;
        }

        static Child start(CrashContractTest test, Path dir, long seed, Path stderr) throws IOException {
            String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            List<String> cmd = new ArrayList<>(List.of(java, "-ea", "--enable-native-access=ALL-UNNAMED", "-Xmx512m"));
            cmd.addAll(test.childJvmFlags());
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), CrashWorkload.class.getName(),
                    test.engineName(), dir.toString(), Long.toString(seed), CrashWorkload.encodeOptions(test.engineOptions())));
            Path out = Path.of(stderr.toString().replaceAll("\\.err$", "") + ".out");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(stderr.toFile()).redirectOutput(out.toFile());
            return new Child(pb.start(), out);
        }

        private void readLines() throws IOException {
            for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
                String[] parts = line.split(" ");
                try {
                    if (parts[0].equals("ready") && parts.length == 2) {
                        // What the child found on reopening counts as acknowledged: a batch written
                        // after it but killed before its ack line must not be taken for an invented one.
                        ready = Long.parseLong(parts[1]);
                        lastAcked = Math.max(lastAcked, ready);
                        lastSyncedAcked = Math.max(lastSyncedAcked, ready);
                    } else if (parts[0].equals("ack") && parts.length == 3 && (parts[2].equals("0") || parts[2].equals("1"))) {
                        long n = Long.parseLong(parts[1]);
                        lastAcked = n;
                        if (parts[2].equals("1")) {
                            lastSyncedAcked = n;
                        }
                    }
                } catch (NumberFormatException e) {
                    // the last line, cut by the kill: the acks before it stand
                }
            }
        }

        long awaitReady() throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                readLines();
                if (ready >= 0) {
                    return ready;
                }
                if (!process.isAlive()) {
                    throw new AssertionError("crash child exited with " + process.exitValue() + " before it was ready; see " + out);
                }
                if (System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new AssertionError("crash child was not ready within 60 s");
                }
                Thread.sleep(10);
            }
        }

        /** SIGKILL, then read everything the child printed before it died. */
        void kill() throws Exception {
            if (!process.isAlive()) {
                throw new AssertionError("crash child died by itself with exit code " + process.exitValue() + "; see " + out);
            }
            process.destroyForcibly();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError("crash child did not die within 30 s of SIGKILL");
            }
            readLines();
        }
    }
}
