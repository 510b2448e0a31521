package io.kvkit.bench.store;

import net.openhft.chronicle.map.ChronicleMap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Chronicle Map, the off-heap hash-table peer, persisted to a memory-mapped file and sized up
 * front for the number of keys (as its users must). It keeps no key order, and has no call that
 * forces one write to disk: writes land in the shared mapping and reach the file when the OS
 * writes the pages back (they survive kill -9, not power loss). Its JVM needs the
 * {@code --add-opens}/{@code --add-exports} flags of {@link io.kvkit.bench.ChildJvm} and runs
 * with {@code -Dchronicle.analytics.disable=true}.
 */
public final class ChronicleMapStore implements BenchStore {
    public static final String NAME = "chronicle";
    /** Head room over the expected key count: Chronicle Map cannot grow past what it was sized for by much. */
    static final double ENTRIES_HEADROOM = 1.1;

    private final ChronicleMap<byte[], byte[]> map;

    private ChronicleMapStore(StoreOptions o) {
        Path file = o.directory().resolve("bench.cm3");
        try {
            map = ChronicleMap.of(byte[].class, byte[].class)
                    .name("kvkit-bench")
                    .entries(entries(o.expectedKeys()))
                    .constantKeySizeBySample(new byte[o.keyBytes()])
                    .averageValueSize(Math.max(1, o.valueBytes()))
                    .createPersistedTo(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create Chronicle Map at " + file, e);
        }
    }

    static long entries(long expectedKeys) {
        return Math.max(1000, (long) (expectedKeys * ENTRIES_HEADROOM));
    }

    public static StoreKind kind() {
        return new StoreKind() {
            @Override
            public String name() {
                return NAME;
            }

            @Override
            public String family() {
                return "peer";
            }

            @Override
            public String version() {
                return ArtifactVersion.of("net.openhft", "chronicle-map");
            }

            @Override
            public boolean durable() {
                return true;
            }

            @Override
            public String durability() {
                return "writes go to a shared memory-mapped file (survive kill -9); no per-write sync exists, so no fillsync";
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
                s.put("persistence", "createPersistedTo(file)");
                s.put("entries", entries(expectedKeys) + " (expected keys x " + ENTRIES_HEADROOM + ")");
                s.put("key_size", "constant " + keyBytes + " bytes");
                s.put("value_size", "average " + valueBytes + " bytes");
                s.put("types", "byte[] keys and values");
                s.put("jvm", "chronicle.analytics.disable=true, --add-opens/--add-exports for JDK 25");
                return s;
            }

            @Override
            public BenchStore open(StoreOptions options) {
                return new ChronicleMapStore(options);
            }
        };
    }

    @Override
    public void put(byte[] key, byte[] value, boolean sync) {
        if (sync) {
            throw new UnsupportedOperationException("Chronicle Map has no synced write");
        }
        map.put(key, value);
    }

    @Override
    public byte[] get(byte[] key) {
        return map.get(key);
    }

    @Override
    public void delete(byte[] key) {
        map.remove(key);
    }

    @Override
    public int seekAndRead(byte[] key, int entries) {
        throw new UnsupportedOperationException("Chronicle Map is a hash table: it keeps no key order to seek in");
    }

    @Override
    public void finishWrites() {
        // every put is already in the shared mapping
    }

    @Override
    public void sync() {
        // no API: the OS writes the mapping back
    }

    @Override
    public void close() {
        map.close();
    }
}
