package io.kvkit.server.partition;

import java.nio.file.Path;
import java.util.Map;

/** Engine options that keep test replicas small: the hash engine's 128 MiB segments would make every snapshot 128 MiB per table. */
final class TestEngines {
    private TestEngines() {
    }

    static Map<String, String> engineOptions(String engine) {
        return engine.equals("hash") ? Map.of("segmentSizeBytes", "1MiB", "expectedKeys", "1024") : Map.of();
    }

    static PartitionOptions options(Path dir, String engine) {
        return PartitionOptions.of(dir, engine, engineOptions(engine));
    }
}
