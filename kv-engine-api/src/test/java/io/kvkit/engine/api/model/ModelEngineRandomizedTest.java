package io.kvkit.engine.api.model;

import io.kvkit.engine.api.contract.RandomizedModelTest;

class ModelEngineRandomizedTest extends RandomizedModelTest {
    @Override
    protected String engineName() {
        return "model";
    }
}
