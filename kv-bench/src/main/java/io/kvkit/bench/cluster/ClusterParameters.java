package io.kvkit.bench.cluster;

import java.util.List;

/**
 * What a cluster benchmark run was asked to do (the "parameters" of results.json).
 *
 * @param nodes            server processes per target
 * @param groups           Raft group counts, in run order
 * @param concurrency      proposers (requests in flight, closed loop), in run order
 * @param phases           "puts", "reads", "failover", in run order
 * @param secondsPerPoint  measured window of each point
 * @param warmupSeconds    unmeasured load before each window
 * @param clientWarmupSeconds unmeasured puts (16 proposers) once after each cluster start, before any point
 * @param failoverTrials   kill -9 trials per target
 * @param keySpace         puts cycle over this many distinct keys
 */
public record ClusterParameters(int nodes, List<Integer> groups, List<Integer> concurrency, List<String> phases, double secondsPerPoint,
                                double warmupSeconds, double clientWarmupSeconds, int failoverTrials, int keyBytes, int valueBytes, long keySpace, long seed,
                                boolean quick, String keyFormat, String valueFormat, String latencyMethod, String cpuMethod,
                                String diskMethod) {
}
