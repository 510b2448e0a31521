package io.kvkit.bench.workload;

import java.util.SplittableRandom;

/** Seeded orders over the key numbers 0..n-1. */
public final class KeyOrder {
    private KeyOrder() {
    }

    /** A uniformly random permutation of 0..n-1 (Fisher-Yates), the same for the same seed. */
    public static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
