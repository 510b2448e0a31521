package io.kvkit.bench.report;

import java.util.List;
import java.util.Map;

/**
 * Everything one child JVM measured for one store (schema: bench-results/README.md).
 *
 * @param status              "ok" (the child ran every workload, some may be unsupported or failed), "failed"
 *                            (the child died or could not open the store) or "timeout"
 * @param diskBytesAfterClose bytes allocated by the store's directory after the last workload and close
 * @param peakRssBytes        the child JVM's VmHWM at the end
 */
public record StoreResult(String store, String family, String version, boolean durable, String durability,
                          Map<String, String> settings, List<String> jvmArguments, String status, String message,
                          double wallSeconds, long peakRssBytes, Long diskBytesAfterClose, List<WorkloadResult> workloads) {
    public static final String OK = "ok";
    public static final String FAILED = "failed";
    public static final String TIMEOUT = "timeout";

    public StoreResult withStatus(String newStatus, String newMessage) {
        return new StoreResult(store, family, version, durable, durability, settings, jvmArguments, newStatus, newMessage, wallSeconds,
                peakRssBytes, diskBytesAfterClose, workloads);
    }

    /** The result of {@code workload}, or null if it was not run. */
    public WorkloadResult workload(String workload) {
        for (WorkloadResult w : workloads) {
            if (w.workload().equals(workload)) {
                return w;
            }
        }
        return null;
    }
}
