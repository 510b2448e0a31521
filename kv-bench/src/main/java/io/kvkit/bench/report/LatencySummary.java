package io.kvkit.bench.report;

import org.HdrHistogram.Histogram;

/**
 * Per-operation latency percentiles in microseconds, from an HdrHistogram of nanoseconds.
 *
 * @param count number of operations recorded
 */
public record LatencySummary(long count, double meanMicros, double p50Micros, double p99Micros, double p999Micros, double maxMicros) {
    public static LatencySummary of(Histogram h) {
        return new LatencySummary(h.getTotalCount(), h.getMean() / 1000.0, h.getValueAtPercentile(50) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0);
    }
}
