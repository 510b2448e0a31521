package io.kvkit.engine.lsm;

import io.kvkit.engine.api.contract.CrashContractTest;

import java.util.Map;

/** kill -9 of a writing child JVM; {@code -Dkvkit.crash.iterations=100} for the soak. */
class LsmCrashContractTest extends CrashContractTest {
    @Override
    protected String engineName() {
        return "lsm";
    }

    @Override
    protected Map<String, String> engineOptions() {
        return Map.of("writeBufferSizeBytes", "256KiB", "targetFileSizeBytes", "128KiB", "maxBytesForLevelBaseBytes", "512KiB",
                "level0CompactionTriggerFiles", "2");
    }
}
