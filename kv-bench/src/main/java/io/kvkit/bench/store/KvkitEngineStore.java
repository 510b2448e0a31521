package io.kvkit.bench.store;

import io.kvkit.engine.api.Cursor;
import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.KeyRange;
import io.kvkit.engine.api.OptionSpec;
import io.kvkit.engine.api.StorageEngine;
import io.kvkit.engine.api.StorageEngineProvider;
import io.kvkit.engine.api.WriteOptions;

import java.util.LinkedHashMap;
import java.util.Map;

/** Any kvkit {@link StorageEngine}, found by name through ServiceLoader, with its default options. */
public final class KvkitEngineStore implements BenchStore {
    private final StorageEngine engine;

    private KvkitEngineStore(StorageEngineProvider provider, StoreOptions o) {
        engine = provider.open(EngineConfig.of(o.directory()));
    }

    public static StoreKind kind(StorageEngineProvider provider) {
        return new StoreKind() {
            @Override
            public String name() {
                return provider.name();
            }

            @Override
            public String family() {
                return "kvkit";
            }

            @Override
            public String version() {
                Package p = provider.getClass().getPackage();
                String v = p == null ? null : p.getImplementationVersion();
                return "kvkit " + provider.name() + (v == null ? " (working tree)" : " " + v);
            }

            @Override
            public boolean durable() {
                return true;
            }

            @Override
            public String durability() {
                return provider.capabilities().unsyncedWritesSurviveProcessCrash()
                        ? "sync=false survives kill -9 once the call returns; sync=true survives power loss"
                        : "sync=false is buffered in the process (lost on kill -9); sync=true survives power loss";
            }

            @Override
            public boolean orderedScan() {
                return provider.capabilities().orderedScan();
            }

            @Override
            public boolean syncWrites() {
                return true;
            }

            @Override
            public Map<String, String> settings(int keyBytes, int valueBytes, long expectedKeys) {
                Map<String, String> s = new LinkedHashMap<>();
                s.put("description", provider.description());
                s.put("options", "engine defaults");
                for (OptionSpec<?> spec : provider.options()) {
                    s.put(spec.key(), String.valueOf(spec.defaultValue()));
                }
                s.put("writes", "one put per op (WriteOptions sync=false; fillsync: sync=true)");
                return s;
            }

            @Override
            public BenchStore open(StoreOptions options) {
                return new KvkitEngineStore(provider, options);
            }
        };
    }

    @Override
    public void put(byte[] key, byte[] value, boolean sync) {
        engine.put(sync ? WriteOptions.SYNC : WriteOptions.DEFAULT, key, value);
    }

    @Override
    public byte[] get(byte[] key) {
        return engine.get(key);
    }

    @Override
    public void delete(byte[] key) {
        engine.delete(key);
    }

    @Override
    public int seekAndRead(byte[] key, int entries) {
        int read = 0;
        try (Cursor c = engine.scan(KeyRange.from(key))) {
            while (read < entries && c.next()) {
                c.key();
                c.value();
                read++;
            }
        }
        return read;
    }

    @Override
    public void finishWrites() {
        // engines apply every put before returning
    }

    @Override
    public void sync() {
        engine.sync();
    }

    @Override
    public void close() {
        engine.close();
    }
}
