package io.kvkit.engine.hash;

import io.kvkit.engine.api.contract.CrashContractTest;

import java.util.Map;

/** kill -9 of a writing child JVM; {@code -Dkvkit.crash.iterations=100} for the soak. */
class HashCrashContractTest extends CrashContractTest {
    @Override
    protected String engineName() {
        return "hash";
    }

    @Override
    protected Map<String, String> engineOptions() {
        return Map.of("segmentSizeBytes", "256KiB", "compactionDeadFraction", "0.3", "indexCheckpointIntervalBytes", "512KiB",
                "maintenanceIntervalMillis", "5");
    }
}
