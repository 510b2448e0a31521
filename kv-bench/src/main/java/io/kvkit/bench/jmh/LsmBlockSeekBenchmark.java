package io.kvkit.bench.jmh;

import io.kvkit.engine.lsm.LsmMicrobenchmarks;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Seek inside one SSTable data block (binary search of restart points, then a linear scan of
 * prefix-compressed entries): the last step of every point read that reaches a table.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class LsmBlockSeekBenchmark {
    /** Entries per block: 35 is a 4 KiB block of 16-byte keys and 100-byte values. */
    @Param({"35"})
    public int entries;

    @Param({"16"})
    public int restartInterval;

    private LsmMicrobenchmarks.BlockHandle block;
    private byte[][] keys;
    private int next;

    @Setup
    public void build() {
        List<byte[]> sorted = new ArrayList<>();
        for (int i = 0; i < entries; i++) {
            byte[] k = new byte[16];
            long n = 1_000_000L + 7L * i;
            for (int b = 0; b < 8; b++) {
                k[b] = (byte) (n >>> (56 - 8 * b));
            }
            sorted.add(k);
        }
        keys = sorted.toArray(new byte[0][]);
        block = LsmMicrobenchmarks.buildBlock(sorted, new byte[100], restartInterval);
    }

    @Benchmark
    public boolean seekPresentKey() {
        int i = next;
        next = (i * 13 + 7) % entries; // a fixed scramble of the positions
        return block.seek(keys[i]);
    }
}
