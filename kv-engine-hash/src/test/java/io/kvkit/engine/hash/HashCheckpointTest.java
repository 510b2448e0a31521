package io.kvkit.engine.hash;

import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.WriteOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code checkpoint(dir)}: a store of its own, holding the data and not the live store's preallocation. */
class HashCheckpointTest {
    @TempDir
    Path tmp;

    private static long directoryBytes(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    @Test
    void aCheckpointHoldsItsDataNotTheLiveSegmentSize() throws Exception {
        // the default 128 MiB segment: before this test's fix, a checkpoint of 1,000 small records was 128 MiB
        EngineConfig config = EngineConfig.builder(tmp.resolve("live")).build();
        Path copy = tmp.resolve("copy");
        try (HashEngine db = HashEngine.open(config)) {
            for (int i = 0; i < 1_000; i++) {
                db.put(("key" + i).getBytes(UTF_8), ("value" + i).getBytes(UTF_8));
            }
            db.delete("key7".getBytes(UTF_8));
            db.checkpoint(copy);
        }
        long bytes = directoryBytes(copy);
        assertThat(bytes).as("checkpoint size in bytes").isLessThan(1L << 20);
        try (HashEngine opened = HashEngine.open(config.withDirectory(copy))) {
            for (int i = 0; i < 1_000; i++) {
                assertThat(opened.get(("key" + i).getBytes(UTF_8))).as("key%d", i)
                        .isEqualTo(i == 7 ? null : ("value" + i).getBytes(UTF_8));
            }
            // the trimmed store takes writes: its tail segment rolls into a new one
            for (int i = 0; i < 2_000; i++) {
                opened.put(WriteOptions.DEFAULT, ("more" + i).getBytes(UTF_8), new byte[100]);
            }
            opened.put(WriteOptions.SYNC, "last".getBytes(UTF_8), "1".getBytes(UTF_8));
        }
        try (HashEngine reopened = HashEngine.open(config.withDirectory(copy))) {
            assertThat(reopened.get("more1999".getBytes(UTF_8))).hasSize(100);
            assertThat(reopened.get("last".getBytes(UTF_8))).isEqualTo("1".getBytes(UTF_8));
            assertThat(reopened.get("key999".getBytes(UTF_8))).isEqualTo("value999".getBytes(UTF_8));
        }
    }

    @Test
    void aCheckpointOfManySegmentsReopensWhole() throws Exception {
        EngineConfig config = EngineConfig.builder(tmp.resolve("live2")).option("segmentSizeBytes", "64KiB").build();
        Path copy = tmp.resolve("copy2");
        byte[] value = new byte[500];
        try (HashEngine db = HashEngine.open(config)) {
            for (int i = 0; i < 3_000; i++) {
                value[0] = (byte) i;
                db.put(("k" + i).getBytes(UTF_8), value);
            }
            db.checkpoint(copy);
        }
        try (HashEngine opened = HashEngine.open(config.withDirectory(copy))) {
            for (int i = 0; i < 3_000; i++) {
                assertThat(opened.get(("k" + i).getBytes(UTF_8))[0]).isEqualTo((byte) i);
            }
        }
        assertThat(directoryBytes(copy)).isLessThan(3_000L * 600 + (1 << 20));
    }
}
