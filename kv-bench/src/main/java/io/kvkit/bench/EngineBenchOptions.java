package io.kvkit.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything an engine benchmark run is configured by, with the defaults (units in the names).
 *
 * @param stores              store names, in the order they run
 * @param workloads           workload ids, in the order they run
 * @param n                   key count N
 * @param keyBytes            key length
 * @param valueBytes          value length
 * @param seed                seed of every random order and value
 * @param quick               a quick run (small N, short timeouts)
 * @param outDir              the run's output directory
 * @param latestDir           where the copies latest.json/.md/.png go (null: none)
 * @param dataDir             parent of the stores' temporary directories
 * @param childHeap           -Xmx of each child JVM
 * @param childJvmArgs        extra flags for every child JVM
 * @param storeTimeoutSeconds a child still running after this is killed and reported as timed out
 * @param maxSecondsPerWorkload a workload's timed loop stops after this long (0: runs all its operations)
 * @param notes               free text recorded with the results (e.g. what else shared the machine)
 */
public record EngineBenchOptions(List<String> stores, List<String> workloads, int n, int keyBytes, int valueBytes, long seed,
                                 boolean quick, Path outDir, Path latestDir, Path dataDir, String childHeap, List<String> childJvmArgs,
                                 long storeTimeoutSeconds,
                                 double maxSecondsPerWorkload, List<String> notes) {
    public static final int DEFAULT_N = 1_000_000;
    /** N of a quick run: every store and workload in well under 3 minutes on 2 cores. */
    public static final int QUICK_N = 20_000;
    public static final int DEFAULT_KEY_BYTES = 16;
    public static final int DEFAULT_VALUE_BYTES = 100;
    public static final long DEFAULT_SEED = 20261125L;
    public static final String DEFAULT_CHILD_HEAP = "2g";
    public static final long DEFAULT_STORE_TIMEOUT_SECONDS = 3600;
    public static final long QUICK_STORE_TIMEOUT_SECONDS = 60;
    /** A quick run stops each workload after this long, so slow stores cannot stretch it (full runs: no cap). */
    public static final double QUICK_MAX_SECONDS_PER_WORKLOAD = 0.5;
    /** Value length bound: values come from a 1 MiB pool. */
    public static final int MAX_VALUE_BYTES = 512 * 1024;
    public static final int MAX_KEY_BYTES = 1024;
}
