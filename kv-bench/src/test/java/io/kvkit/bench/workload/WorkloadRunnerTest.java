package io.kvkit.bench.workload;

import io.kvkit.bench.report.WorkloadResult;
import io.kvkit.bench.store.BenchStore;
import io.kvkit.bench.store.StoreCatalog;
import io.kvkit.bench.store.StoreKind;
import io.kvkit.bench.store.StoreOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/** The runner in this JVM: its own correctness checks must catch a store that loses writes. */
class WorkloadRunnerTest {
    @TempDir
    Path tmp;

    @Test
    void everyWorkloadRunsOnTheModelEngineInProcess() {
        StoreKind model = StoreCatalog.discover().get("model");
        try (WorkloadRunner r = new WorkloadRunner(model, tmp.resolve("model"), null, 300, 16, 100, 7, line -> { })) {
            for (Workload w : Workload.values()) {
                WorkloadResult res = r.run(w);
                assertThat(res.status()).as(w.id() + ": " + res.message()).isEqualTo(WorkloadResult.OK);
                assertThat(res.operations()).isEqualTo(w.operations(300));
            }
        }
        assertThat(tmp.resolve("model")).doesNotExist();
    }

    @Test
    void readsThatMissKeysAreReportedAsAnError() {
        try (WorkloadRunner r = new WorkloadRunner(new LossyKind(), tmp.resolve("lossy"), null, 1000, 16, 100, 7, line -> { })) {
            assertThat(r.run(Workload.FILLRANDOM).ok()).isTrue();
            WorkloadResult read = r.run(Workload.READRANDOM);
            assertThat(read.status()).isEqualTo(WorkloadResult.ERROR);
            assertThat(read.message()).contains("readrandom found").contains("of 1000 keys that should all be present");
            // the next workload that needs data gets the keys reloaded, and fails the same way, not worse
            assertThat(r.run(Workload.READMISSING).ok()).isTrue();
        }
    }

    @Test
    void aTimeCapStopsSlowWorkloadsAndLaterOnesUseTheKeysActuallyWritten() {
        StoreKind slow = new LossyKind(0, 200_000); // every write takes 0.2 ms
        try (WorkloadRunner r = new WorkloadRunner(slow, tmp.resolve("slow"), null, 100_000, 16, 100, 7, 0.05, line -> { })) {
            WorkloadResult fill = r.run(Workload.FILLRANDOM);
            assertThat(fill.ok()).isTrue();
            assertThat(fill.timeCapped()).isTrue();
            assertThat(fill.operations()).isBetween(1L, 99_999L);
            WorkloadResult read = r.run(Workload.READRANDOM);
            assertThat(read.status()).as(read.message()).isEqualTo(WorkloadResult.OK); // found every key it asked for
            assertThat(read.found()).isEqualTo(read.operations());
            WorkloadResult delete = r.run(Workload.DELETERANDOM);
            assertThat(delete.timeCapped()).isTrue();
            assertThat(delete.operations()).isLessThan(fill.operations());
            WorkloadResult again = r.run(Workload.READRANDOM2);
            assertThat(again.status()).as(again.message()).isEqualTo(WorkloadResult.OK); // deleted keys are not asked for
            assertThat(again.preloaded()).isFalse();
        }
    }

    @Test
    void unsupportedWorkloadsAreSaidToBeSoWithTheReason() {
        StoreKind chm = StoreCatalog.discover().get("chm");
        try (WorkloadRunner r = new WorkloadRunner(chm, tmp.resolve("chm"), null, 100, 16, 100, 7, line -> { })) {
            WorkloadResult seek = r.run(Workload.SEEKRANDOM);
            assertThat(seek.status()).isEqualTo(WorkloadResult.UNSUPPORTED);
            assertThat(seek.message()).contains("no key order");
            assertThat(r.run(Workload.FILLSYNC).status()).isEqualTo(WorkloadResult.UNSUPPORTED);
        }
    }

    @Test
    void keysSortInNumericOrderAndDecode() {
        KeyFormat f = new KeyFormat(16);
        long[] nums = {0, 1, 255, 256, 65_535, 1L << 31, (1L << 40) + 7};
        for (int i = 0; i + 1 < nums.length; i++) {
            assertThat(Arrays.compareUnsigned(f.key(nums[i]), f.key(nums[i + 1]))).isNegative();
            assertThat(KeyFormat.decode(f.key(nums[i]))).isEqualTo(nums[i]);
        }
        assertThat(f.key(3)).hasSize(16);
    }

    @Test
    void permutationIsAPermutationAndDependsOnlyOnTheSeed() {
        int[] p = KeyOrder.permutation(10_000, 42);
        assertThat(p).isEqualTo(KeyOrder.permutation(10_000, 42)).isNotEqualTo(KeyOrder.permutation(10_000, 43));
        int[] sorted = p.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertThat(sorted[i]).isEqualTo(i);
        }
    }

    /** A store that silently drops every {@code dropEvery}-th put (0: none) and takes {@code writeNanos} per put (4x per delete). */
    private static final class LossyKind implements StoreKind {
        private final int dropEvery;
        private final long writeNanos;

        LossyKind() {
            this(7, 0);
        }

        LossyKind(int dropEvery, long writeNanos) {
            this.dropEvery = dropEvery;
            this.writeNanos = writeNanos;
        }

        @Override
        public String name() {
            return "lossy";
        }

        @Override
        public String family() {
            return "test";
        }

        @Override
        public String version() {
            return "test";
        }

        @Override
        public boolean durable() {
            return false;
        }

        @Override
        public String durability() {
            return "none";
        }

        @Override
        public boolean orderedScan() {
            return false;
        }

        @Override
        public boolean syncWrites() {
            return false;
        }

        @Override
        public Map<String, String> settings(int keyBytes, int valueBytes, long expectedKeys) {
            return Map.of();
        }

        @Override
        public BenchStore open(StoreOptions options) {
            return new BenchStore() {
                final Map<Long, byte[]> map = new ConcurrentHashMap<>();
                long puts;

                @Override
                public void put(byte[] key, byte[] value, boolean sync) {
                    spin();
                    if (dropEvery == 0 || ++puts % dropEvery != 0) {
                        map.put(KeyFormat.decode(key), value.clone());
                    }
                }

                private void spin() {
                    long until = System.nanoTime() + writeNanos;
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                }

                @Override
                public byte[] get(byte[] key) {
                    return key[key.length - 1] != 0 ? null : map.get(KeyFormat.decode(key));
                }

                @Override
                public void delete(byte[] key) {
                    for (int i = 0; i < 4; i++) {
                        spin(); // deletes are 4x slower than puts, so a delete-all cannot finish within a fill's time cap
                    }
                    map.remove(KeyFormat.decode(key));
                }

                @Override
                public int seekAndRead(byte[] key, int entries) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public void finishWrites() {
                }

                @Override
                public void sync() {
                }

                @Override
                public void close() {
                }
            };
        }
    }
}
