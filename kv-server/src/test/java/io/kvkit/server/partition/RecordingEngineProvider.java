package io.kvkit.server.partition;

import io.kvkit.engine.api.Cursor;
import io.kvkit.engine.api.EngineCapabilities;
import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.EngineStats;
import io.kvkit.engine.api.KeyRange;
import io.kvkit.engine.api.OptionSpec;
import io.kvkit.engine.api.ReadOptions;
import io.kvkit.engine.api.Snapshot;
import io.kvkit.engine.api.StorageEngine;
import io.kvkit.engine.api.StorageEngineProvider;
import io.kvkit.engine.api.StorageEngines;
import io.kvkit.engine.api.WriteBatch;
import io.kvkit.engine.api.WriteOptions;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Test engine "recording": the lsm engine, with every write and sync logged as
 * {@code "write <dir> sync=<b>"} / {@code "sync <dir>"}, to check the order the replica imposes
 * across its engines.
 */
public final class RecordingEngineProvider implements StorageEngineProvider {
    static final List<String> EVENTS = new ArrayList<>();

    @Override
    public String name() {
        return "recording";
    }

    @Override
    public String description() {
        return "lsm with writes and syncs logged (tests only)";
    }

    @Override
    public EngineCapabilities capabilities() {
        return StorageEngines.provider("lsm").capabilities();
    }

    @Override
    public List<OptionSpec<?>> options() {
        return StorageEngines.provider("lsm").options();
    }

    @Override
    public StorageEngine open(EngineConfig config) {
        StorageEngine lsm = StorageEngines.open("lsm", config);
        String dir = config.directory().getFileName().toString();
        return new StorageEngine() {
            @Override public String name() { return "recording"; }
            @Override public EngineCapabilities capabilities() { return lsm.capabilities(); }
            @Override public byte[] get(ReadOptions o, byte[] key) { return lsm.get(o, key); }
            @Override public void write(WriteOptions o, WriteBatch batch) {
                lsm.write(o, batch);
                synchronized (EVENTS) {
                    EVENTS.add("write " + dir + " sync=" + o.sync());
                }
            }
            @Override public Cursor scan(ReadOptions o, KeyRange range) { return lsm.scan(o, range); }
            @Override public Cursor scanReverse(ReadOptions o, KeyRange range) { return lsm.scanReverse(o, range); }
            @Override public Cursor iterate(ReadOptions o) { return lsm.iterate(o); }
            @Override public Snapshot snapshot() { return lsm.snapshot(); }
            @Override public void checkpoint(Path d) { lsm.checkpoint(d); }
            @Override public void sync() {
                lsm.sync();
                synchronized (EVENTS) {
                    EVENTS.add("sync " + dir);
                }
            }
            @Override public EngineStats stats() { return lsm.stats(); }
            @Override public void close() { lsm.close(); }
        };
    }
}
