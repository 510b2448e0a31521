package io.kvkit.engine.api.contract;

import io.kvkit.engine.api.Cursor;
import io.kvkit.engine.api.EngineCapabilities;
import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.EngineStats;
import io.kvkit.engine.api.KeyRange;
import io.kvkit.engine.api.ReadOptions;
import io.kvkit.engine.api.Snapshot;
import io.kvkit.engine.api.StorageEngine;
import io.kvkit.engine.api.WriteBatch;
import io.kvkit.engine.api.WriteOptions;
import io.kvkit.engine.api.model.ModelEngine;

import java.nio.file.Path;

/**
 * A deliberately broken engine, for the kit's own tests: it behaves like the model until it is
 * reopened, and then brings back every key that was deleted (the Bitcask tombstone bug of
 * PITFALLS #25). The contract kit must catch it.
 */
final class ForgetfulDeleteEngine implements StorageEngine {
    private final ModelEngine main;
    private final ModelEngine everPut; // every put, no delete: what it wrongly restores from

    private ForgetfulDeleteEngine(EngineConfig config) {
        this.main = ModelEngine.open(config.withDirectory(config.directory().resolve("main")));
        this.everPut = ModelEngine.open(config.withDirectory(config.directory().resolve("ever-put")));
        try (Cursor c = everPut.iterate()) {
            while (c.next()) {
                if (main.get(c.key()) == null) {
                    main.put(c.key(), c.value()); // the bug: a delete does not survive reopen
                }
            }
        }
    }

    static ForgetfulDeleteEngine open(EngineConfig config) {
        return new ForgetfulDeleteEngine(config);
    }

    @Override
    public String name() {
        return "forgetful";
    }

    @Override
    public EngineCapabilities capabilities() {
        return main.capabilities();
    }

    @Override
    public byte[] get(ReadOptions options, byte[] key) {
        return main.get(options, key);
    }

    @Override
    public void write(WriteOptions options, WriteBatch batch) {
        main.write(options, batch);
        WriteBatch puts = new WriteBatch();
        for (int i = 0; i < batch.size(); i++) {
            if (!batch.isDeleteAt(i)) {
                puts.put(batch.keyAt(i), batch.valueAt(i));
            }
        }
        everPut.write(options, puts);
    }

    @Override
    public Cursor scan(ReadOptions options, KeyRange range) {
        return main.scan(options, range);
    }

    @Override
    public Cursor scanReverse(ReadOptions options, KeyRange range) {
        return main.scanReverse(options, range);
    }

    @Override
    public Cursor iterate(ReadOptions options) {
        return main.iterate(options);
    }

    @Override
    public Snapshot snapshot() {
        return main.snapshot();
    }

    @Override
    public void checkpoint(Path dir) {
        main.checkpoint(dir.resolve("main"));
        everPut.checkpoint(dir.resolve("ever-put"));
    }

    @Override
    public void sync() {
        main.sync();
        everPut.sync();
    }

    @Override
    public EngineStats stats() {
        return main.stats();
    }

    @Override
    public void close() {
        main.close();
        everPut.close();
    }
}
