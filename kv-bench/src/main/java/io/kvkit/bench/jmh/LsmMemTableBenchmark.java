package io.kvkit.bench.jmh;

import io.kvkit.engine.lsm.LsmMicrobenchmarks;
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

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The LSM engine's off-heap skip-list memtable: random inserts into, and random gets from, a
 * memtable of {@code entries} 16-byte keys with 100-byte values (the engine runner's shapes).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class LsmMemTableBenchmark {
    @Param({"100000", "500000"})
    public int entries;

    private LsmMicrobenchmarks.MemTableHandle table;
    private LsmMicrobenchmarks.MemTableHandle insertTable;
    private byte[][] keys;
    private final byte[] value = new byte[100];
    private long seq;
    private int next;
    private long insertCounter;

    private static byte[] key(long n) {
        byte[] k = new byte[16];
        for (int i = 0; i < 8; i++) {
            k[i] = (byte) (n >>> (56 - 8 * i));
        }
        return k;
    }

    @Setup(Level.Trial)
    public void fill() {
        Random r = new Random(42);
        keys = new byte[entries][];
        table = LsmMicrobenchmarks.newMemTable();
        for (int i = 0; i < entries; i++) {
            keys[i] = key(r.nextLong() & Long.MAX_VALUE);
            table.put(keys[i], value, ++seq);
        }
        insertTable = LsmMicrobenchmarks.newMemTable();
    }

    @Setup(Level.Iteration)
    public void freshInsertTable() {
        insertTable.close();
        insertTable = LsmMicrobenchmarks.newMemTable();
        insertCounter = 0;
    }

    @TearDown(Level.Trial)
    public void close() {
        table.close();
        insertTable.close();
    }

    /** Get of a present key, in random order. */
    @Benchmark
    public byte[] get() {
        int i = next;
        next = i + 1 == entries ? 0 : i + 1;
        return table.get(keys[i], Long.MAX_VALUE);
    }

    /** Insert of a random key into a growing memtable (restarted each iteration). */
    @Benchmark
    public long insert() {
        long n = (insertCounter++ * 0x9E3779B97F4A7C15L) & Long.MAX_VALUE;
        insertTable.put(key(n), value, insertCounter);
        return insertCounter;
    }
}
