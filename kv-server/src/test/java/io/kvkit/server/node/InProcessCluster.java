package io.kvkit.server.node;

import io.kvkit.server.config.NodeConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * N nodes of one cluster in this JVM, on 127.0.0.1 with free ports: the fast way to test routing,
 * forwarding and tables. Crash tests (kill -9) run nodes as processes instead.
 */
final class InProcessCluster implements AutoCloseable {
    final List<NodeConfig> configs;
    final TreeMap<Long, KvNode> nodes = new TreeMap<>();

    InProcessCluster(Path dir, int n, int partitions, int replication, int metaReplicas, String engine) {
        List<NodeConfig.Member> members = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            members.add(new NodeConfig.Member(i, "127.0.0.1", freePort(), freePort(), freePort(), freePort()));
        }
        configs = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            configs.add(new NodeConfig(i, dir.resolve("node-" + i), "127.0.0.1", members, partitions, replication, metaReplicas,
                    engine, Map.of(), Duration.ofMillis(50), 10, true, true, 1, 100_000, Duration.ofSeconds(5),
                    16 * 1024, 4 * 1024 * 1024, 1024, 1));
        }
    }

    InProcessCluster startAll() {
        for (NodeConfig c : configs) {
            start(c.nodeId());
        }
        return this;
    }

    KvNode start(long id) {
        KvNode node = KvNode.start(configs.get((int) id - 1));
        nodes.put(id, node);
        return node;
    }

    /**
     * Starts node {@code id} (the next after the founders, or one stopped before) joining through
     * node {@code seed}: its own configuration lists only itself.
     */
    KvNode join(long id, long seed) {
        NodeConfig base = configs.getFirst();
        while (configs.size() < id) {
            int next = configs.size() + 1;
            NodeConfig.Member m = new NodeConfig.Member(next, "127.0.0.1", freePort(), freePort(), freePort(), freePort());
            configs.add(new NodeConfig(next, base.dataDir().resolveSibling("node-" + next), "127.0.0.1", List.of(m), base.partitions(),
                    base.replicationFactor(), base.metaReplicas(), base.defaultEngine(), base.defaultEngineOptions(), base.tickInterval(),
                    base.electionTicks(), base.syncWrites(), base.leaseReads(), base.raftWorkerThreads(), base.snapshotEveryEntries(),
                    base.requestTimeout(), base.maxKeyBytes(), base.maxValueBytes(), base.maxInFlightPerConnection(),
                    base.clientIoThreads()));
        }
        KvNode node = KvNode.start(configs.get((int) id - 1).withJoin(clientAddress(seed)));
        nodes.put(id, node);
        return node;
    }

    void stop(long id) {
        KvNode node = nodes.remove(id);
        if (node != null) {
            node.close();
        }
    }

    String clientAddress(long id) {
        NodeConfig.Member m = configs.get((int) id - 1).self();
        return m.clientAddress();
    }

    List<String> clientAddresses() {
        return configs.stream().map(c -> c.self().clientAddress()).toList();
    }

    /**
     * Ports this JVM has handed out. A port is only probed, not held, so without this two members
     * of one cluster could be given the same free port (seen: "members 1 and 2 have the same raft
     * address"); tests use a few hundred at most, out of 12,000.
     */
    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * A port that is free now, below the kernel's ephemeral range (32768 and up on Linux), so the
     * outgoing connections of other nodes cannot take it between this check and the bind.
     */
    static int freePort() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = random.nextInt(20_000, 32_000);
            if (!HANDED_OUT.add(port)) {
                continue; // free now, but already given to another node of this JVM that has not bound it yet
            }
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException busy) {
                // taken: try another
            }
        }
        throw new UncheckedIOException(new IOException("no free port in 20000..31999 after 1000 attempts"));
    }

    @Override
    public void close() {
        for (KvNode n : nodes.values()) {
            n.close();
        }
        nodes.clear();
    }
}
