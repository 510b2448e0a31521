package io.kvkit.engine.hash;

import io.kvkit.engine.api.contract.RandomizedModelTest;

import java.util.Map;

/** Seeded differential test against the model engine, with reopen, on small segments. */
class HashRandomizedModelTest extends RandomizedModelTest {
    @Override
    protected String engineName() {
        return "hash";
    }

    @Override
    protected Map<String, String> engineOptions() {
        return SmallHashOptions.OPTIONS;
    }

    /**
     * Fewer operations than the kit's default: for an engine without ordered scans every "scan"
     * step compares the whole store, which dominates the run time. The soak sets more.
     */
    @Override
    protected int operations() {
        return Integer.getInteger("kvkit.contract.ops", 1500);
    }
}
