package io.kvkit.engine.hash;

import java.util.Map;

/** Options that make segment rolls, compaction, index rebuilds and index checkpoints happen in small tests. */
final class SmallHashOptions {
    static final Map<String, String> OPTIONS = Map.of(
            "segmentSizeBytes", "64KiB",
            "expectedKeys", "16",
            "compactionDeadFraction", "0.3",
            "indexCheckpointIntervalBytes", "256KiB",
            "maintenanceIntervalMillis", "5");

    private SmallHashOptions() {
    }
}
