package io.kvkit.engine.hash;

import io.kvkit.engine.api.EngineClosedException;
import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.StorageEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;

/** Closing under readers (PITFALLS #27) and reopening through the index checkpoint or without it. */
class HashCloseAndRestartTest {
    @TempDir
    Path tmp;

    private static byte[] key(int i) {
        return ByteBuffer.allocate(8).putInt(i).putInt(~i).array();
    }

    /** Readers racing close() get EngineClosedException, never a crash or a wrong answer. */
    @Test
    void closeRacingReadersAndWritersFailsThemCleanly() throws Exception {
        for (int round = 0; round < 3; round++) {
            Path dir = tmp.resolve("db" + round);
            HashEngine db = HashEngine.open(EngineConfig.builder(dir).options(Map.of("segmentSizeBytes", "64KiB")).build());
            for (int i = 0; i < 2000; i++) {
                db.put(key(i), key(i));
            }
            ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
            CountDownLatch started = new CountDownLatch(3);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                boolean writer = t == 2;
                threads.add(new Thread(() -> {
                    started.countDown();
                    try {
                        for (int i = 0; ; i = (i + 1) % 2000) {
                            if (writer) {
                                db.put(key(i), key(i));
                            } else {
                                byte[] v = db.get(key(i));
                                if (v == null || !java.util.Arrays.equals(v, key(i))) {
                                    throw new AssertionError("wrong value for key " + i);
                                }
                            }
                        }
                    } catch (EngineClosedException expected) {
                        // the only way out
                    } catch (Throwable e) {
                        unexpected.add(e);
                    }
                }));
            }
            threads.forEach(Thread::start);
            started.await();
            Thread.sleep(50);
            db.close();
            for (Thread t : threads) {
                t.join();
            }
            assertThat(unexpected).isEmpty();
            try (StorageEngine again = HashEngine.open(EngineConfig.of(dir))) {
                assertThat(again.get(key(1999))).isEqualTo(key(1999));
            }
        }
    }

    @Test
    void reopenUsesTheIndexCheckpointAndReplaysOnlyTheTail() throws Exception {
        Path dir = tmp.resolve("db");
        Map<String, String> opts = Map.of("segmentSizeBytes", "64KiB", "indexCheckpointIntervalBytes", "0", "compactionEnabled", "false");
        EngineConfig config = EngineConfig.builder(dir).options(opts).build();
        try (StorageEngine db = HashEngine.open(config)) {
            for (int i = 0; i < 5000; i++) {
                db.put(key(i), key(i));
            }
        }
        try (StorageEngine db = HashEngine.open(config)) {
            Map<String, Number> p = db.stats().properties();
            assertThat(p.get("hash.recovery.fromIndexCheckpoint")).isEqualTo(1);
            assertThat(p.get("hash.recovery.replayedRecords")).isEqualTo(0L);
            for (int i = 0; i < 5000; i += 7) {
                db.delete(key(i));
            }
        }
        Files.delete(dir.resolve(IndexCheckpointFile.FILE_NAME));
        try (StorageEngine db = HashEngine.open(config)) {
            Map<String, Number> p = db.stats().properties();
            assertThat(p.get("hash.recovery.fromIndexCheckpoint")).isEqualTo(0);
            assertThat(p.get("hash.recovery.replayedRecords").longValue()).isGreaterThan(5000);
            for (int i = 0; i < 5000; i++) {
                assertThat(db.get(key(i))).isEqualTo(i % 7 == 0 ? null : key(i));
            }
        }
    }
}
