package io.kvkit.engine.lsm;

import io.kvkit.engine.api.contract.RandomizedModelTest;

import java.util.Map;

class LsmRandomizedModelTest extends RandomizedModelTest {
    @Override
    protected String engineName() {
        return "lsm";
    }

    @Override
    protected Map<String, String> engineOptions() {
        return SmallLsmOptions.OPTIONS;
    }
}
