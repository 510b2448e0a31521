package io.kvkit.bench.cluster;

import io.kvkit.bench.report.DirectorySize;
import io.kvkit.raft.example.ClientProtocol;
import io.kvkit.ring.KeyHasher;
import io.kvkit.raft.example.LocalCluster;
import io.kvkit.raft.example.RaftKvClient;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * kvkit as a cluster benchmark target: the nodes of kv-raft-example (the multi-Raft runtime,
 * the shared Raft log, the Netty transport and an in-memory KV state machine) as processes on
 * loopback, driven through the example's pipelined client. Keys are spread over the groups by
 * hash; every node is a member of every group, and the client sends each request to its
 * group's leader.
 */
public final class KvkitTarget implements ClusterTarget {

    static final long REQUEST_TIMEOUT_MILLIS = 10_000;

    private LocalCluster cluster;
    private RaftKvClient client;
    private Path dataDir;
    private int nodes;
    private int groups;

    @Override
    public String name() {
        return "kvkit";
    }

    @Override
    public String version() {
        return "kvkit 0.1.0-SNAPSHOT (kv-raft runtime, kv-raft-example nodes)";
    }

    @Override
    public Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("server settings", "kv-raft-example defaults: tick 50 ms, heartbeat 1 tick, election timeout 10-20 ticks "
                + "(0.5-1 s), PreVote and CheckQuorum on, SharedRaftLogStore with one fsync (fdatasync) per runtime round "
                + "shared by every group, snapshot every 100,000 entries (etcd's default --snapshot-count)");
        s.put("state machine", "in-memory map (the log is durable; the map is rebuilt from snapshot and log on restart)");
        s.put("client", "kv-raft-example RaftKvClient: one pipelined TCP connection per node, requests to the group's "
                + "leader, NOT_LEADER hints followed");
        s.put("put", "proposed on the leader, acknowledged once committed by a quorum (fsynced on each member) and applied");
        s.put("linearizable get", "ReadIndex on the leader (heartbeat round), served once applied");
        s.put("keys to groups", "XXHash64 of the key (kv-ring's KeyHasher) modulo the number of groups");
        s.put("request deadline", REQUEST_TIMEOUT_MILLIS / 1000 + " s");
        return s;
    }

    @Override
    public int maxGroups() {
        return 1_024;
    }

    @Override
    public void start(int nodes, int groups, Path dataDir) throws IOException, InterruptedException {
        if (cluster != null) {
            throw new IllegalStateException("kvkit target already started");
        }
        this.nodes = nodes;
        this.groups = groups;
        this.dataDir = dataDir;
        cluster = new LocalCluster(dataDir, nodes, groups).withHeapMegabytes(1024);
        try {
            cluster.startAll();
        } catch (IOException | InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("kvkit nodes did not start: " + e.getMessage(), e);
        }
        client = cluster.client(REQUEST_TIMEOUT_MILLIS);
        awaitLeaders();
    }

    /** One write per group: returns once every group has a leader that commits. */
    private void awaitLeaders() throws IOException {
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (int g = 1; g <= groups; g++) {
            int group = g;
            byte[] key = ("warmup-" + g).getBytes(StandardCharsets.UTF_8);
            writes.add(client.put(group, key, key).exceptionallyCompose(e -> client.put(group, key, key)));
        }
        try {
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("not every kvkit group committed a write within 120 s: " + e.getMessage(), e);
        }
    }

    int groupOf(byte[] key) {
        // the ring's key hash (XXHash64): Arrays.hashCode spreads 16-byte keys poorly
        return (int) Math.floorMod(KeyHasher.hash64(key), (long) groups) + 1;
    }

    @Override
    public CompletableFuture<Void> put(byte[] key, byte[] value) {
        return client.put(groupOf(key), key, value);
    }

    @Override
    public CompletableFuture<byte[]> linearizableGet(byte[] key) {
        return client.get(groupOf(key), key, ClientProtocol.Consistency.LINEARIZABLE);
    }

    @Override
    public int leaderNode(byte[] key) throws IOException {
        try {
            client.get(groupOf(key), key, ClientProtocol.Consistency.LINEARIZABLE).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("could not reach the leader of key's group: " + e.getMessage(), e);
        }
        return (int) client.cachedLeader(groupOf(key)) - 1;
    }

    @Override
    public void kill(int node) throws InterruptedException {
        cluster.kill9(node + 1);
    }

    @Override
    public CompletableFuture<Void> putAfterFailure(byte[] key, byte[] value, Duration deadline) {
        // the client tries the cached leader, then the others, through the election, until the deadline
        return client.put(groupOf(key), key, value).orTimeout(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void restart(int node) throws IOException, InterruptedException {
        try {
            cluster.start(node + 1);
        } catch (IOException | InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("kvkit node " + (node + 1) + " did not restart: " + e.getMessage(), e);
        }
        awaitLeaders();
    }

    @Override
    public long dataBytesAllocated() {
        long sum = 0;
        for (int n = 1; n <= nodes; n++) {
            sum += DirectorySize.allocatedBytes(dataDir.resolve("node-" + n));
        }
        return sum;
    }

    @Override
    public long dataBytesApparent() {
        long sum = 0;
        for (int n = 1; n <= nodes; n++) {
            sum += DirectorySize.apparentBytes(dataDir.resolve("node-" + n));
        }
        return sum;
    }

    @Override
    public long[] serverCpuNanosPerNode() {
        long[] cpu = new long[nodes];
        for (int n = 1; n <= nodes; n++) {
            Process p = cluster.process(n);
            cpu[n - 1] = p != null && p.isAlive() ? ProcessCpu.cpuNanos(p.pid()) : -1;
        }
        return cpu;
    }

    @Override
    public void saveLogs(Path dir) throws IOException {
        if (cluster == null) {
            return;
        }
        Files.createDirectories(dir);
        String root = dataDir.toAbsolutePath().toString();
        for (int n = 1; n <= nodes; n++) {
            Path log = cluster.log(n);
            if (Files.exists(log)) {
                List<String> lines = EtcdCluster.keptLogLines(Files.readAllLines(log, StandardCharsets.UTF_8));
                List<String> kept = new ArrayList<>();
                for (String line : lines) {
                    kept.add(line.replace(root, "<data-dir>").replace(System.getProperty("user.home"), "~"));
                }
                Files.write(dir.resolve("kvkit-node-" + n + ".log"), kept, StandardCharsets.UTF_8);
            }
        }
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }
}
