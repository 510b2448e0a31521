package io.kvkit.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The replication-aware token allocator, judged by the pure DESIGN.md rule alone (first R distinct
 * nodes clockwise): its tokens must spread ownership far better than random tokens do.
 */
class TokenAllocatorTest {
    @Test
    void allocatedTokensBalanceThePureRuleFarBetterThanRandomTokens() {
        int q = 4096;
        int r = 3;
        int n = 50;
        int tokensPerNode = 16;
        int[] zone = new int[n];
        TokenRing allocated = new TokenRing(q, r, false, zone);
        long[][] allocatedTokens = new long[n][];
        for (int i = 0; i < n; i++) {
            boolean[] placed = new boolean[n];
            int[] w = new int[n];
            for (int j = 0; j <= i; j++) {
                placed[j] = true;
                w[j] = 100;
            }
            double[] target = new double[n];
            for (int j = 0; j <= i; j++) {
                target[j] = i + 1 < r ? q : (double) r * q / (i + 1);
            }
            allocatedTokens[i] = allocated.allocate(i, tokensPerNode, target, RingPlanner.splitMix64(i));
        }
        // the allocator maintains natural lists and loads incrementally: they must equal a fresh computation
        TokenRing fresh = TokenRing.of(q, r, false, zone, allocatedTokens, null);
        assertThat(allocated.naturalLoads(n)).isEqualTo(fresh.naturalLoads(n));
        for (int p = 0; p < q; p++) {
            assertThat(allocated.naturalReplicas(p)).as("partition %d", p).isEqualTo(fresh.naturalReplicas(p));
        }
        long seed = 42;
        System.out.println("random-token seed " + seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        long[][] randomTokens = new long[n][tokensPerNode];
        for (long[] t : randomTokens) {
            for (int k = 0; k < t.length; k++) {
                t[k] = rnd.nextLong();
            }
        }
        TokenRing random = TokenRing.of(q, r, false, zone, randomTokens, null);
        double a = maxOverMean(allocated.naturalLoads(n), q, r);
        double b = maxOverMean(random.naturalLoads(n), q, r);
        System.out.printf("pure rule, N=%d, %d tokens/node: allocator max/mean %.3f, random tokens %.3f%n", n, tokensPerNode, a, b);
        assertThat(a).isLessThan(b);
        assertThat(a).isLessThanOrEqualTo(1.25);
    }

    @Test
    void incrementalNaturalListsMatchAFreshComputationWithZones() {
        int q = 1024;
        int n = 12;
        int[] zone = new int[n];
        for (int i = 0; i < n; i++) {
            zone[i] = i % 4;
        }
        TokenRing allocated = new TokenRing(q, 3, true, zone);
        long[][] tokens = new long[n][];
        for (int i = 0; i < n; i++) {
            double[] target = new double[n];
            java.util.Arrays.fill(target, 0, i + 1, 3.0 * q / Math.max(3, i + 1));
            tokens[i] = allocated.allocate(i, 1 + i % 5, target, RingPlanner.splitMix64(i));
        }
        TokenRing fresh = TokenRing.of(q, 3, true, zone, tokens, null);
        assertThat(allocated.naturalLoads(n)).isEqualTo(fresh.naturalLoads(n));
        for (int p = 0; p < q; p++) {
            assertThat(allocated.naturalReplicas(p)).isEqualTo(fresh.naturalReplicas(p));
        }
    }

    @Test
    void naturalListsFollowTheClockwiseRule() {
        // 3 nodes, one token each at quarter points; Q = 4: partition p starts at p * 2^62
        int[] zone = {0, 0, 0};
        long[][] tokens = {{1L << 62}, {2L << 62}, {3L << 62}};
        TokenRing tr = TokenRing.of(4, 2, false, zone, tokens, null);
        assertThat(tr.naturalReplicas(0)).containsExactly(0, 1); // start 0: first token is node 0's
        assertThat(tr.naturalReplicas(1)).containsExactly(0, 1); // start exactly on node 0's token
        assertThat(tr.naturalReplicas(2)).containsExactly(1, 2);
        assertThat(tr.naturalReplicas(3)).containsExactly(2, 0);
    }

    private static double maxOverMean(long[] load, int q, int r) {
        long max = 0;
        for (long l : load) {
            max = Math.max(max, l);
        }
        return max / ((double) q * r / load.length);
    }
}
