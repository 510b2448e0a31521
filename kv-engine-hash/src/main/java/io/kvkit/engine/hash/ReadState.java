package io.kvkit.engine.hash;

/**
 * What every lock-free read looks at, alone on its cache lines so that writes to the engine's
 * other fields do not invalidate it: the current index table and the batch version (odd while
 * a multi-key batch is being applied to the index, so that readers never see part of a batch).
 */
final class ReadState extends ReadStateFields {
    @SuppressWarnings("unused")
    private long q01, q02, q03, q04, q05, q06, q07, q08;

    /** Marks the start of a multi-key batch (writer only, under the write lock). */
    void beginBatch() {
        batchVersion = batchVersion + 1;
    }

    void endBatch() {
        batchVersion = batchVersion + 1;
    }

    /** Whether nothing a reader relied on changed since it read {@code version} and {@code table}. */
    boolean unchanged(long version, HashIndex table) {
        return batchVersion == version && index == table;
    }
}

abstract class ReadStatePad {
    @SuppressWarnings("unused")
    private long p01, p02, p03, p04, p05, p06, p07, p08;
}

abstract class ReadStateFields extends ReadStatePad {
    volatile HashIndex index;
    volatile long batchVersion;
}
