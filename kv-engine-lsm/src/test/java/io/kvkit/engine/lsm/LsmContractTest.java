package io.kvkit.engine.lsm;

import io.kvkit.engine.api.contract.StorageEngineContractTest;

import java.util.Map;

class LsmContractTest extends StorageEngineContractTest {
    @Override
    protected String engineName() {
        return "lsm";
    }

    @Override
    protected Map<String, String> engineOptions() {
        return SmallLsmOptions.OPTIONS;
    }
}
