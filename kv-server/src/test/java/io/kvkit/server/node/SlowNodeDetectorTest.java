package io.kvkit.server.node;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SlowNodeDetectorTest {
    private static final long T = 200_000_000L; // 200 ms

    private static TimedRaftLogStore.SyncWindow window(long syncs, long over, long overHalf) {
        return new TimedRaftLogStore.SyncWindow(syncs, over, overHalf, 0);
    }

    private static TimedRaftLogStore.SyncWindow slowWindow() {
        return window(100, 5, 5);
    }

    private static TimedRaftLogStore.SyncWindow fastWindow() {
        return window(100, 0, 0);
    }

    private static TimedRaftLogStore.SyncWindow middleWindow() {
        return window(100, 0, 50); // p99 between T/2 and T
    }

    @Test
    void p99CountingAgreesWithSortingSamples() {
        long seed = System.nanoTime();
        System.out.println("SlowNodeDetectorTest.p99CountingAgreesWithSortingSamples seed " + seed);
        Random random = new Random(seed);
        for (int round = 0; round < 2000; round++) {
            int n = 1 + random.nextInt(random.nextBoolean() ? 10 : 500);
            long[] samples = new long[n];
            double slowShare = random.nextDouble() * 0.05;
            for (int i = 0; i < n; i++) {
                samples[i] = random.nextDouble() < slowShare ? T + 1 + random.nextInt(1000) : random.nextInt((int) T + 1);
            }
            long over = Arrays.stream(samples).filter(s -> s > T).count();
            long[] sorted = samples.clone();
            Arrays.sort(sorted);
            long p99 = sorted[(int) Math.ceil(0.99 * n) - 1]; // nearest rank
            assertThat(SlowNodeDetector.p99Above(n, over)).as("seed %d n %d over %d p99 %d", seed, n, over, p99).isEqualTo(p99 > T);
        }
        assertThat(SlowNodeDetector.p99Above(0, 0)).isFalse();
        assertThat(SlowNodeDetector.p99Above(100, 1)).isFalse(); // the 100th sample is the only slow one: p99 is the 99th
        assertThat(SlowNodeDetector.p99Above(100, 2)).isTrue();
        assertThat(SlowNodeDetector.p99Above(1, 1)).isTrue();
    }

    @Test
    void slowOnlyAfterKConsecutiveSlowWindows() {
        SlowNodeDetector d = new SlowNodeDetector(3);
        assertThat(d.observe(slowWindow())).isFalse();
        assertThat(d.observe(slowWindow())).isFalse();
        assertThat(d.observe(fastWindow())).as("the streak is broken").isFalse();
        assertThat(d.observe(slowWindow())).isFalse();
        assertThat(d.observe(slowWindow())).isFalse();
        assertThat(d.observe(window(0, 0, 0))).as("a window without syncs changes nothing").isFalse();
        assertThat(d.observe(slowWindow())).isTrue();
        assertThat(d.slow()).isTrue();
    }

    @Test
    void wellAgainOnlyAfterKWindowsBelowHalfTheThreshold() {
        SlowNodeDetector d = new SlowNodeDetector(2);
        d.observe(slowWindow());
        assertThat(d.observe(slowWindow())).isTrue();
        assertThat(d.observe(middleWindow())).as("under the threshold but over half: still slow").isTrue();
        assertThat(d.observe(middleWindow())).isTrue();
        assertThat(d.observe(fastWindow())).isTrue();
        assertThat(d.observe(middleWindow())).as("the streak is broken").isTrue();
        assertThat(d.observe(fastWindow())).isTrue();
        assertThat(d.observe(fastWindow())).isFalse();
        assertThat(d.observe(middleWindow())).as("a middle window does not make it slow").isFalse();
    }

    @Test
    void windowsAreCountedByTheTimedStore() {
        TimedRaftLogStore store = new TimedRaftLogStore(new io.kvkit.raft.storage.MemoryRaftLogStore(), T);
        store.record(T + 1);
        store.record(T / 2 + 1);
        store.record(T / 2);
        store.sync(); // a real (in-memory) sync: fast
        TimedRaftLogStore.SyncWindow w = store.takeWindow();
        assertThat(w.syncs()).isEqualTo(4);
        assertThat(w.overThreshold()).isEqualTo(1);
        assertThat(w.overHalfThreshold()).isEqualTo(2);
        assertThat(w.maxNanos()).isEqualTo(T + 1);
        assertThat(store.takeWindow()).isEqualTo(new TimedRaftLogStore.SyncWindow(0, 0, 0, 0));
        assertThat(store.slowSyncsTotal()).isEqualTo(1);
    }

    @Test
    void badArgumentsAreRefused() {
        assertThatThrownBy(() -> new SlowNodeDetector(0)).hasMessageContaining("windows must be >= 1");
        assertThatThrownBy(() -> new TimedRaftLogStore(new io.kvkit.raft.storage.MemoryRaftLogStore(), 0))
                .hasMessageContaining("thresholdNanos must be > 0");
    }
}
