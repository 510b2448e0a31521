package io.kvkit.engine.lsm;

import io.kvkit.engine.api.contract.RandomizedModelTest;

import java.util.Map;

class LsmRandomizedModelTest extends RandomizedModelTest {
    @Override
    protected String engineName() {
        return "lsm";
    }

    /** 2500 by default (each op may fsync a small file on this shared disk); -Dkvkit.contract.ops for more. */
    @Override
    protected int operations() {
        return Integer.getInteger("kvkit.contract.ops", 2500);
    }

    @Override
    protected Map<String, String> engineOptions() {
        // small enough that flushes, compactions and log rotation happen many times in a run,
        // large enough that the run is not just fsyncs of tiny files
        return Map.of("writeBufferSizeBytes", "256KiB", "maxGroupCommitBytes", "16KiB", "blockSizeBytes", "1KiB",
                "targetFileSizeBytes", "256KiB", "maxBytesForLevelBaseBytes", "1MiB", "level0CompactionTriggerFiles", "2",
                "level0SlowdownTriggerFiles", "6", "level0StopTriggerFiles", "10");
    }
}
