package io.kvkit.engine.lsm;

import io.kvkit.engine.api.EngineCapabilities;
import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.OptionSpec;
import io.kvkit.engine.api.StorageEngine;
import io.kvkit.engine.api.StorageEngineProvider;

import java.util.List;

/** Registers {@link LsmEngine} as "lsm". */
public final class LsmEngineProvider implements StorageEngineProvider {
    public static final String NAME = "lsm";
    static final EngineCapabilities CAPABILITIES = new EngineCapabilities(true, false, true);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "LSM-tree: group-committed WAL, off-heap memtable, mmap'd SSTables, leveled compaction; for write-heavy work";
    }

    @Override
    public EngineCapabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public List<OptionSpec<?>> options() {
        return LsmOptions.SPECS;
    }

    @Override
    public StorageEngine open(EngineConfig config) {
        return LsmEngine.open(config);
    }
}
