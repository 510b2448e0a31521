package io.kvkit.bench.ring;

import io.kvkit.ring.KeyHasher;
import io.kvkit.ring.Ring;
import io.kvkit.ring.RingChange;
import io.kvkit.ring.RingNode;
import io.kvkit.ring.RingOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * kv-ring's hot path and its change planner.
 *
 * <ul>
 *   <li>{@code keyToReplicas}: 16-byte key, XXHash64, partition, replica list (the bound:
 *       25 ns), next to {@code hashOnly} (XXHash64 alone) and {@code concurrentHashMapGet} (a
 *       peer: the same key looked up in a ConcurrentHashMap of 65,536 byte-string keys);</li>
 *   <li>{@code join}, {@code leave}: a ring change with its move plan, for 1,000 nodes and
 *       Q = 65,536 (the bound: 100 ms).</li>
 * </ul>
 *
 * Run: {@code java -cp <kv-bench classpath> org.openjdk.jmh.Main RingLookupBenchmark}
 */
public class RingLookupBenchmark {

    /** A ring of 100 nodes, Q = 65,536, and 4,096 random 16-byte keys. */
    @State(Scope.Thread)
    public static class Lookup {
        Ring ring;
        byte[][] keys;
        ConcurrentHashMap<KeyBytes, Integer> map;
        KeyBytes[] wrapped;
        int next;

        @Setup(Level.Trial)
        public void setUp() {
            List<RingNode> nodes = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                nodes.add(RingNode.of(i, "n" + i));
            }
            ring = Ring.create(RingOptions.defaults().withPartitionCount(65_536), nodes);
            SplittableRandom rnd = new SplittableRandom(42);
            keys = new byte[4096][16];
            wrapped = new KeyBytes[keys.length];
            map = new ConcurrentHashMap<>();
            for (int i = 0; i < keys.length; i++) {
                rnd.nextBytes(keys[i]);
                wrapped[i] = new KeyBytes(keys[i].clone());
            }
            for (int i = 0; i < 65_536; i++) {
                byte[] k = new byte[16];
                rnd.nextBytes(k);
                map.put(new KeyBytes(k), i);
            }
            for (KeyBytes k : wrapped) {
                map.put(k, 1);
            }
        }
    }

    /** Byte-string key for the map peer (equals/hashCode over the bytes). */
    record KeyBytes(byte[] b) {
        @Override
        public boolean equals(Object o) {
            return o instanceof KeyBytes k && java.util.Arrays.equals(b, k.b);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(b);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    @Fork(1)
    public Object keyToReplicas(Lookup s) {
        byte[] key = s.keys[s.next++ & 4095];
        return s.ring.replicasOf(key);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    @Fork(1)
    public long hashOnly(Lookup s) {
        return KeyHasher.hash64(s.keys[s.next++ & 4095]);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    @Fork(1)
    public Object concurrentHashMapGet(Lookup s) {
        return s.map.get(s.wrapped[s.next++ & 4095]);
    }

    /** A ring of 1,000 nodes, Q = 65,536 (built once per trial: it takes a while). */
    @State(Scope.Benchmark)
    public static class Big {
        Ring ring;

        @Setup(Level.Trial)
        public void setUp() {
            List<RingNode> nodes = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                nodes.add(RingNode.of(i, "n" + i));
            }
            ring = Ring.create(RingOptions.defaults().withPartitionCount(65_536), nodes);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 2, time = 2)
    @Measurement(iterations = 5, time = 2)
    @Fork(1)
    public RingChange join(Big s) {
        return s.ring.join(RingNode.of(5000, "new"));
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 2, time = 2)
    @Measurement(iterations = 5, time = 2)
    @Fork(1)
    public RingChange leave(Big s) {
        return s.ring.leave(500);
    }
}
