package io.kvkit.raft.storage;

import io.kvkit.raft.Entry;
import io.kvkit.raft.HardState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A measurement, skipped unless {@code -Dkvkit.raft.measureLog=true}, that checks what it
 * measured: every synced entry is back after reopen, and from 16 groups on the shared store
 * makes fewer fsyncs per {@code sync()} than one log per group. For 1, 16 and 64
 * groups, rounds of one 100-byte entry and one hard state per group followed by one
 * {@code sync()} (what a multi-Raft runtime does per round of Readies), on
 * {@link SharedRaftLogStore} and on {@link DirectoryRaftLogStore}: entries/s, fsyncs/s, and
 * bytes on disk per entry, and the time to reopen (replay) what was written. Then the same with 4 writer threads, each owning a quarter of the
 * groups and calling sync() itself (group commit across callers). Run with
 * <pre>
 * mvn -B -pl kv-raft test -Dtest=RaftLogStoreMeasurementTest -Dkvkit.raft.measureLog=true \
 *     -Dkvkit.raft.redirectOutput=false -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 * {@code -Dkvkit.raft.measureSeconds=N} sets the time per configuration (default 4).
 */
@EnabledIfSystemProperty(named = "kvkit.raft.measureLog", matches = "true")
class RaftLogStoreMeasurementTest {

    @TempDir
    Path tmp;

    private record Result(long entries, long syncCalls, long fsyncs, double seconds, long diskBytes, double reopenMillis) {
    }

    @Test
    void appendAndSyncRounds() throws Exception {
        double seconds = Double.parseDouble(System.getProperty("kvkit.raft.measureSeconds", "4"));
        System.out.printf("%-9s %7s %7s %12s %10s %12s %14s %10s %10s%n", "store", "threads", "groups", "entries/s", "fsyncs/s",
                "fsyncs/sync()", "disk B/entry", "disk MB", "reopen ms");
        int run = 0;
        for (int threads : new int[] {1, 4}) {
            for (int groups : new int[] {1, 16, 64}) {
                if (groups < threads) {
                    continue;
                }
                double[] fsyncsPerSync = new double[2];
                int k = 0;
                for (String kind : List.of("shared", "directory")) {
                    Path dir = Files.createDirectory(tmp.resolve(kind + "-" + run++));
                    Function<Path, RaftLogStore> open = kind.equals("shared")
                            ? d -> SharedRaftLogStore.open(d, SharedRaftLogOptions.defaults())
                            : d -> DirectoryRaftLogStore.open(d, 64L << 20);
                    Result r = measure(open, dir, groups, threads, seconds);
                    long syncCalls = Math.max(1, r.syncCalls);
                    fsyncsPerSync[k++] = (double) r.fsyncs / syncCalls;
                    System.out.printf("%-9s %7d %7d %12.0f %10.0f %12.2f %14.1f %10.1f %10.0f%n", kind, threads, groups,
                            r.entries / r.seconds, r.fsyncs / r.seconds, (double) r.fsyncs / syncCalls,
                            (double) r.diskBytes / r.entries, r.diskBytes / 1e6, r.reopenMillis);
                }
                if (groups >= 16) {
                    // the point of the shared store: one fsync per sync() however many groups were written
                    assertThat(fsyncsPerSync[0]).as("shared store fsyncs per sync() at %d groups", groups)
                            .isLessThan(fsyncsPerSync[1]);
                }
            }
        }
    }

    private static Result measure(Function<Path, RaftLogStore> open, Path dir, int groups, int threads, double seconds)
            throws Exception {
        RaftLogStore store = open.apply(dir);
        byte[] payload = new byte[100];
        new Random(1).nextBytes(payload);
        for (long g = 1; g <= groups; g++) {
            store.open(g);
        }
        store.sync();
        long fsyncsBefore = fsyncs(store);
        AtomicLong written = new AtomicLong();
        AtomicLong syncCalls = new AtomicLong();
        long[] lastIndexOfGroup = new long[groups + 1];
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        List<Thread> workers = new ArrayList<>();
        long started = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            int first = 1 + t * (groups / threads);
            int count = groups / threads;
            workers.add(Thread.ofPlatform().start(() -> {
                List<RaftLogStorage> mine = new ArrayList<>();
                for (int g = first; g < first + count; g++) {
                    mine.add(store.open(g));
                }
                long i = 1;
                for (; System.nanoTime() < deadline; i++) {
                    for (RaftLogStorage s : mine) {
                        s.append(List.of(Entry.normal(1, i, payload)));
                        s.setHardState(new HardState(1, 1, i - 1));
                    }
                    store.sync();
                    syncCalls.incrementAndGet();
                    written.addAndGet(count);
                }
                for (int g = first; g < first + count; g++) {
                    lastIndexOfGroup[g] = i - 1; // each thread writes only its own slots
                }
            }));
        }
        for (Thread w : workers) {
            w.join();
        }
        double elapsed = (System.nanoTime() - started) / 1e9;
        long fsyncs = fsyncs(store) - fsyncsBefore;
        store.close();
        // recovery: replay everything written, then every group's log is ready
        long t0 = System.nanoTime();
        long[] recovered = new long[groups + 1];
        try (RaftLogStore reopened = open.apply(dir)) {
            for (int g = 1; g <= groups; g++) {
                recovered[g] = reopened.open(g).lastIndex();
            }
        }
        double reopenMillis = (System.nanoTime() - t0) / 1e6;
        // what was measured was really written: every synced entry of every group is back
        for (int g = 1; g <= groups; g++) {
            assertThat(recovered[g]).as("last index of group %d after reopen", g).isEqualTo(lastIndexOfGroup[g]);
        }
        return new Result(written.get(), syncCalls.get(), fsyncs, elapsed, diskBytes(dir), reopenMillis);
    }

    private static long fsyncs(RaftLogStore store) {
        return store instanceof SharedRaftLogStore s ? s.fsyncCount() : ((DirectoryRaftLogStore) store).fsyncCount();
    }

    private static long diskBytes(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
