package io.kvkit.client;

import io.kvkit.client.proto.NodeInfo;
import io.kvkit.client.proto.PartitionInfo;
import io.kvkit.client.proto.RouteResponse;
import io.kvkit.client.proto.TableInfo;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable routing table as a node answered a route request: the ring epoch, the
 * partition count Q, the nodes with their client addresses, each partition's replicas and
 * leader (a hint: leadership moves without a new epoch), and the tables.
 */
public final class Topology {
    private final long epoch;
    private final KeyPartitioner partitioner;
    private final Map<Long, InetSocketAddress> nodes;
    private final long[][] replicas;
    private final long[] leaders;
    private final List<TableDescriptor> tables;

    private Topology(long epoch, KeyPartitioner partitioner, Map<Long, InetSocketAddress> nodes, long[][] replicas,
                     long[] leaders, List<TableDescriptor> tables) {
        this.epoch = epoch;
        this.partitioner = partitioner;
        this.nodes = nodes;
        this.replicas = replicas;
        this.leaders = leaders;
        this.tables = tables;
    }

    /** Checks and converts a route answer; a broken one is a {@link KvProtocolException} saying what is wrong. */
    public static Topology fromWire(RouteResponse r) {
        KeyPartitioner partitioner;
        try {
            partitioner = new KeyPartitioner(r.getPartitionCount());
        } catch (IllegalArgumentException e) {
            throw new KvProtocolException("route answer: " + e.getMessage());
        }
        Map<Long, InetSocketAddress> nodes = new HashMap<>();
        for (NodeInfo n : r.getNodesList()) {
            if (n.getNodeId() == 0) {
                throw new KvProtocolException("route answer: node id 0 is not allowed");
            }
            nodes.put(n.getNodeId(), parseAddress(n.getAddress(), "node " + n.getNodeId()));
        }
        int q = r.getPartitionCount();
        if (r.getPartitionsCount() != q) {
            throw new KvProtocolException("route answer: " + r.getPartitionsCount() + " partitions listed, partition_count is " + q);
        }
        long[][] replicas = new long[q][];
        long[] leaders = new long[q];
        for (PartitionInfo p : r.getPartitionsList()) {
            int id = p.getPartitionId();
            if (id < 0 || id >= q || replicas[id] != null) {
                throw new KvProtocolException("route answer: partition id " + id + " is out of [0, " + q + ") or listed twice");
            }
            replicas[id] = p.getReplicaNodeIdsList().stream().mapToLong(Long::longValue).toArray();
            for (long node : replicas[id]) {
                if (!nodes.containsKey(node)) {
                    throw new KvProtocolException("route answer: partition " + id + " has replica node " + node + ", which is not listed");
                }
            }
            leaders[id] = nodes.containsKey(p.getLeaderNodeId()) ? p.getLeaderNodeId() : 0;
        }
        List<TableDescriptor> tables = new ArrayList<>();
        for (TableInfo t : r.getTablesList()) {
            tables.add(TableDescriptor.fromWire(t));
        }
        return new Topology(r.getEpoch(), partitioner, Map.copyOf(nodes), replicas, leaders, List.copyOf(tables));
    }

    /** "host:port" to an unresolved-if-needed address; a malformed one is a protocol error. */
    static InetSocketAddress parseAddress(String hostPort, String whose) {
        int colon = hostPort.lastIndexOf(':');
        try {
            if (colon <= 0) {
                throw new NumberFormatException("no ':'");
            }
            String host = hostPort.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port = Integer.parseInt(hostPort.substring(colon + 1));
            return new InetSocketAddress(host, port);
        } catch (IllegalArgumentException e) {
            throw new KvProtocolException("address of " + whose + " is '" + hostPort + "'; expected host:port");
        }
    }

    public long epoch() {
        return epoch;
    }

    public int partitionCount() {
        return partitioner.partitionCount();
    }

    public KeyPartitioner partitioner() {
        return partitioner;
    }

    public int partitionOf(byte[] key) {
        return partitioner.partitionOf(key);
    }

    public Map<Long, InetSocketAddress> nodes() {
        return nodes;
    }

    public InetSocketAddress addressOf(long node) {
        return nodes.get(node);
    }

    /** The partition's replica node ids. */
    public long[] replicasOf(int partition) {
        return replicas[partition].clone();
    }

    /** The node believed to lead the partition, 0 if unknown. */
    public long leaderOf(int partition) {
        return leaders[partition];
    }

    public List<TableDescriptor> tables() {
        return tables;
    }

    /** The table named {@code name}, or null. */
    public TableDescriptor table(String name) {
        for (TableDescriptor t : tables) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** This topology with {@code node} (at {@code address} if it is new) as the partition's leader. */
    Topology withLeader(int partition, long node, InetSocketAddress address) {
        if (leaders[partition] == node) {
            return this;
        }
        Map<Long, InetSocketAddress> n = nodes;
        if (!nodes.containsKey(node)) {
            if (address == null) {
                return this;
            }
            n = new HashMap<>(nodes);
            n.put(node, address);
            n = Map.copyOf(n);
        }
        long[] l = leaders.clone();
        l[partition] = node;
        return new Topology(epoch, partitioner, n, replicas, l, tables);
    }

    @Override
    public String toString() {
        return "Topology{epoch=" + epoch + ", partitions=" + partitionCount() + ", nodes=" + nodes.keySet()
                + ", leaders=" + Arrays.toString(leaders) + ", tables=" + tables.stream().map(TableDescriptor::name).toList() + "}";
    }
}
