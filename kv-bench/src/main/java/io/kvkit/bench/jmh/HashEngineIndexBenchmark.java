package io.kvkit.bench.jmh;

import io.kvkit.bench.workload.KeyFormat;
import io.kvkit.bench.workload.ValueSource;
import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.StorageEngine;
import io.kvkit.engine.api.StorageEngines;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The hash engine's index paths: a get that hits (index probe plus one record read), a get that
 * misses (index probe only: tags keep misses off the log), and an overwrite (log append plus index
 * update), over {@code keys} preloaded 16-byte keys and 100-byte values. {@code verify=false}
 * shows what the per-read CRC32C costs.
 *
 * <pre>./kv bench jmh HashEngineIndexBenchmark -p keys=1000000</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class HashEngineIndexBenchmark {
    @Param("1000000")
    public int keys;

    @Param("true")
    public boolean verify;

    private final KeyFormat format = new KeyFormat(16);
    private final ValueSource values = new ValueSource(100, 1);
    private Path dir;
    private StorageEngine db;

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory("kvkit-jmh-hash-");
        db = StorageEngines.open("hash", EngineConfig.builder(dir).option("expectedKeys", Integer.toString(keys))
                .option("verifyChecksumsOnRead", Boolean.toString(verify)).build());
        byte[] v = new byte[100];
        for (int i = 0; i < keys; i++) {
            values.fill(i, v);
            db.put(format.key(i), v);
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        db.close();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Per-thread key and value buffers and random source. */
    @State(Scope.Thread)
    public static class Cursor {
        final SplittableRandom random = new SplittableRandom(42);
        final byte[] key = new byte[16];
        final byte[] value = new byte[100];
        long op;
    }

    @Benchmark
    public byte[] getHit(Cursor c) {
        format.encode(c.random.nextInt(keys), c.key);
        return db.get(c.key);
    }

    @Benchmark
    public byte[] getMiss(Cursor c) {
        format.encode(keys + c.random.nextInt(keys), c.key); // numbers past the loaded ones: never present
        return db.get(c.key);
    }

    @Benchmark
    public void putOverwrite(Cursor c) {
        format.encode(c.random.nextInt(keys), c.key);
        values.fill(c.op++, c.value);
        db.put(c.key, c.value);
    }
}
