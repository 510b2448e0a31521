package io.kvkit.bench.jmh;

import io.kvkit.engine.api.Cursor;
import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.KeyRange;
import io.kvkit.engine.api.ReadOptions;
import io.kvkit.engine.api.StorageEngine;
import io.kvkit.engine.api.StorageEngines;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
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
 * Cursor next of the "bplustree" engine: forward and reverse scans of 1,000 pairs (key and value
 * read) from a random start, over 200,000 16-byte keys with 100-byte values, after a checkpoint;
 * the figure is per pair.
 *
 * <pre>./kv bench jmh BPlusTreeCursorBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class BPlusTreeCursorBenchmark {
    static final int KEYS = 200_000;
    static final int SCAN = 1000;

    private Path dir;
    private StorageEngine db;
    private long start;

    static byte[] key(long i) {
        return ByteBuffer.allocate(16).putLong(i).array();
    }

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory("kvkit-jmh-bplustree-");
        db = StorageEngines.open("bplustree", EngineConfig.builder(dir).option("idleCheckpointMillis", "0").build());
        for (int i = 0; i < KEYS; i++) {
            db.put(key(i), new byte[100]);
        }
        db.close();
        db = StorageEngines.open("bplustree", EngineConfig.builder(dir).option("idleCheckpointMillis", "0").build());
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

    private byte[] nextStart() {
        start = (start + 7919) % (KEYS - SCAN);
        return key(start);
    }

    @Benchmark
    @OperationsPerInvocation(SCAN)
    public long forwardNext() {
        long sum = 0;
        try (Cursor c = db.scan(KeyRange.from(nextStart()))) {
            for (int i = 0; i < SCAN && c.next(); i++) {
                sum += c.key().length + c.value().length;
            }
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(SCAN)
    public long reverseNext() {
        long sum = 0;
        byte[] end = key(start + SCAN);
        nextStart();
        try (Cursor c = db.scanReverse(ReadOptions.DEFAULT, KeyRange.until(end))) {
            for (int i = 0; i < SCAN && c.next(); i++) {
                sum += c.key().length + c.value().length;
            }
        }
        return sum;
    }
}
