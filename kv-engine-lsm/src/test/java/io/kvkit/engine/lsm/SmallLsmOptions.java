package io.kvkit.engine.lsm;

import java.util.Map;

/** Tiny buffers and files, so that flush, compaction and log rotation run within small tests. */
final class SmallLsmOptions {
    static final Map<String, String> OPTIONS = Map.of(
            "writeBufferSizeBytes", "64KiB",
            "maxGroupCommitBytes", "16KiB",
            "blockSizeBytes", "512",
            "targetFileSizeBytes", "32KiB",
            "maxBytesForLevelBaseBytes", "128KiB",
            "level0CompactionTriggerFiles", "2",
            "level0SlowdownTriggerFiles", "6",
            "level0StopTriggerFiles", "10");

    private SmallLsmOptions() {
    }
}
