package io.kvkit.bench.report;

import java.util.Map;

/**
 * One workload's outcome on one store (schema: bench-results/README.md).
 *
 * @param workload          workload id ("readrandom")
 * @param status            "ok", "unsupported" (the store cannot do it; message says why) or "error"
 * @param message           why it was unsupported or failed; null when ok
 * @param operations        operations timed (reader operations for readwhilewriting)
 * @param threads           threads whose operations are counted
 * @param seconds           wall time of the timed operations
 * @param opsPerSecond      operations / seconds
 * @param mbPerSecond       bytes moved (key + value of every pair written or read) / seconds / 1e6
 * @param bytes             bytes moved
 * @param latency           per-operation latency; every operation recorded
 * @param found             reads that found a value (reads only)
 * @param diskBytes         bytes allocated on disk by the store's directory right after the workload (store open)
 * @param diskApparentBytes sum of the file sizes in that directory (sparse files count in full)
 * @param peakRssBytes      the child JVM's VmHWM after the workload (peak so far in the process)
 * @param otherCpuShare     share (0..1) of all cores' time that other processes used during the timed loop (-1: unknown);
 *                          high values mean the figure was disturbed by other work on the machine
 * @param preloaded         the keys were loaded untimed before the workload
 * @param timeCapped        the workload was stopped by the time cap per workload before its full operation count
 * @param extra             workload-specific figures (readwhilewriting: the writer's)
 * @param histogramFile     the .hgrm percentile file, relative to the run directory
 */
public record WorkloadResult(String workload, String status, String message, long operations, int threads, double seconds,
                             double opsPerSecond, double mbPerSecond, long bytes, LatencySummary latency, Long found, long diskBytes,
                             long diskApparentBytes, long peakRssBytes, double otherCpuShare, boolean preloaded, boolean timeCapped, Map<String, Object> extra,
                             String histogramFile) {
    public static final String OK = "ok";
    public static final String UNSUPPORTED = "unsupported";
    public static final String ERROR = "error";

    public static WorkloadResult notRun(String workload, String status, String message) {
        return new WorkloadResult(workload, status, message, 0, 0, 0, 0, 0, 0, null, null, 0, 0, 0, -1, false, false, Map.of(), null);
    }

    public boolean ok() {
        return OK.equals(status);
    }
}
