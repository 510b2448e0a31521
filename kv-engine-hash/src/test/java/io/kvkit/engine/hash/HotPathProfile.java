package io.kvkit.engine.hash;

import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.StorageEngine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * A fill, overwrite, random-read and missing-read loop over one store, for profiling by hand
 * (not a benchmark: the figures next to peers come from kv-bench):
 * <pre>java -XX:StartFlightRecording=filename=hash.jfr -cp &lt;test class path&gt; io.kvkit.engine.hash.HotPathProfile 1000000 /tmp/p</pre>
 */
public final class HotPathProfile {
    private HotPathProfile() {
    }

    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path dir = Path.of(args.length > 1 ? args[1] : "/tmp/kvkit-hash-profile");
        deleteTree(dir);
        EngineConfig.Builder config = EngineConfig.builder(dir);
        for (int i = 2; i + 1 < args.length; i += 2) {
            config.option(args[i], args[i + 1]);
        }
        byte[] value = new byte[100];
        try (StorageEngine db = HashEngine.open(config.build())) {
            time("fillrandom", n, () -> {
                for (int i = 0; i < n; i++) {
                    db.put(key(permute(i, n)), value);
                }
            });
            time("overwrite", n, () -> {
                for (int i = 0; i < n; i++) {
                    db.put(key(permute(i * 7L % n, n)), value);
                }
            });
            SplittableRandom rnd = new SplittableRandom(1);
            for (int round = 0; round < 3; round++) {
                time("readrandom", n, () -> {
                    for (int i = 0; i < n; i++) {
                        if (db.get(key(rnd.nextInt(n))) == null) {
                            throw new AssertionError("missing key");
                        }
                    }
                });
            }
            time("readmissing", n, () -> {
                for (int i = 0; i < n; i++) {
                    if (db.get(key(n + rnd.nextInt(n))) != null) {
                        throw new AssertionError("unexpected key");
                    }
                }
            });
            System.out.println(db.stats());
        }
        deleteTree(dir);
    }

    private static long permute(long i, int n) {
        return (i * 0x9E3779B1L) % n;
    }

    private static byte[] key(long i) {
        return ByteBuffer.allocate(16).putLong(i).array();
    }

    private static void time(String what, int n, Runnable r) {
        long t = System.nanoTime();
        r.run();
        double s = (System.nanoTime() - t) / 1e9;
        System.out.printf("%-12s %,10.0f ops/s%n", what, n / s);
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
