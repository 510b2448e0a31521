package io.kvkit.server.meta;

import io.kvkit.ring.KeyHasher;
import io.kvkit.ring.NodeState;
import io.kvkit.ring.Ring;
import io.kvkit.ring.RingNode;
import io.kvkit.ring.RingOptions;
import io.kvkit.server.config.NodeConfig;
import io.kvkit.server.partition.TableName;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The cluster's first state, computed by every founding node from its own copy of the founding
 * settings, the way etcd seeds a cluster from {@code --initial-cluster}: nothing is exchanged, so
 * every founder must compute the very same state (and the same bytes) whatever order its config
 * lists the members in. Members are taken in id order; the ring's placement is deterministic.
 */
public final class ClusterBootstrap {

    private ClusterBootstrap() {
    }

    /**
     * The state every founding node computes identically from its config: epoch 1, every member
     * UP with standard weight, the ring over all members (each partition's replica set is the
     * ring's, ordered by {@link PreferredLeaders#spread} so that every node is the preferred leader
     * of its share of the partitions), the meta group on the first {@code metaReplicas} members by
     * id, and the {@code default} table. (States founded before that ordering list the sets in ring
     * order; they decode unchanged.)
     *
     * @throws IllegalArgumentException naming the setting, its value and what is allowed (see
     *                                  {@link #checkSettings})
     */
    public static ClusterState initialState(List<NodeConfig.Member> members, int partitions, int replicationFactor,
                                            int metaReplicas, String defaultEngine, Map<String, String> defaultEngineOptions) {
        checkSettings(members, partitions, replicationFactor, metaReplicas, defaultEngine, defaultEngineOptions);
        List<NodeConfig.Member> sorted = sortedById(members);
        TreeMap<Long, NodeRecord> nodes = new TreeMap<>();
        List<RingNode> ringNodes = new ArrayList<>(sorted.size());
        for (NodeConfig.Member m : sorted) {
            nodes.put(m.id(), new NodeRecord(m.id(), m.raftAddress(), m.clientAddress(), address(m.host(), m.adminPort()),
                    address(m.host(), m.respPort()), RingNode.STANDARD_WEIGHT, NodeStatus.UP));
            ringNodes.add(new RingNode(Math.toIntExact(m.id()), m.raftAddress(), "", RingNode.STANDARD_WEIGHT, NodeState.UP));
        }
        Ring ring = Ring.create(RingOptions.defaults().withPartitionCount(partitions).withReplicationFactor(replicationFactor),
                ringNodes);
        List<List<Long>> ringSets = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) {
            List<Long> set = new ArrayList<>(replicationFactor);
            for (RingNode n : ring.replicas(p)) {
                set.add((long) n.id());
            }
            ringSets.add(set);
        }
        Map<Long, Integer> weights = new TreeMap<>();
        ring.nodes().forEach(n -> weights.put((long) n.id(), n.weight()));
        List<List<Long>> replicas = PreferredLeaders.spread(ringSets, weights);
        List<Long> meta = sorted.subList(0, metaReplicas).stream().map(NodeConfig.Member::id).toList();
        TableRecord defaultTable = new TableRecord(TableName.DEFAULT, defaultEngine, defaultEngineOptions);
        long clusterId = clusterId(sorted, partitions, replicationFactor, metaReplicas, defaultEngine, defaultEngineOptions);
        return new ClusterState(clusterId, 1, partitions, replicationFactor, meta, nodes, ring, replicas,
                Map.of(TableName.DEFAULT, defaultTable));
    }

    /**
     * Checks the founding settings without building anything (the config loader calls it to
     * report a bad config before the node starts). The rules: at least one member; member ids in
     * 1..{@value Integer#MAX_VALUE} and unique; raft and client addresses unique; ports in
     * 0..65535; {@code partitions} a power of two in 1..{@value RingOptions#MAX_PARTITION_COUNT};
     * {@code replicationFactor} in 1..min({@value RingOptions#MAX_REPLICATION_FACTOR}, member
     * count); {@code metaReplicas} odd and in 1..member count; {@code defaultEngine} a registered
     * engine and {@code defaultEngineOptions} options it declares.
     *
     * @throws IllegalArgumentException naming the setting, its value and what is allowed
     */
    public static void checkSettings(List<NodeConfig.Member> members, int partitions, int replicationFactor,
                                     int metaReplicas, String defaultEngine, Map<String, String> defaultEngineOptions) {
        Objects.requireNonNull(members, "initialCluster");
        if (members.isEmpty()) {
            throw new IllegalArgumentException("initialCluster is empty (allowed: at least one member)");
        }
        Map<Long, NodeConfig.Member> byId = new HashMap<>();
        Map<String, Long> raftAddresses = new HashMap<>();
        Map<String, Long> clientAddresses = new HashMap<>();
        for (NodeConfig.Member m : sortedById(members)) {
            if (m.id() < 1 || m.id() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("initialCluster: member id " + m.id() + " is not allowed (allowed: 1.."
                        + Integer.MAX_VALUE + ")");
            }
            if (byId.put(m.id(), m) != null) {
                throw new IllegalArgumentException("initialCluster: member id " + m.id() + " appears twice (ids must be unique)");
            }
            if (m.host().isEmpty()) {
                throw new IllegalArgumentException("initialCluster: member " + m.id() + " has an empty host (allowed: a host name or IP address)");
            }
            checkPort(m, "raftPort", m.raftPort());
            checkPort(m, "clientPort", m.clientPort());
            checkPort(m, "adminPort", m.adminPort());
            checkPort(m, "respPort", m.respPort());
            Long other = raftAddresses.putIfAbsent(m.raftAddress(), m.id());
            if (other != null) {
                throw new IllegalArgumentException("initialCluster: members " + other + " and " + m.id()
                        + " have the same raft address " + m.raftAddress() + " (raft addresses must be unique)");
            }
            other = clientAddresses.putIfAbsent(m.clientAddress(), m.id());
            if (other != null) {
                throw new IllegalArgumentException("initialCluster: members " + other + " and " + m.id()
                        + " have the same client address " + m.clientAddress() + " (client addresses must be unique)");
            }
        }
        checkPartitions(partitions);
        checkReplicationFactor(replicationFactor, members.size());
        checkMetaReplicas(metaReplicas, members.size());
        Objects.requireNonNull(defaultEngineOptions, "defaultEngineOptions");
        TableEngines.check("defaultEngine", Objects.requireNonNull(defaultEngine, "defaultEngine"), defaultEngineOptions);
    }

    /** {@code partitions}: a power of two within the ring's limits. */
    public static void checkPartitions(int partitions) {
        if (partitions < 1 || partitions > RingOptions.MAX_PARTITION_COUNT || Integer.bitCount(partitions) != 1) {
            throw new IllegalArgumentException("partitions " + partitions + " is not allowed (allowed: a power of two in 1.."
                    + RingOptions.MAX_PARTITION_COUNT + ", e.g. 64)");
        }
    }

    /** {@code replicationFactor}: 1..min(7, member count). */
    public static void checkReplicationFactor(int replicationFactor, int memberCount) {
        if (replicationFactor < 1 || replicationFactor > RingOptions.MAX_REPLICATION_FACTOR) {
            throw new IllegalArgumentException("replicationFactor " + replicationFactor + " is not allowed (allowed: 1.."
                    + RingOptions.MAX_REPLICATION_FACTOR + ", at most the member count)");
        }
        if (replicationFactor > memberCount) {
            throw new IllegalArgumentException("replicationFactor " + replicationFactor + " needs at least " + replicationFactor
                    + " members; the initial cluster has " + memberCount + " (set replicationFactor: "
                    + Math.min(memberCount, RingOptions.MAX_REPLICATION_FACTOR) + ")");
        }
    }

    /**
     * {@code metaReplicas}: odd (a majority of an even group tolerates no more failures than the
     * odd group one smaller) and 1..member count.
     */
    public static void checkMetaReplicas(int metaReplicas, int memberCount) {
        int suggestion = memberCount % 2 == 1 ? memberCount : memberCount - 1;
        if (metaReplicas > memberCount && metaReplicas > 0) {
            throw new IllegalArgumentException("metaReplicas " + metaReplicas + " needs at least " + metaReplicas
                    + " members; the initial cluster has " + memberCount + " (set metaReplicas: " + Math.min(suggestion, 5)
                    + "; allowed: an odd number in 1.." + memberCount + ")");
        }
        if (metaReplicas < 1 || metaReplicas % 2 == 0) {
            throw new IllegalArgumentException("metaReplicas " + metaReplicas + " is not allowed (allowed: an odd number in 1.."
                    + memberCount + "; an even meta group tolerates no more failures than one member fewer)");
        }
    }

    /**
     * A deterministic id of the founding settings: XXHash64 over a canonical encoding of the
     * members (by id, every field), Q, R, the meta group size and the default table's engine and
     * options (sorted). Two clusters founded from identical settings get the same id: that is
     * what lets every founder compute it alone.
     */
    private static long clusterId(List<NodeConfig.Member> sorted, int partitions, int replicationFactor, int metaReplicas,
                                  String defaultEngine, Map<String, String> defaultEngineOptions) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeUTF("kvkit cluster v1");
            out.writeInt(sorted.size());
            for (NodeConfig.Member m : sorted) {
                out.writeLong(m.id());
                out.writeUTF(m.host());
                out.writeInt(m.raftPort());
                out.writeInt(m.clientPort());
                out.writeInt(m.adminPort());
                out.writeInt(m.respPort());
            }
            out.writeInt(partitions);
            out.writeInt(replicationFactor);
            out.writeInt(metaReplicas);
            out.writeUTF(defaultEngine);
            TreeMap<String, String> options = new TreeMap<>(defaultEngineOptions);
            out.writeInt(options.size());
            for (Map.Entry<String, String> e : options.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeUTF(e.getValue());
            }
            out.flush();
            long id = KeyHasher.hash64(bytes.toByteArray());
            return id == 0 ? 1 : id; // 0 reads as "no cluster id" wherever one is stored
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory failed", e);
        }
    }

    private static List<NodeConfig.Member> sortedById(List<NodeConfig.Member> members) {
        List<NodeConfig.Member> sorted = new ArrayList<>(members);
        sorted.sort(Comparator.comparingLong(NodeConfig.Member::id));
        return sorted;
    }

    private static void checkPort(NodeConfig.Member m, String name, int port) {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("initialCluster: member " + m.id() + ": " + name + " " + port
                    + " is not allowed (allowed: 0..65535)");
        }
    }

    private static String address(String host, int port) {
        return port == 0 ? "" : host + ":" + port;
    }
}
