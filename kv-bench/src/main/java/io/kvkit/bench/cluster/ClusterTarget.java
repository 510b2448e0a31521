package io.kvkit.bench.cluster;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A replicated key-value store run as separate server processes on loopback, as the cluster
 * benchmark sees it: started, loaded through its own client, measured, partly killed, stopped.
 * One implementation per system (etcd today; kvkit's multi-Raft runtime next).
 *
 * <p>Order of use: {@link #start}, then any number of puts, gets, kills and restarts, then
 * {@link #close} (which must also work after a failed start, and is idempotent).
 * Operations return futures so one benchmark thread can keep many requests in flight;
 * a future completes when the system acknowledged the request (puts: committed by a majority).
 */
public interface ClusterTarget extends AutoCloseable {

    /** Short name used in results and on the command line, e.g. "etcd". */
    String name();

    /** The system and version, e.g. "etcd 3.4.23 (Debian etcd-server)". */
    String version();

    /** Every setting that matters for the figures (durability, timeouts, client connections). */
    Map<String, String> settings();

    /**
     * The most Raft groups this target can spread keys over. etcd runs one Raft group per
     * cluster, so it answers 1 and the benchmark does not run its multi-group points.
     */
    int maxGroups();

    /**
     * Starts {@code nodes} server processes on 127.0.0.1 with the keys spread over {@code groups}
     * Raft groups, their data under {@code dataDir} (which the target owns until {@link #close}),
     * and returns when every group has a leader and the client is connected.
     */
    void start(int nodes, int groups, Path dataDir) throws IOException, InterruptedException;

    /** A durable put, acknowledged once committed. */
    CompletableFuture<Void> put(byte[] key, byte[] value);

    /** A linearizable read (etcd: Range with serializable=false; kvkit: ReadIndex); null when absent. */
    CompletableFuture<byte[]> linearizableGet(byte[] key);

    /** Index (0..nodes-1) of the node process that leads the group holding {@code key}. */
    int leaderNode(byte[] key) throws IOException, InterruptedException;

    /** Sends SIGKILL to node {@code node}'s process and waits until it is gone. */
    void kill(int node) throws InterruptedException;

    /**
     * One write attempt after a failure: sent to a live node (the target chooses; any node that
     * may accept it), failing if not committed within {@code deadline}. The failover measurement
     * sends these repeatedly until one commits.
     */
    CompletableFuture<Void> putAfterFailure(byte[] key, byte[] value, Duration deadline);

    /** Restarts a killed node on its old data and returns once every node serves and every group has a leader. */
    void restart(int node) throws IOException, InterruptedException;

    /** Bytes allocated on disk ({@code du}) by all nodes' data directories. */
    long dataBytesAllocated();

    /** Sum of the file sizes in all nodes' data directories. */
    long dataBytesApparent();

    /**
     * utime + stime, in nanoseconds, of each node's server process so far (from
     * /proc/&lt;pid&gt;/stat), indexed by node; -1 for a node that is not running.
     */
    long[] serverCpuNanosPerNode();

    /** utime + stime, in nanoseconds, of all live server processes. */
    default long serverCpuNanos() {
        long sum = 0;
        for (long c : serverCpuNanosPerNode()) {
            sum += Math.max(0, c);
        }
        return sum;
    }

    /**
     * Writes each node's log into {@code dir} (one file per node), with paths of this machine
     * (the data directory) replaced by placeholders, so the logs can be committed with results.
     */
    void saveLogs(Path dir) throws IOException;

    /** Stops every process and lets go of the data directory. Idempotent. */
    @Override
    void close();
}
