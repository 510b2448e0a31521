package io.kvkit.bench.cluster;

import io.kvkit.bench.report.LatencySummary;

import java.util.List;

/**
 * One measured point: one operation at one concurrency on one target with one group count.
 *
 * @param operation             "put" or "get" (linearizable)
 * @param status                "ok", "error" (some requests failed; message has the first), "not run" (message says why)
 * @param operations            successful requests completed in the measured window
 * @param errors                failed requests in the window
 * @param seconds               the window's length
 * @param serverCpuNanosPerOp   utime+stime of all server processes over the window / operations
 * @param serverCpuNanosPerOpByNode the same for each node's process (the leader's share shows here); -1 where unknown
 * @param clientCpuNanosPerOp   the benchmark JVM's own utime+stime over the window / operations (it shares the cores)
 * @param entriesWritten        puts: successful puts over the whole point, warm-up included (the disk growth's denominator)
 * @param diskBytesGrowth       puts: growth of the data directories' allocated bytes over the whole point
 * @param diskApparentBytesGrowth puts: growth of their apparent size
 * @param loadAverage           /proc/loadavg (1, 5, 15 min) at the end of the window
 * @param otherCpuShare         share (0..1) of all cores' time that processes other than the servers and this JVM used; -1 unknown
 * @param histogramFile         the .hgrm file (microseconds), relative to the run directory
 */
public record PointResult(String target, String operation, int groups, int concurrency, String status, String message, long operations,
                          long errors, double seconds, double opsPerSecond, LatencySummary latency, double serverCpuNanosPerOp,
                          List<Double> serverCpuNanosPerOpByNode, double clientCpuNanosPerOp, long entriesWritten, long diskBytesGrowth, long diskApparentBytesGrowth,
                          String loadAverage, double otherCpuShare, String histogramFile) {
    public static final String OK = "ok";
    public static final String ERROR = "error";
    public static final String NOT_RUN = "not run";

    public boolean ok() {
        return OK.equals(status);
    }

    static PointResult notRun(String target, String operation, int groups, int concurrency, String why) {
        return new PointResult(target, operation, groups, concurrency, NOT_RUN, why, 0, 0, 0, 0, null, -1, List.of(), -1, 0, 0, 0, null, -1,
                null);
    }
}
