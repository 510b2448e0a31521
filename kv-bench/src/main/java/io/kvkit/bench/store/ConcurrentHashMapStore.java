package io.kvkit.bench.store;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link ConcurrentHashMap} on the heap, presized: the in-memory upper bound for point
 * operations. NOT durable: nothing reaches a file, so it never appears as a durable result.
 * Keys and values are copied on put (the caller reuses its arrays); gets return the stored
 * array, as a map user would.
 */
public final class ConcurrentHashMapStore implements BenchStore {
    public static final String NAME = "chm";

    private final ConcurrentHashMap<BytesKey, byte[]> map;

    private ConcurrentHashMapStore(StoreOptions o) {
        map = new ConcurrentHashMap<>((int) Math.min(Integer.MAX_VALUE - 8, o.expectedKeys()));
    }

    public static StoreKind kind() {
        return new StoreKind() {
            @Override
            public String name() {
                return NAME;
            }

            @Override
            public String family() {
                return "bound";
            }

            @Override
            public String version() {
                return "java.util.concurrent.ConcurrentHashMap (JDK " + Runtime.version().feature() + ")";
            }

            @Override
            public boolean durable() {
                return false;
            }

            @Override
            public String durability() {
                return "NOT DURABLE: heap only, lost when the process ends; no fillsync";
            }

            @Override
            public boolean orderedScan() {
                return false;
            }

            @Override
            public boolean syncWrites() {
                return false;
            }

            @Override
            public Map<String, String> settings(int keyBytes, int valueBytes, long expectedKeys) {
                Map<String, String> s = new LinkedHashMap<>();
                s.put("initial_capacity", String.valueOf(expectedKeys));
                s.put("keys", "byte[] wrapped with content equality; key and value copied on put");
                s.put("durable", "no (upper bound only)");
                return s;
            }

            @Override
            public BenchStore open(StoreOptions options) {
                return new ConcurrentHashMapStore(options);
            }
        };
    }

    @Override
    public void put(byte[] key, byte[] value, boolean sync) {
        if (sync) {
            throw new UnsupportedOperationException("a ConcurrentHashMap cannot sync: it is not durable");
        }
        map.put(new BytesKey(key.clone()), value.clone());
    }

    @Override
    public byte[] get(byte[] key) {
        return map.get(new BytesKey(key));
    }

    @Override
    public void delete(byte[] key) {
        map.remove(new BytesKey(key));
    }

    @Override
    public int seekAndRead(byte[] key, int entries) {
        throw new UnsupportedOperationException("a ConcurrentHashMap keeps no key order to seek in");
    }

    @Override
    public void finishWrites() {
        // nothing buffered
    }

    @Override
    public void sync() {
        // nothing to sync: not durable
    }

    @Override
    public void close() {
        map.clear();
    }
}
