package io.kvkit.engine.bplustree;

import io.kvkit.engine.api.EngineCapabilities;
import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.OptionSpec;
import io.kvkit.engine.api.StorageEngine;
import io.kvkit.engine.api.StorageEngineProvider;

import java.util.List;

/** Registers the B+tree engine as "bplustree" for {@link java.util.ServiceLoader}. */
public final class BPlusTreeEngineProvider implements StorageEngineProvider {
    public static final String NAME = "bplustree";
    static final EngineCapabilities CAPABILITIES = new EngineCapabilities(true, true, true);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "copy-on-write B+tree in one mmap'd file: ordered reads and range scans, MVCC readers, group commit";
    }

    @Override
    public EngineCapabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public List<OptionSpec<?>> options() {
        return BPlusTreeOptions.SPECS;
    }

    @Override
    public StorageEngine open(EngineConfig config) {
        return BPlusTreeEngine.open(config);
    }
}
