package io.kvkit.bench.jmh;

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
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * In-page search of the "bplustree" engine: a point get in a store of {@code keys} 16-byte keys
 * (100-byte values) after a checkpoint, so the get is the tree descent alone (no overlay). With
 * {@code keys=30} the tree is one leaf and the figure is one in-page binary search plus the
 * get's fixed costs; with more keys it is depth x (in-page search + page check).
 *
 * <pre>./kv bench jmh BPlusTreePageSearchBenchmark -p keys=30,1000000</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class BPlusTreePageSearchBenchmark {
    @Param({"30", "1000000"})
    public int keys;

    private Path dir;
    private StorageEngine db;
    private byte[][] probes;
    private int next;

    static byte[] key(long i) {
        return ByteBuffer.allocate(16).putLong(i * 0x9E3779B97F4A7C15L).array();
    }

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory("kvkit-jmh-bplustree-");
        db = StorageEngines.open("bplustree", EngineConfig.builder(dir).option("idleCheckpointMillis", "0").build());
        for (int i = 0; i < keys; i++) {
            db.put(key(i), new byte[100]);
        }
        db.close(); // the close checkpoints: every key is in the tree
        db = StorageEngines.open("bplustree", EngineConfig.builder(dir).option("idleCheckpointMillis", "0").build());
        probes = new byte[4096][];
        for (int i = 0; i < probes.length; i++) {
            probes[i] = key((i * 7919L) % keys);
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

    @Benchmark
    public byte[] get() {
        next = (next + 1) & (probes.length - 1);
        return db.get(probes[next]);
    }
}
