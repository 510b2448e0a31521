package io.kvkit.engine.hash;

import io.kvkit.engine.api.contract.StorageEngineContractTest;

import java.util.Map;

/** The engine contract kit, with small segments so that rolls, compaction and index rebuilds run. */
class HashContractTest extends StorageEngineContractTest {
    @Override
    protected String engineName() {
        return "hash";
    }

    @Override
    protected Map<String, String> engineOptions() {
        return SmallHashOptions.OPTIONS;
    }
}
