package io.kvkit.engine.hash;

import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.StorageEngine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Measures how long opening a store of N keys takes with its index checkpoint and without it
 * (rebuilt from the log). Not a test; run it by hand:
 * <pre>java -cp &lt;test class path&gt; io.kvkit.engine.hash.OpenTimeMeasurement 5000000 /tmp/hash-open</pre>
 */
public final class OpenTimeMeasurement {
    private OpenTimeMeasurement() {
    }

    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 5_000_000;
        Path dir = Path.of(args.length > 1 ? args[1] : "/tmp/kvkit-hash-open-time");
        deleteTree(dir);
        EngineConfig config = EngineConfig.of(dir);
        byte[] value = new byte[100];
        long t0 = System.nanoTime();
        try (StorageEngine db = HashEngine.open(config)) {
            for (int i = 0; i < n; i++) {
                long k = Long.reverse(i * 0x9E3779B97F4A7C15L); // a random-looking order of distinct keys
                byte[] key = ByteBuffer.allocate(16).putLong(k).putLong(i).array();
                ByteBuffer.wrap(value).putLong(0, i);
                db.put(key, value);
            }
            System.out.printf("filled %,d keys in %.1f s; %s%n", n, (System.nanoTime() - t0) / 1e9, figures(db));
        }
        for (int round = 0; round < 2; round++) {
            long t = System.nanoTime();
            try (StorageEngine db = HashEngine.open(config)) {
                System.out.printf("open with index checkpoint: %d ms (%s)%n", (System.nanoTime() - t) / 1_000_000, figures(db));
            }
        }
        for (int round = 0; round < 2; round++) {
            Files.deleteIfExists(dir.resolve(IndexCheckpointFile.FILE_NAME));
            long t = System.nanoTime();
            try (StorageEngine db = HashEngine.open(config)) {
                System.out.printf("open rebuilding the index from the log: %d ms (%s)%n", (System.nanoTime() - t) / 1_000_000, figures(db));
            }
        }
        deleteTree(dir);
    }

    private static String figures(StorageEngine db) {
        Map<String, Number> p = db.stats().properties();
        return "keys " + p.get("hash.index.keys") + ", index " + p.get("hash.index.bytes") + " bytes, "
                + String.format("%.1f", p.get("hash.index.bytesPerKey").doubleValue()) + " bytes/key, fromCheckpoint "
                + p.get("hash.recovery.fromIndexCheckpoint") + ", replayed " + p.get("hash.recovery.replayedRecords")
                + ", rebuilds " + p.get("hash.index.rebuilds");
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
