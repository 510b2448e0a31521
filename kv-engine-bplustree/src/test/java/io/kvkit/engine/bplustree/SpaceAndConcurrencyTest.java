package io.kvkit.engine.bplustree;

import io.kvkit.engine.api.Cursor;
import io.kvkit.engine.api.EngineClosedException;
import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.KeyRange;
import io.kvkit.engine.api.ReadOptions;
import io.kvkit.engine.api.Snapshot;
import io.kvkit.engine.api.WriteBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Free-page reuse while old readers are open, bounded file growth (PITFALLS #26), long scans
 * racing writers, close racing readers (#27), checkpoints and the bulk loader.
 */
class SpaceAndConcurrencyTest {
    @TempDir
    Path tmp;

    private EngineConfig config(Path dir) {
        return EngineConfig.builder(dir).option("pageSizeBytes", "1024").option("mapChunkBytes", "1MiB")
                .option("checkpointEveryOps", "500").option("checkpointEveryBytes", "1MiB").option("checkpointChunkOps", "250").build();
    }

    private static byte[] k(int i) {
        return String.format("key%06d", i).getBytes();
    }

    private static byte[] v(int i, int round) {
        return ByteBuffer.allocate(40).putInt(i).putInt(round).array();
    }

    private static void overwriteAll(BPlusTreeEngine db, int n, int round) {
        for (int i = 0; i < n; i += 50) {
            WriteBatch b = new WriteBatch();
            for (int j = i; j < Math.min(n, i + 50); j++) {
                b.put(k(j), v(j, round));
            }
            db.write(b);
        }
    }

    @Test
    void theFileStopsGrowingWhenTheDataStopsGrowing() {
        try (BPlusTreeEngine db = BPlusTreeEngine.open(config(tmp.resolve("db")))) {
            int n = 2000;
            overwriteAll(db, n, 0);
            long after = 0;
            List<Long> sizes = new ArrayList<>();
            for (int round = 1; round <= 25; round++) {
                overwriteAll(db, n, round);
                sizes.add(db.stats().diskBytes());
            }
            after = sizes.get(sizes.size() - 1);
            long atTen = sizes.get(9);
            // 20 more rounds of overwriting every key grow the file by at most a few pages
            assertThat(after).as("sizes per round %s", sizes).isLessThanOrEqualTo(atTen + atTen / 50);
            assertThat(db.stats().properties().get("bplustree.pages.reusable").longValue()
                    + db.stats().properties().get("bplustree.pages.pending").longValue()).isGreaterThan(0);
        }
    }

    @Test
    void pagesAnOpenSnapshotCanSeeAreNotReusedAndAreReclaimedAfterItCloses() {
        try (BPlusTreeEngine db = BPlusTreeEngine.open(config(tmp.resolve("db")))) {
            int n = 2000;
            overwriteAll(db, n, 0);
            for (int round = 1; round <= 10; round++) {
                overwriteAll(db, n, round);
            }
            long steady = db.stats().diskBytes();
            Snapshot snap = db.snapshot();
            for (int round = 11; round <= 20; round++) {
                overwriteAll(db, n, round);
                // the snapshot still reads round 10 exactly, although its pages were replaced long ago
                for (int i = 0; i < n; i += 97) {
                    assertThat(db.get(ReadOptions.at(snap), k(i))).isEqualTo(v(i, 10));
                }
            }
            long pinnedSize = db.stats().diskBytes();
            assertThat(pinnedSize).as("an open snapshot pins its pages, so the file grows").isGreaterThan(steady);
            try (Cursor c = db.scan(ReadOptions.at(snap), KeyRange.ALL)) {
                int i = 0;
                while (c.next()) {
                    assertThat(c.value()).isEqualTo(v(i, 10));
                    i++;
                }
                assertThat(i).isEqualTo(n);
            }
            snap.close();
            for (int round = 21; round <= 32; round++) {
                overwriteAll(db, n, round);
            }
            assertThat(db.stats().diskBytes()).as("after the snapshot closes its pages are reused").isEqualTo(pinnedSize);
            db.check();
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void longScansRacingWritersSeeOnePointInTime() throws Exception {
        try (BPlusTreeEngine db = BPlusTreeEngine.open(config(tmp.resolve("db")))) {
            int n = 3000;
            overwriteAll(db, n, 0);
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                Future<?> writer = pool.submit(() -> {
                    // every batch rewrites every key with one round number: a scan must see one round only
                    for (int round = 1; !stop.get(); round++) {
                        WriteBatch b = new WriteBatch();
                        for (int j = 0; j < n; j++) {
                            b.put(k(j), v(j, round));
                        }
                        db.write(b);
                    }
                    return null;
                });
                List<Future<Integer>> scanners = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    boolean reverse = t == 1;
                    scanners.add(pool.submit(() -> {
                        int scans = 0;
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                        while (System.nanoTime() < deadline) {
                            try (Cursor c = reverse ? db.scanReverse(ReadOptions.DEFAULT, KeyRange.ALL) : db.iterate()) {
                                int round = -1;
                                int count = 0;
                                while (c.next()) {
                                    ByteBuffer val = ByteBuffer.wrap(c.value());
                                    int i = val.getInt();
                                    int r = val.getInt();
                                    assertThat(c.key()).isEqualTo(k(i));
                                    if (round < 0) {
                                        round = r;
                                    }
                                    assertThat(r).as("a scan saw two rounds").isEqualTo(round);
                                    count++;
                                }
                                assertThat(count).isEqualTo(n);
                            }
                            scans++;
                        }
                        return scans;
                    }));
                }
                for (Future<Integer> s : scanners) {
                    assertThat(s.get()).isGreaterThan(0);
                }
                stop.set(true);
                writer.get();
            } finally {
                stop.set(true);
                pool.shutdownNow();
            }
            db.check();
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void closeRacingReadersFailsThemCleanly() throws Exception {
        for (int attempt = 0; attempt < 5; attempt++) {
            Path dir = tmp.resolve("db" + attempt);
            BPlusTreeEngine db = BPlusTreeEngine.open(config(dir));
            overwriteAll(db, 3000, 0);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<String>> readers = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    readers.add(pool.submit(() -> {
                        try {
                            while (true) {
                                try (Cursor c = db.iterate()) {
                                    while (c.next()) {
                                        c.value();
                                    }
                                }
                                db.get(k(1500));
                            }
                        } catch (EngineClosedException e) {
                            return "closed";
                        }
                    }));
                }
                Thread.sleep(50 + attempt * 20);
                db.close();
                for (Future<String> r : readers) {
                    assertThat(r.get()).isEqualTo("closed");
                }
            } finally {
                pool.shutdownNow();
            }
            try (BPlusTreeEngine again = BPlusTreeEngine.open(config(dir))) {
                assertThat(again.get(k(1500))).isEqualTo(v(1500, 0));
            }
        }
    }

    @Test
    void aSecondOpenOfTheSameStoreIsRefused() {
        try (BPlusTreeEngine db = BPlusTreeEngine.open(config(tmp.resolve("db")))) {
            assertThatThrownBy(() -> BPlusTreeEngine.open(config(tmp.resolve("db"))))
                    .hasMessageContaining("already open");
        }
    }

    @Test
    void checkpointIsDenseAndBulkLoadedTreesKeepTheInvariants() {
        try (BPlusTreeEngine db = BPlusTreeEngine.open(config(tmp.resolve("db")))) {
            int n = 5000;
            for (int round = 0; round < 3; round++) {
                overwriteAll(db, n, round);
            }
            db.put("long-value".getBytes(), new byte[10_000]);
            byte[] longKey = new byte[3000];
            java.util.Arrays.fill(longKey, (byte) 'z');
            db.put(longKey, "lk".getBytes());
            db.checkpoint(tmp.resolve("cp"));
            db.put(k(1), "after".getBytes());
            try (BPlusTreeEngine cp = BPlusTreeEngine.open(config(tmp.resolve("cp")))) {
                TreeChecker.Report r = cp.check();
                assertThat(r.entries()).isEqualTo(n + 2);
                assertThat(r.averageLeafFill()).as("bulk-loaded leaves are full").isGreaterThan(85.0);
                assertThat(cp.get(k(1))).isEqualTo(v(1, 2));
                assertThat(cp.get(longKey)).isEqualTo("lk".getBytes());
                assertThat(cp.get("long-value".getBytes())).hasSize(10_000);
                assertThat(cp.stats().diskBytes()).isLessThan(db.stats().diskBytes());
                cp.put(k(2), "x".getBytes()); // a bulk-loaded store takes writes
                cp.check();
            }
        }
    }

    @Test
    void bulkLoaderRejectsUnsortedInput() {
        try (BulkLoader loader = BulkLoader.create(tmp.resolve("bl"), 4096, 100)) {
            loader.add("b".getBytes(), new byte[1]);
            assertThatThrownBy(() -> loader.add("a".getBytes(), new byte[1])).hasMessageContaining("ascending");
        }
    }
}
