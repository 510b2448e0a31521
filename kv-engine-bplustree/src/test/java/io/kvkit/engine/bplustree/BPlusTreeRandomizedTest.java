package io.kvkit.engine.bplustree;

import io.kvkit.engine.api.contract.RandomizedModelTest;

import java.util.Map;

/** The engine contract kit's RandomizedModelTest, bound to "bplustree" with small pages so that splits, merges and overflow chains run. */
class BPlusTreeRandomizedTest extends RandomizedModelTest {
    @Override
    protected String engineName() {
        return "bplustree";
    }

    @Override
    protected Map<String, String> engineOptions() {
        return Map.of("pageSizeBytes", "1024", "mapChunkBytes", "1MiB", "checkpointEveryOps", "3000", "checkpointEveryBytes", "1MiB", "checkpointChunkOps", "500");
    }
}
