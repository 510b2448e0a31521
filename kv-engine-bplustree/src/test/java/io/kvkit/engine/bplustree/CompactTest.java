package io.kvkit.engine.bplustree;

import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.Snapshot;
import io.kvkit.engine.api.WriteOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

/** {@link BPlusTreeEngine#compact()}: the tail of the file goes back to the file system, online and crash-safe. */
class CompactTest {
    private static final int PAGE = 1024;

    @TempDir
    Path tmp;

    private static EngineConfig config(Path dir) {
        return EngineConfig.builder(dir).option("pageSizeBytes", Integer.toString(PAGE)).option("mapChunkBytes", "1MiB")
                .option("idleCheckpointMillis", "0").option("checkpointEveryBytes", "256KiB").build();
    }

    private static byte[] key(int i) {
        return String.format("key%07d", i).getBytes(UTF_8);
    }

    /** Every 50th value is long enough for an overflow chain (1 KiB pages). */
    private static byte[] value(int i) {
        byte[] v = new byte[i % 50 == 0 ? 3000 : 80];
        Arrays.fill(v, (byte) i);
        v[0] = (byte) (i >>> 8);
        return v;
    }

    private static void fillThenDeleteMost(BPlusTreeEngine db, int n) {
        for (int i = 0; i < n; i++) {
            db.put(key(i), value(i));
        }
        for (int i = 0; i < n; i++) {
            if (i % 10 != 0) {
                db.delete(key(i));
            }
        }
    }

    private static void checkSurvivors(BPlusTreeEngine db, int n) {
        for (int i = 0; i < n; i++) {
            assertThat(db.get(key(i))).as("key %d", i).isEqualTo(i % 10 == 0 ? value(i) : null);
        }
    }

    private static long highWater(BPlusTreeEngine db) {
        return db.stats().properties().get("bplustree.pages.highWater").longValue();
    }

    @Test
    void compactGivesTheTailBackAndKeepsEveryKey() throws Exception {
        Path dir = tmp.resolve("db");
        int n = 20_000;
        try (BPlusTreeEngine db = BPlusTreeEngine.open(config(dir))) {
            fillThenDeleteMost(db, n);
            db.sync();
            BPlusTreeEngine.CompactionResult r = db.compact();
            System.out.println("compaction: " + r + ", file " + Files.size(dir.resolve(BPlusTreeEngine.DATA_FILE)) + " bytes");
            assertThat(r.pagesAfter()).as("pages after, of %d", r.pagesBefore()).isLessThan(r.pagesBefore() / 2)
                    .isLessThanOrEqualTo(Meta.FIRST_DATA_PAGE + r.pagesInUse() + r.pagesInUse() / 20); // dense within 5%
            assertThat(highWater(db)).isEqualTo(r.pagesAfter());
            assertThat(Files.size(dir.resolve(BPlusTreeEngine.DATA_FILE))).isEqualTo((long) r.pagesAfter() * PAGE);
            assertThat(r.bytesReturned()).isPositive();
            checkSurvivors(db, n);
            db.check();
            // the store grows again normally after it
            for (int i = n; i < n + 2_000; i++) {
                db.put(key(i), value(i));
            }
            db.put(WriteOptions.SYNC, key(n + 2_000), value(n + 2_000));
        }
        try (BPlusTreeEngine db = BPlusTreeEngine.open(config(dir))) {
            checkSurvivors(db, n);
            for (int i = n; i <= n + 2_000; i++) {
                assertThat(db.get(key(i))).isEqualTo(value(i));
            }
            db.check();
        }
    }

    @Test
    void pagesASnapshotPinsStayUntilItCloses() throws Exception {
        Path dir = tmp.resolve("db");
        int n = 10_000;
        try (BPlusTreeEngine db = BPlusTreeEngine.open(config(dir))) {
            for (int i = 0; i < n; i++) {
                db.put(key(i), value(i));
            }
            db.sync();
            db.compact(); // fold everything into the tree: the snapshot below pins that tree
            Snapshot snap = db.snapshot();
            for (int i = 0; i < n; i++) {
                if (i % 10 != 0) {
                    db.delete(key(i));
                }
            }
            BPlusTreeEngine.CompactionResult pinned = db.compact();
            for (int i = 0; i < n; i += 7) {
                assertThat(db.get(io.kvkit.engine.api.ReadOptions.at(snap), key(i))).as("snapshot still sees key %d", i)
                        .isEqualTo(value(i));
            }
            snap.close();
            BPlusTreeEngine.CompactionResult released = db.compact();
            System.out.println("with a snapshot: " + pinned + "; after it closed: " + released);
            assertThat(pinned.pagesAfter()).as("compaction never grows the file").isLessThanOrEqualTo(pinned.pagesBefore());
            assertThat(released.pagesAfter()).as("the pinned pages go once the snapshot closes").isLessThan(pinned.pagesAfter());
            checkSurvivors(db, n);
        }
    }

    @Test
    void readersRunThroughACompaction() throws Exception {
        Path dir = tmp.resolve("db");
        int n = 20_000;
        long seed = System.nanoTime();
        System.out.println("seed " + seed);
        try (BPlusTreeEngine db = BPlusTreeEngine.open(config(dir))) {
            fillThenDeleteMost(db, n);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicLong reads = new AtomicLong();
            Thread[] readers = new Thread[2];
            for (int t = 0; t < readers.length; t++) {
                Random random = new Random(seed + t);
                readers[t] = Thread.ofPlatform().start(() -> {
                    try {
                        while (!stop.get()) {
                            int i = random.nextInt(n / 10) * 10;
                            byte[] v = db.get(key(i));
                            if (!Arrays.equals(v, value(i))) {
                                throw new AssertionError("key " + i + " read wrong during compaction");
                            }
                            reads.incrementAndGet();
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
            }
            BPlusTreeEngine.CompactionResult r = db.compact();
            stop.set(true);
            for (Thread t : readers) {
                t.join();
            }
            assertThat(failure.get()).as("reader failure").isNull();
            assertThat(reads.get()).isPositive();
            assertThat(r.pagesAfter()).isLessThan(r.pagesBefore());
        }
    }

    /** Recovery may fall back to either meta page: both must know the smaller file. */
    @Test
    void eitherMetaPageOpensTheCompactedFile() throws Exception {
        for (int slot = 0; slot < 2; slot++) {
            Path dir = tmp.resolve("db" + slot);
            int n = 5_000;
            try (BPlusTreeEngine db = BPlusTreeEngine.open(config(dir))) {
                fillThenDeleteMost(db, n);
                db.compact();
            }
            // a torn meta page: its checksum fails and the other slot is used
            Path file = dir.resolve(BPlusTreeEngine.DATA_FILE);
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                raf.seek((long) slot * PAGE + 50);
                int b = raf.read();
                raf.seek((long) slot * PAGE + 50);
                raf.write(b ^ 0xFF);
            }
            try (BPlusTreeEngine db = BPlusTreeEngine.open(config(dir))) {
                checkSurvivors(db, n);
                db.check();
            }
        }
    }
}
