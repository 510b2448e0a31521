package io.kvkit.engine.api.model;

import io.kvkit.engine.api.contract.CrashContractTest;

class ModelEngineCrashTest extends CrashContractTest {
    @Override
    protected String engineName() {
        return "model";
    }
}
