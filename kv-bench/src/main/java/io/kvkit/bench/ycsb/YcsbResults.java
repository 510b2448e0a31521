package io.kvkit.bench.ycsb;

import io.kvkit.bench.report.Machine;

import java.util.List;
import java.util.Map;

/** The records of a YCSB run, as written to results.json (schema {@value #SCHEMA}). */
final class YcsbResults {
    static final String SCHEMA = "kvkit-bench-ycsb/1";
    static final String OK = "ok";
    /** Every operation of some kind answered NOT_IMPLEMENTED (scan on a hash engine): no figure. */
    static final String UNSUPPORTED = "unsupported";
    /** Some operations failed (a status other than OK): no figure. */
    static final String ERROR = "error";
    /** The YCSB client JVM died, timed out, or wrote no measurements. */
    static final String FAILED = "failed";

    private YcsbResults() {
    }

    /**
     * @param store   "lsm", "rocksdb", ...
     * @param family  "kvkit" or "peer"
     * @param dbClass the YCSB DB class the client ran
     * @param setup   how the store is configured
     */
    record StoreInfo(String store, String family, String dbClass, String setup) {
    }

    /**
     * Latency of one YCSB measurement (an operation, or an operation's failures as "SCAN-FAILED").
     *
     * @param histogramFile .hgrm file relative to the run directory (values in microseconds)
     */
    record OpLatency(String operation, long count, double meanMicros, long p50Micros, long p95Micros, long p99Micros,
                     long p999Micros, long maxMicros, String histogramFile) {
    }

    /**
     * One YCSB client run: a load or a run phase of one workload on one store.
     *
     * @param returns      YCSB's status counts per operation: {"READ": {"OK": 95012}, ...}
     * @param opsPerSecond YCSB's OVERALL throughput (operations / wall time of the client threads)
     */
    record PhaseResult(String store, String workload, String phase, String status, String message, double opsPerSecond,
                       long runtimeMillis, long operations, int threads, Map<String, Map<String, Long>> returns,
                       List<OpLatency> latencies, String log) {
        OpLatency latency(String op) {
            return latencies.stream().filter(l -> l.operation().equals(op)).findFirst().orElse(null);
        }
    }

    record Run(String schema, String startedAt, String finishedAt, Machine machine, Map<String, Object> parameters,
               List<String> notes, List<StoreInfo> stores, List<PhaseResult> results) {
    }
}
