package io.kvkit.engine.hash;

import io.kvkit.engine.api.EngineCapabilities;
import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.OptionSpec;
import io.kvkit.engine.api.StorageEngine;
import io.kvkit.engine.api.StorageEngineProvider;

import java.util.List;

/** Registers {@link HashEngine} as "hash". */
public final class HashEngineProvider implements StorageEngineProvider {
    public static final String NAME = "hash";
    /** No key order; unsynced writes are in the page cache (mmap) when the call returns. */
    static final EngineCapabilities CAPABILITIES = new EngineCapabilities(false, false, true);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "log-structured hash store: mmap'd append-only segments, off-heap hash index; point lookups at memory speed, no ordered scans";
    }

    @Override
    public EngineCapabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public List<OptionSpec<?>> options() {
        return HashEngineOptions.ALL;
    }

    @Override
    public StorageEngine open(EngineConfig config) {
        return HashEngine.open(config);
    }
}
