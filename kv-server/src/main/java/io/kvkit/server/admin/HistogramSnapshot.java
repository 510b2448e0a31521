package io.kvkit.server.admin;

import java.util.Arrays;

/**
 * One histogram's state at a scrape, as Prometheus buckets: {@code upperBounds[i]} is bucket
 * {@code i}'s inclusive upper bound and {@code bucketCounts[i]} the observations in it alone (not
 * cumulative); the last count, one past the bounds, is the {@code +Inf} bucket.
 *
 * @param upperBounds  finite, strictly ascending upper bounds, in the metric's unit (seconds)
 * @param bucketCounts per-bucket counts, {@code upperBounds.length + 1} of them, none negative
 * @param sum          the sum of the observations, in the same unit
 */
public record HistogramSnapshot(double[] upperBounds, long[] bucketCounts, double sum) {
    public HistogramSnapshot {
        upperBounds = upperBounds.clone();
        bucketCounts = bucketCounts.clone();
        if (bucketCounts.length != upperBounds.length + 1) {
            throw new IllegalArgumentException("a histogram with " + upperBounds.length + " finite bounds needs "
                    + (upperBounds.length + 1) + " bucket counts (the last is +Inf), got " + bucketCounts.length);
        }
        for (int i = 0; i < upperBounds.length; i++) {
            if (!Double.isFinite(upperBounds[i]) || (i > 0 && upperBounds[i] <= upperBounds[i - 1])) {
                throw new IllegalArgumentException("histogram bounds must be finite and strictly ascending: "
                        + Arrays.toString(upperBounds));
            }
        }
        for (long c : bucketCounts) {
            if (c < 0) {
                throw new IllegalArgumentException("histogram bucket counts cannot be negative: " + Arrays.toString(bucketCounts));
            }
        }
        if (Double.isNaN(sum)) {
            throw new IllegalArgumentException("a histogram's sum cannot be NaN");
        }
    }

    /** Observations in all buckets. */
    public long count() {
        long n = 0;
        for (long c : bucketCounts) {
            n += c;
        }
        return n;
    }

    @Override
    public double[] upperBounds() {
        return upperBounds.clone();
    }

    @Override
    public long[] bucketCounts() {
        return bucketCounts.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HistogramSnapshot h && Arrays.equals(upperBounds, h.upperBounds)
                && Arrays.equals(bucketCounts, h.bucketCounts) && Double.compare(sum, h.sum) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(upperBounds) + Arrays.hashCode(bucketCounts)) + Double.hashCode(sum);
    }

    @Override
    public String toString() {
        return "HistogramSnapshot[upperBounds=" + Arrays.toString(upperBounds) + ", bucketCounts="
                + Arrays.toString(bucketCounts) + ", sum=" + sum + "]";
    }
}
