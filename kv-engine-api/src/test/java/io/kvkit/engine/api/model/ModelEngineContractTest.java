package io.kvkit.engine.api.model;

import io.kvkit.engine.api.contract.StorageEngineContractTest;

class ModelEngineContractTest extends StorageEngineContractTest {
    @Override
    protected String engineName() {
        return "model";
    }
}
