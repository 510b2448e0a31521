package io.kvkit.engine.hash;

import io.kvkit.engine.api.Cursor;
import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.ReadOptions;
import io.kvkit.engine.api.Snapshot;
import io.kvkit.engine.api.StorageEngine;
import io.kvkit.engine.api.WriteBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

/** Background compaction: reclaims space, races readers and writers safely, keeps tombstones and snapshots right. */
class HashCompactionTest {
    @TempDir
    Path tmp;

    private static final Map<String, String> SMALL = Map.of("segmentSizeBytes", "64KiB", "expectedKeys", "16",
            "compactionDeadFraction", "0.3", "indexCheckpointIntervalBytes", "512KiB", "maintenanceIntervalMillis", "2");

    private static HashEngine open(Path dir) {
        return HashEngine.open(EngineConfig.builder(dir).options(SMALL).build());
    }

    private static byte[] key(int i) {
        return ("k" + i).getBytes(UTF_8);
    }

    private static byte[] value(int i, long version) {
        ByteBuffer b = ByteBuffer.allocate(64);
        b.putInt(i).putLong(version);
        return b.array();
    }

    private static long version(byte[] v) {
        return ByteBuffer.wrap(v).getLong(4);
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    /** Polls {@code condition} for up to 20 seconds (the background thread works on its own schedule). */
    static void waitUntil(Condition condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        try {
            while (!condition.holds()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("condition not met within 20 s");
                }
                Thread.sleep(10);
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static long segmentCount(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".seg")).count();
        }
    }

    @Test
    void overwritesAreCompactedAwayAndFilesDeleted() throws IOException {
        Path dir = tmp.resolve("db");
        try (HashEngine db = open(dir)) {
            for (int round = 0; round < 40; round++) {
                for (int i = 0; i < 200; i++) {
                    db.put(key(i), value(i, round));
                }
            }
            waitUntil(() -> db.stats().properties().get("hash.compactions").longValue() > 0
                    && segmentCount(dir) <= 6);
            for (int i = 0; i < 200; i++) {
                assertThat(version(db.get(key(i)))).isEqualTo(39);
            }
        }
        try (HashEngine db = open(dir)) {
            for (int i = 0; i < 200; i++) {
                assertThat(version(db.get(key(i)))).isEqualTo(39);
            }
        }
    }

    /** PITFALLS #25: a tombstone must outlive every older record of its key, across compaction and a rebuild. */
    @Test
    void deletedKeysStayDeletedAfterCompactionAndARebuildFromTheLog() throws IOException {
        Path dir = tmp.resolve("db");
        try (HashEngine db = open(dir)) {
            for (int i = 0; i < 300; i++) {
                db.put(key(i), value(i, 1));
            }
            for (int i = 0; i < 300; i += 2) {
                db.delete(key(i));
            }
            for (int round = 0; round < 30; round++) { // churn other keys so the old segments get compacted
                for (int i = 1000; i < 1100; i++) {
                    db.put(key(i), value(i, round));
                }
            }
            // The first segment holds the original puts and the tombstones: wait until it is compacted away.
            waitUntil(() -> !Files.exists(dir.resolve(LogSegment.fileName(1))));
        }
        Files.deleteIfExists(dir.resolve(IndexCheckpointFile.FILE_NAME));
        try (HashEngine db = open(dir)) {
            assertThat(db.stats().properties().get("hash.recovery.fromIndexCheckpoint")).isEqualTo(0);
            for (int i = 0; i < 300; i++) {
                if (i % 2 == 0) {
                    assertThat(db.get(key(i))).as("deleted key %d", i).isNull();
                } else {
                    assertThat(version(db.get(key(i)))).isEqualTo(1);
                }
            }
        }
    }

