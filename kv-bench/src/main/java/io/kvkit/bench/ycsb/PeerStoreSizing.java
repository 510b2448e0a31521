package io.kvkit.bench.ycsb;

import java.nio.file.Path;
import java.util.Properties;

/**
 * What a peer binding reads from YCSB's properties: its directory ({@code kvkit.path}, the same
 * key the kvkit binding uses, so the runner treats every store alike) and the expected data
 * size (for LMDB's map).
 *
 * @param directory     the store's directory
 * @param expectedBytes raw bytes the store may hold: records (loaded and inserted) times record size
 */
record PeerStoreSizing(Path directory, long expectedBytes) {
    static final String PATH = "kvkit.path";

    static PeerStoreSizing from(Properties p) {
        String dir = p.getProperty(PATH);
        if (dir == null || dir.isBlank()) {
            throw new IllegalArgumentException(PATH + " is not set; give the store's directory, e.g. -p " + PATH + "=/tmp/ycsb-rocksdb");
        }
        long records = parseLong(p, "recordcount", 1000) + parseLong(p, "operationcount", 1000);
        long fields = parseLong(p, "fieldcount", 10);
        long fieldBytes = parseLong(p, "fieldlength", 100);
        long recordBytes = 32 + fields * (fieldBytes + 8); // key, record header, per-field name and lengths
        return new PeerStoreSizing(Path.of(dir.trim()), records * recordBytes);
    }

    private static long parseLong(Properties p, String key, long dflt) {
        String v = p.getProperty(key);
        if (v == null) {
            return dflt;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + "='" + v + "' is not a whole number", e);
        }
    }
}
