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
            allocated.allocate(i, tokensPerNode, target, RingPlanner.splitMix64(i));
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