    @Test
    void snapshotAndCursorKeepTheirPointInTimeWhileCompactionMovesRecords() {
        Path dir = tmp.resolve("db");
        try (HashEngine db = open(dir)) {
            for (int i = 0; i < 300; i++) {
                db.put(key(i), value(i, 0));
            }
            Snapshot snap = db.snapshot();
            Cursor cursor = db.iterate();
            for (int round = 1; round < 30; round++) {
                for (int i = 0; i < 300; i++) {
                    if (round == 5 && i % 3 == 0) {
                        db.delete(key(i));
                    } else {
                        db.put(key(i), value(i, round));
                    }
                }
            }
            waitUntil(() -> db.stats().properties().get("hash.compactions").longValue() > 0);
            for (int i = 0; i < 300; i++) {
                assertThat(version(db.get(ReadOptions.at(snap), key(i)))).isEqualTo(0);
            }
            Map<String, Long> seen = new HashMap<>();
            while (cursor.next()) {
                assertThat(seen.put(new String(cursor.key(), UTF_8), version(cursor.value()))).isNull();
            }
            cursor.close();
            assertThat(seen).hasSize(300).allSatisfy((k, v) -> assertThat(v).isEqualTo(0));
            snap.close();
            for (int i = 0; i < 300; i++) {
                assertThat(version(db.get(key(i)))).isEqualTo(29);
            }
        }
    }

    /**
     * Two writers, two readers and the compactor (and index rebuilds: the index starts tiny) at
     * once: a reader never sees a key go back to an older version or vanish.
     */
    @Test
    void compactionRacingReadersAndWritersLosesNothing() throws Exception {
        Path dir = tmp.resolve("db");
        int keysPerWriter = 400;
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        long[][] lastWritten = new long[2][keysPerWriter];
        try (HashEngine db = open(dir)) {
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                int writer = w;
                threads.add(new Thread(() -> {
                    try {
                        for (long version = 1; !stop.get(); version++) {
                            WriteBatch batch = new WriteBatch();
                            for (int i = 0; i < keysPerWriter; i++) {
                                int k = writer * keysPerWriter + i;
                                if (i % 10 == 0) {
                                    batch.put(key(k), value(k, version));
                                    db.write(batch);
                                    batch = new WriteBatch();
                                } else {
                                    db.put(key(k), value(k, version));
                                }
                                lastWritten[writer][i] = version;
                            }
                        }
                    } catch (Throwable t) {
                        errors.add(t);
                    }
                }));
            }
            for (int r = 0; r < 2; r++) {
                threads.add(new Thread(() -> {
                    long[] seen = new long[2 * keysPerWriter];
                    try {
                        while (!stop.get()) {
                            for (int k = 0; k < seen.length; k++) {
                                byte[] v = db.get(key(k));
                                if (v == null) {
                                    if (seen[k] > 0) {
                                        throw new AssertionError("key " + k + " vanished after version " + seen[k]);
                                    }
                                    continue;
                                }
                                long version = version(v);
                                if (version < seen[k]) {
                                    throw new AssertionError("key " + k + " went back from " + seen[k] + " to " + version);
                                }
                                seen[k] = version;
                            }
                        }
                    } catch (Throwable t) {
                        errors.add(t);
                    }
                }));
            }
            threads.forEach(Thread::start);
            // At least 4 s, and until compaction has run under the readers (a loaded machine may need longer).
            long start = System.nanoTime();
            while (errors.isEmpty() && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30)
                    && (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(4)
                    || db.stats().properties().get("hash.compactions").longValue() == 0)) {
                Thread.sleep(50);
            }
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            assertThat(errors).isEmpty();
            assertThat(db.stats().properties().get("hash.compactions").longValue()).isPositive();
            assertThat(db.stats().properties().get("hash.index.rebuilds").longValue()).isPositive();
        }
        try (StorageEngine db = open(dir)) {
            for (int w = 0; w < 2; w++) {
                for (int i = 0; i < keysPerWriter; i++) {
                    int k = w * keysPerWriter + i;
                    assertThat(version(db.get(key(k)))).as("key %d after reopen", k).isEqualTo(lastWritten[w][i]);
                }
            }
        }
    }
}
