package io.kvkit.engine.hash;

import io.kvkit.engine.api.CorruptionException;
import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.StorageEngine;
import io.kvkit.engine.api.WriteBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * Damaged files give clear errors or a clean cut of a torn tail, never wrong data
 * (PITFALLS #22, #23). Every randomized case prints its seed.
 */
class HashCorruptionTest {
    @TempDir
    Path tmp;

    private static final Map<String, String> NO_BACKGROUND = Map.of("segmentSizeBytes", "64KiB", "compactionEnabled", "false",
            "indexCheckpointIntervalBytes", "0");

    private static HashEngine open(Path dir) {
        return HashEngine.open(EngineConfig.builder(dir).options(NO_BACKGROUND).build());
    }

    /** Writes 300 keys in batches of 3; returns key -> value. */
    private static Map<String, String> fill(Path dir) {
        Map<String, String> expected = new LinkedHashMap<>();
        try (StorageEngine db = open(dir)) {
            for (int i = 0; i < 300; i += 3) {
                WriteBatch b = new WriteBatch();
                for (int j = i; j < i + 3; j++) {
                    String k = "key-" + j;
                    String v = "value-" + j + "-" + "x".repeat(j % 50);
                    b.put(k.getBytes(UTF_8), v.getBytes(UTF_8));
                    expected.put(k, v);
                }
                db.write(b);
            }
        }
        return expected;
    }

    private static List<Path> segmentFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".seg")).sorted().toList();
        }
    }

    private static long dataEnd(Path seg) throws IOException {
        byte[] b = Files.readAllBytes(seg);
        int last = b.length - 1;
        while (last >= 0 && b[last] == 0) {
            last--;
        }
        return last + 1;
    }

    private static void flip(Path file, long offset, int bit) throws IOException {
        byte[] b = Files.readAllBytes(file);
        b[(int) offset] ^= (byte) (1 << bit);
        Files.write(file, b);
    }

    @Test
    void flippedValueByteIsAnErrorOnReadNamingFileAndOffsetWhenTheIndexCheckpointIsUsed() throws IOException {
        Path dir = tmp.resolve("db");
        Map<String, String> expected = fill(dir);
        Path first = segmentFiles(dir).get(0);
        // The first record starts right after the 40-byte header: 21-byte record header, key "key-0", value.
        flip(first, 40 + 21 + 5 + 2, 3);
        try (StorageEngine db = open(dir)) {
            assertThat(db.stats().properties().get("hash.recovery.fromIndexCheckpoint")).isEqualTo(1);
            assertThatThrownBy(() -> db.get("key-0".getBytes(UTF_8))).isInstanceOf(CorruptionException.class)
                    .hasMessageContaining(first.getFileName().toString()).hasMessageContaining("offset 40");
            assertThat(new String(db.get("key-1".getBytes(UTF_8)), UTF_8)).isEqualTo(expected.get("key-1"));
        }
    }

    @Test
    void flippedByteMidLogIsAnErrorOnRebuildNeverATruncation() throws IOException {
        Path dir = tmp.resolve("db");
        fill(dir);
        Files.delete(dir.resolve(IndexCheckpointFile.FILE_NAME));
        Path first = segmentFiles(dir).get(0);
        flip(first, 40 + 21 + 5 + 2, 0);
        assertThatThrownBy(() -> open(dir)).isInstanceOf(CorruptionException.class)
                .hasMessageContaining(first.getFileName().toString()).hasMessageContaining("at offset 40");
    }

    @Test
    void damagedSegmentHeaderIsAnError() throws IOException {
        Path dir = tmp.resolve("db");
        fill(dir);
        Path first = segmentFiles(dir).get(0);
        flip(first, 17, 1);
        assertThatThrownBy(() -> open(dir)).isInstanceOf(CorruptionException.class).hasMessageContaining("header");
    }

    @Test
    void damagedIndexCheckpointFallsBackToARebuildFromTheLog() throws IOException {
        Path dir = tmp.resolve("db");
        Map<String, String> expected = fill(dir);
        Path hint = dir.resolve(IndexCheckpointFile.FILE_NAME);
        flip(hint, Files.size(hint) / 2, 5);
        try (StorageEngine db = open(dir)) {
            assertThat(db.stats().properties().get("hash.recovery.fromIndexCheckpoint")).isEqualTo(0);
            expected.forEach((k, v) -> assertThat(new String(db.get(k.getBytes(UTF_8)), UTF_8)).isEqualTo(v));
        }
    }

    /** Cutting the newest segment anywhere in its data yields a prefix of whole batches, reported as a torn tail. */
    @Test
    void tornTailAtAnyOffsetRecoversAPrefixOfWholeBatches() throws IOException {
        Path dir = tmp.resolve("db");
        Map<String, String> expected = fill(dir);
        Files.delete(dir.resolve(IndexCheckpointFile.FILE_NAME));
        List<Path> segs = segmentFiles(dir);
        Path last = segs.get(segs.size() - 1);
        byte[] original = Files.readAllBytes(last);
        long end = dataEnd(last);
        List<String> keys = List.copyOf(expected.keySet());
        for (long cut = Math.max(40, end - 700); cut < end; cut += 7) {
            byte[] b = original.clone();
            Arrays.fill(b, (int) cut, b.length, (byte) 0); // what a crash leaves: the rest never written
            Files.write(last, b);
            try (StorageEngine db = open(dir)) {
                boolean missingSeen = false;
                for (int i = 0; i < keys.size(); i++) {
                    byte[] v = db.get(keys.get(i).getBytes(UTF_8));
                    if (v == null) {
                        missingSeen = true;
                        assertThat(i % 3 == 0 || db.get(keys.get(i - i % 3).getBytes(UTF_8)) == null)
                                .as("a batch is whole or absent (cut at %d, key %s)", cut, keys.get(i)).isTrue();
                    } else {
                        assertThat(missingSeen).as("a prefix: %s present after a missing key (cut at %d)", keys.get(i), cut).isFalse();
                        assertThat(new String(v, UTF_8)).isEqualTo(expected.get(keys.get(i)));
                    }
                }
            }
            Files.write(last, original); // the next cut starts from the whole log again
            Files.deleteIfExists(dir.resolve(IndexCheckpointFile.FILE_NAME));
        }
    }

    /** Random bit flips in the log: the store refuses to open, or every read is right, absent (cut tail) or an error. */
    @Test
    void randomBitFlipsNeverReturnWrongData() throws IOException {
        long seed = Long.getLong("kvkit.seed", System.nanoTime());
        System.out.println("HashCorruptionTest.randomBitFlipsNeverReturnWrongData seed=" + seed + " (replay with -Dkvkit.seed=" + seed + ")");
        Random rnd = new Random(seed);
        Path dir = tmp.resolve("db");
        Map<String, String> expected = fill(dir);
        List<Path> segs = segmentFiles(dir);
        Map<Path, byte[]> originals = new HashMap<>();
        for (Path p : segs) {
            originals.put(p, Files.readAllBytes(p));
        }
        Path hintFile = dir.resolve(IndexCheckpointFile.FILE_NAME);
        byte[] hint = Files.readAllBytes(hintFile);
        for (int trial = 0; trial < Integer.getInteger("kvkit.hash.bitflips", 40); trial++) {
            Path victim = segs.get(rnd.nextInt(segs.size()));
            long end = dataEnd(victim);
            long offset = rnd.nextInt((int) end);
            boolean withHint = rnd.nextBoolean();
            flip(victim, offset, rnd.nextInt(8));
            if (withHint) {
                Files.write(hintFile, hint);
            } else {
                Files.deleteIfExists(hintFile);
            }
            String where = "seed " + seed + " trial " + trial + ": bit flipped in " + victim.getFileName() + " at " + offset
                    + (withHint ? " (with index checkpoint)" : " (rebuild)");
            try (StorageEngine db = open(dir)) {
                for (Map.Entry<String, String> e : expected.entrySet()) {
                    try {
                        byte[] v = db.get(e.getKey().getBytes(UTF_8));
                        if (v != null && !new String(v, UTF_8).equals(e.getValue())) {
                            fail(where + ": wrong value for " + e.getKey());
                        }
                    } catch (CorruptionException expectedError) {
                        // a clear error is fine
                    }
                }
            } catch (CorruptionException refused) {
                assertThat(refused.file()).isNotNull();
            }
            for (Path p : segs) {
                Files.write(p, originals.get(p));
            }
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    if (p.toString().endsWith(".seg") && !originals.containsKey(p)) {
                        Files.delete(p); // a segment an open created; the next trial starts from the original files
                    }
                }
            }
        }
    }
}
