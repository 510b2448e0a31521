package io.kvkit.bench.cluster;

import java.util.List;
import java.util.Map;

/**
 * Everything measured on one target.
 *
 * @param status   "ok", or "failed" when the target could not be started or broke mid-run (message says how)
 * @param idleCpu  one per group count started: the servers' CPU with no requests
 * @param storage  one per group count whose put points ran
 * @param failover one per group count started, when the failover phase ran
 */
public record TargetResult(String target, String version, Map<String, String> settings, int maxGroups, String status, String message,
                           List<PointResult> points, List<IdleCpuResult> idleCpu, List<StorageResult> storage,
                           List<FailoverResult> failover) {
    public static final String OK = "ok";
    public static final String FAILED = "failed";
}
