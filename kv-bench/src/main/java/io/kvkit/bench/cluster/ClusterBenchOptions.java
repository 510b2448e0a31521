package io.kvkit.bench.cluster;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything a cluster benchmark run is configured by, checked (units in the names).
 *
 * @param targets              target names, in run order
 * @param nodes                server processes per cluster
 * @param groups               Raft group counts, in run order (a target that runs fewer groups skips the others)
 * @param concurrency          proposer counts (closed loop), in run order
 * @param phases               subset of "puts", "reads", "failover", in that order
 * @param secondsPerPoint      measured window per point
 * @param warmupSeconds        unmeasured load before each window
 * @param clientWarmupSeconds  unmeasured puts once per cluster start, before the first point (JIT compilation of the client)
 * @param failoverTrials       kill -9 trials per cluster
 * @param keySpace             puts cycle over this many distinct keys
 * @param outDir               the run's output directory
 * @param dataDir              parent of the clusters' temporary data directories
 * @param etcd                 explicit etcd binary, or null to find one
 * @param etcdChannelsPerMember gRPC channels the client opens to each etcd member
 */
public record ClusterBenchOptions(List<String> targets, int nodes, List<Integer> groups, List<Integer> concurrency, List<String> phases,
                                  double secondsPerPoint, double warmupSeconds, double clientWarmupSeconds, int failoverTrials, int keyBytes, int valueBytes,
                                  long keySpace, long seed, boolean quick, Path outDir, Path dataDir, Path etcd, int etcdChannelsPerMember,
                                  List<String> notes) {
    public static final List<Integer> DEFAULT_CONCURRENCY = List.of(1, 16, 64, 256);
    public static final List<Integer> DEFAULT_GROUPS = List.of(1, 64);
    public static final List<String> PHASES = List.of("puts", "reads", "failover");
    public static final int DEFAULT_NODES = 3;
    public static final double DEFAULT_SECONDS_PER_POINT = 30;
    public static final double DEFAULT_WARMUP_SECONDS = 5;
    public static final int DEFAULT_FAILOVER_TRIALS = 10;
    public static final double DEFAULT_CLIENT_WARMUP_SECONDS = 15;
    public static final double QUICK_CLIENT_WARMUP_SECONDS = 5;
    public static final double QUICK_SECONDS_PER_POINT = 3;
    public static final double QUICK_WARMUP_SECONDS = 1;
    public static final int QUICK_FAILOVER_TRIALS = 3;
    public static final int DEFAULT_KEY_BYTES = 16;
    public static final int DEFAULT_VALUE_BYTES = 100;
    public static final long DEFAULT_KEY_SPACE = 1_000_000;
    public static final long DEFAULT_SEED = 20261125L;
    public static final int DEFAULT_ETCD_CHANNELS_PER_MEMBER = 4;
    /** Bounds: every run ends, and no loop on this 2-core machine grows without limit. */
    public static final int MAX_CONCURRENCY = 4096;
    public static final int MAX_GROUPS = 4096;
    public static final double MAX_SECONDS_PER_POINT = 3600;
    public static final int MAX_FAILOVER_TRIALS = 1000;
    public static final int MAX_NODES = 7;

    public boolean runs(String phase) {
        return phases.contains(phase);
    }
}
