package io.kvkit.bench.cluster;

import io.kvkit.bench.cluster.etcdpb.RangeResponse;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * etcd as a cluster benchmark target: an {@link EtcdCluster} of members with default settings,
 * and an {@link EtcdClient} per member. One etcd cluster is one Raft group, so {@link #maxGroups}
 * is 1.
 *
 * <p>Benchmark requests go to the leader, as a client that knows the leader (kvkit's routing
 * client does) would send them: followers would forward each put to the leader, adding a hop
 * that is not etcd's cost but the client's choice. After a kill, write attempts go round-robin
 * to the live members, and the leader is found again after the restart.
 */
public final class EtcdTarget implements ClusterTarget {
    /** Request deadline of measured operations: far above any healthy latency, so a stuck request shows up as an error. */
    static final Duration REQUEST_DEADLINE = Duration.ofSeconds(10);

    private final Path etcd;
    private final String version;
    private final int channelsPerMember;
    private EtcdCluster cluster;
    private EtcdClient[] clients;
    private volatile int leader = -1;
    private final AtomicInteger probeTurn = new AtomicInteger();

    /** etcd binary to run, and the gRPC channels (TCP connections) the benchmark opens to each member. */
    public EtcdTarget(Path etcd, int channelsPerMember) {
        this.etcd = etcd;
        this.version = EtcdBinary.version(etcd);
        this.channelsPerMember = channelsPerMember;
    }

    @Override
    public String name() {
        return "etcd";
    }

    @Override
    public String version() {
        return version;
    }

    @Override
    public Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("server settings", "etcd defaults: --heartbeat-interval 100 ms, --election-timeout 1000 ms, WAL fsync per append "
                + "(batched by etcd's Raft loop), --snapshot-count default, no auto-compaction, no --unsafe-no-fsync");
        s.put("flags given", "--name, --data-dir, client and peer URLs on free 127.0.0.1 ports, --initial-cluster, "
                + "--initial-cluster-token, --initial-cluster-state new");
        s.put("groups", "1: one etcd cluster is one Raft group; multi-group points are not run for etcd");
        s.put("client", "gRPC-java " + io.grpc.Grpc.class.getPackage().getImplementationVersion()
                + " (netty-shaded), messages wire-compatible with etcd's rpc.proto, " + channelsPerMember
                + " channels per member round-robin, direct executor, no retries");
        s.put("requests go to", "the leader (puts and linearizable reads); after a kill, write attempts rotate over live members");
        s.put("put", "KV.Put, no lease, no prev_kv");
        s.put("linearizable get", "KV.Range of one key, serializable=false (ReadIndex through the leader)");
        s.put("request deadline", REQUEST_DEADLINE.toSeconds() + " s");
        return s;
    }

    @Override
    public int maxGroups() {
        return 1;
    }

    @Override
    public void start(int nodes, int groups, Path dataDir) throws IOException, InterruptedException {
        if (groups != 1) {
            throw new IllegalArgumentException("etcd runs one Raft group per cluster; cannot start it with " + groups + " groups");
        }
        if (cluster != null) {
            throw new IllegalStateException("etcd target already started");
        }
        cluster = new EtcdCluster(etcd, dataDir, nodes);
        cluster.start();
        clients = new EtcdClient[nodes];
        for (int i = 0; i < nodes; i++) {
            clients[i] = new EtcdClient(cluster.clientPort(i), channelsPerMember);
        }
        leader = cluster.leaderIndex();
    }

    @Override
    public CompletableFuture<Void> put(byte[] key, byte[] value) {
        return clients[leader].put(key, value, REQUEST_DEADLINE).thenApply(r -> null);
    }

    @Override
    public CompletableFuture<byte[]> linearizableGet(byte[] key) {
        return clients[leader].get(key, true, REQUEST_DEADLINE).thenApply(EtcdTarget::valueOf);
    }

    private static byte[] valueOf(RangeResponse r) {
        return r.getKvsCount() == 0 ? null : r.getKvs(0).getValue().toByteArray();
    }

    @Override
    public int leaderNode(byte[] key) throws InterruptedException {
        leader = cluster.leaderIndex();
        return leader;
    }

    @Override
    public void kill(int node) throws InterruptedException {
        cluster.kill(node);
    }

    @Override
    public CompletableFuture<Void> putAfterFailure(byte[] key, byte[] value, Duration deadline) {
        int n = clients.length;
        for (int tries = 0; tries < n; tries++) {
            int i = Math.floorMod(probeTurn.getAndIncrement(), n);
            if (cluster.isAlive(i)) {
                return clients[i].put(key, value, deadline).thenApply(r -> null);
            }
        }
        return CompletableFuture.failedFuture(new IllegalStateException("no live etcd member"));
    }

    @Override
    public void restart(int node) throws IOException, InterruptedException {
        cluster.restart(node);
        // the old channels to this member are in gRPC's reconnect back-off; open new ones
        clients[node].close();
        clients[node] = new EtcdClient(cluster.clientPort(node), channelsPerMember);
        leader = cluster.leaderIndex();
    }

    @Override
    public long dataBytesAllocated() {
        return cluster.dataBytesAllocated();
    }

    @Override
    public long dataBytesApparent() {
        return cluster.dataBytesApparent();
    }

    @Override
    public long[] serverCpuNanosPerNode() {
        return cluster.cpuNanosPerMember();
    }

    @Override
    public void saveLogs(Path dir) throws IOException {
        if (cluster != null) {
            cluster.saveLogs(dir);
        }
    }

    @Override
    public void close() {
        if (clients != null) {
            for (EtcdClient c : clients) {
                if (c != null) {
                    c.close();
                }
            }
            clients = null;
        }
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }
}
