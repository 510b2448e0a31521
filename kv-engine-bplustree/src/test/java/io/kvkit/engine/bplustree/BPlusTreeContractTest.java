package io.kvkit.engine.bplustree;

import io.kvkit.engine.api.contract.StorageEngineContractTest;

import java.util.Map;

/** The engine contract kit's StorageEngineContractTest, bound to "bplustree" with small pages so that splits, merges and overflow chains run. */
class BPlusTreeContractTest extends StorageEngineContractTest {
    @Override
    protected String engineName() {
        return "bplustree";
    }

    @Override
    protected Map<String, String> engineOptions() {
        return Map.of("pageSizeBytes", "1024", "mapChunkBytes", "1MiB", "checkpointEveryOps", "200", "checkpointEveryBytes", "1MiB", "checkpointChunkOps", "64");
    }
}
