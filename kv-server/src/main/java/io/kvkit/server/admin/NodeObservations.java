package io.kvkit.server.admin;

/**
 * What a node shows on its admin port ({@link AdminEndpoint}). The node implements it; every
 * method is called on the admin endpoint's I/O thread, one request at a time, and should return
 * promptly (read counters and statuses, no I/O waits).
 */
public interface NodeObservations {
    long nodeId();

    /** Whether the node serves clients now: {@code /health} answers 200 if so, 503 if not. */
    boolean serving();

    /** The cluster as this node sees it, for {@code /status}. */
    StatusView status();

    /**
     * The node's own metrics for {@code /metrics} (requests, Raft, storage, endpoints). The
     * endpoint adds the JVM's ({@link JvmMetrics}) itself.
     */
    void writeMetrics(MetricsWriter out);
}
