package io.kvkit.bench.jmh;

import io.kvkit.bench.workload.KeyFormat;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/** Cost of encoding a benchmark key: the floor under every engine runner operation. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class KeyFormatBenchmark {
    private final KeyFormat format = new KeyFormat(16);
    private final byte[] reused = new byte[16];
    private long i;

    @Benchmark
    public byte[] encodeIntoReused() {
        format.encode(i++, reused);
        return reused;
    }

    @Benchmark
    public byte[] encodeFresh() {
        return format.key(i++);
    }
}
