package io.kvkit.bench.report;

import java.util.List;
import java.util.Map;

/**
 * What a run was asked to do.
 *
 * @param n                   key count N
 * @param operations          operations per workload for this N
 * @param latencyMethod       how latency was taken
 * @param childJvmHeap        -Xmx of every child JVM
 * @param maxSecondsPerWorkload time cap of each workload's timed loop (0: none)
 */
public record Parameters(long n, int keyBytes, int valueBytes, long seed, boolean quick, List<String> workloads,
                         Map<String, Long> operations, String keyFormat, String valueFormat, String latencyMethod,
                         String childJvmHeap, double maxSecondsPerWorkload) {
}
