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
import java.util.ArrayList;
import java.util.List;

/**
 * A deliberately broken engine, for the kit's own tests: it claims that unsynced writes survive
 * {@code kill -9} but keeps them in process memory until 100,000 have piled up or the engine is
 * synced or closed. Reads of buffered writes are not served either (it is only ever used by the
 * crash test).
 * The crash test must catch it.
 */
final class BufferingEngine implements StorageEngine {
    private final ModelEngine store;
    private final List<WriteBatch> buffered = new ArrayList<>();

    private BufferingEngine(EngineConfig config) {
        this.store = ModelEngine.open(config);
    }

    static BufferingEngine open(EngineConfig config) {
        return new BufferingEngine(config);
    }

    @Override
    public String name() {
        return "buffering";
    }

    @Override
    public EngineCapabilities capabilities() {
        return new EngineCapabilities(true, false, true); // the lie under test
    }

    @Override
    public byte[] get(ReadOptions options, byte[] key) {
        return store.get(options, key);
    }

    @Override
    public synchronized void write(WriteOptions options, WriteBatch batch) {
        if (options.sync()) {
            store.write(options, batch);
            return;
        }
        buffered.add(batch);
        if (buffered.size() >= 100_000) {
            drain(options);
        }
    }

    private void drain(WriteOptions options) {
        for (WriteBatch b : buffered) {
            store.write(options, b);
        }
        buffered.clear();
    }

    @Override
    public Cursor scan(ReadOptions options, KeyRange range) {
        return store.scan(options, range);
    }

    @Override
    public Cursor iterate(ReadOptions options) {
        return store.iterate(options);
    }

    @Override
    public Snapshot snapshot() {
        return store.snapshot();
    }

    @Override
    public void checkpoint(Path dir) {
        store.checkpoint(dir);
    }

    @Override
    public synchronized void sync() {
        drain(WriteOptions.SYNC);
    }

    @Override
    public EngineStats stats() {
        return store.stats();
    }

    @Override
    public synchronized void close() {
        drain(WriteOptions.DEFAULT);
        store.close();
    }
}
