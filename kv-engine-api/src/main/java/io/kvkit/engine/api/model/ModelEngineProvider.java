package io.kvkit.engine.api.model;

import io.kvkit.engine.api.EngineCapabilities;
import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.OptionSpec;
import io.kvkit.engine.api.OptionValues;
import io.kvkit.engine.api.StorageEngine;
import io.kvkit.engine.api.StorageEngineProvider;

import java.util.List;
import java.util.function.Consumer;

/** Registers {@link ModelEngine} as "model". */
public final class ModelEngineProvider implements StorageEngineProvider {
    public static final String NAME = "model";
    static final EngineCapabilities CAPABILITIES = new EngineCapabilities(true, true, true);
    /** The model has no options of its own; this rejects any that are given, listing none allowed. */
    static final Consumer<EngineConfig> OPTIONS_CHECK = c -> OptionValues.parse(NAME, List.of(), c.engineOptions());

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "reference engine: heap-resident MVCC skip list over an append-only log; for differential tests";
    }

    @Override
    public EngineCapabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public List<OptionSpec<?>> options() {
        return List.of();
    }

    @Override
    public StorageEngine open(EngineConfig config) {
        return ModelEngine.open(config);
    }
}
