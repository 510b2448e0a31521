package io.kvkit.server.meta;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kvkit.client.proto.NodeInfo;
import io.kvkit.client.proto.PartitionInfo;
import io.kvkit.client.proto.RouteResponse;
import io.kvkit.ring.Ring;
import io.kvkit.ring.RingCodec;
import io.kvkit.ring.RingNode;
import io.kvkit.ring.RingOptions;
import io.kvkit.server.meta.proto.ClusterStateBody;
import io.kvkit.server.meta.proto.NodeEntry;
import io.kvkit.server.meta.proto.NodeStatusCode;
import io.kvkit.server.meta.proto.OptionEntry;
import io.kvkit.server.meta.proto.ReplicaSet;
import io.kvkit.server.meta.proto.TableEntry;
import io.kvkit.server.partition.TableName;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.LongUnaryOperator;
import java.util.zip.CRC32C;

/**
 * The whole replicated truth of a cluster at one epoch: its nodes, the ring, each partition's
 * replica set and the tables. Immutable; the meta group's state machine replaces it as a whole
 * on every change, so readers on any thread see one consistent value.
 *
 * <p>Each partition has a TARGET replica set ({@link #replicas}: the ring's replica list, in ring
 * order, the first being the preferred leader; every node change recomputes it from the new
 * ring) and a CURRENT membership ({@link #membership}: its Raft group's committed voters and
 * learners, as its leader reported them). They differ while the partition moves.
 *
 * <h2>Encoding ({@link #encode()}, format version 1, big-endian)</h2>
 * <pre>
 * offset size  field
 * 0      4     magic "KVMS"
 * 4      1     format version (1)
 * 5      4     body length L
 * 9      L     body: meta.proto ClusterStateBody (every repeated field in ascending order, the
 *              ring as RingCodec bytes)
 * 9+L    4     CRC32C of every byte before it
 * </pre>
 * Equal states encode to identical bytes. {@link #decode} checks length, magic, version and
 * checksum before parsing, then every rule a state obeys; any failure is a
 * {@link ClusterStateFormatException} saying what is wrong.
 */
public final class ClusterState {
    public static final int FORMAT_VERSION = 1;
    private static final int MAGIC = 0x4B564D53; // "KVMS"
    private static final int HEADER_BYTES = 9;
    private static final int TRAILER_BYTES = 4;

    private final long clusterId;
    private final long epoch;
    private final int partitionCount;
    private final int replicationFactor;
    private final List<Long> metaMembers;
    private final SortedMap<Long, NodeRecord> nodes;
    private final Ring ring;
    private final List<List<Long>> replicas;
    private final List<PartitionMembership> memberships;
    private final SortedMap<String, TableRecord> tables;
    private final Map<Long, List<Integer>> partitionsByNode;

    /**
     * Checks every rule of a state (see the exceptions) and copies the collections.
     *
     * @throws IllegalArgumentException naming the rule broken
     */
    ClusterState(long clusterId, long epoch, int partitionCount, int replicationFactor, List<Long> metaMembers,
                 Map<Long, NodeRecord> nodes, Ring ring, List<List<Long>> replicas, Map<String, TableRecord> tables) {
        this(clusterId, epoch, partitionCount, replicationFactor, metaMembers, nodes, ring, replicas,
                replicas.stream().map(PartitionMembership::founding).toList(), tables);
    }

    /**
     * As above, with each partition's current membership ({@link PartitionMembership}) given.
     *
     * @throws IllegalArgumentException naming the rule broken
     */
    ClusterState(long clusterId, long epoch, int partitionCount, int replicationFactor, List<Long> metaMembers,
                 Map<Long, NodeRecord> nodes, Ring ring, List<List<Long>> replicas, List<PartitionMembership> memberships,
                 Map<String, TableRecord> tables) {
        if (epoch < 1) {
            throw new IllegalArgumentException("epoch " + epoch + " is not allowed (allowed: 1 or more)");
        }
        if (partitionCount < 1 || partitionCount > RingOptions.MAX_PARTITION_COUNT || Integer.bitCount(partitionCount) != 1) {
            throw new IllegalArgumentException("partition count " + partitionCount + " is not allowed (allowed: a power of two in 1.."
                    + RingOptions.MAX_PARTITION_COUNT + ")");
        }
        if (replicationFactor < 1 || replicationFactor > RingOptions.MAX_REPLICATION_FACTOR) {
            throw new IllegalArgumentException("replication factor " + replicationFactor + " is not allowed (allowed: 1.."
                    + RingOptions.MAX_REPLICATION_FACTOR + ")");
        }
        Objects.requireNonNull(ring, "ring");
        if (ring.partitionCount() != partitionCount || ring.replicationFactor() != replicationFactor) {
            throw new IllegalArgumentException("the ring has Q " + ring.partitionCount() + ", R " + ring.replicationFactor()
                    + " but the state Q " + partitionCount + ", R " + replicationFactor);
        }
        TreeMap<Long, NodeRecord> nodeCopy = new TreeMap<>();
        for (Map.Entry<Long, NodeRecord> e : nodes.entrySet()) {
            if (e.getKey() != e.getValue().nodeId()) {
                throw new IllegalArgumentException("node " + e.getValue().nodeId() + " is filed under id " + e.getKey());
            }
            nodeCopy.put(e.getKey(), e.getValue());
        }
        if (nodeCopy.isEmpty()) {
            throw new IllegalArgumentException("a cluster state needs at least one node, got none");
        }
        for (RingNode n : ring.nodes()) {
            if (!nodeCopy.containsKey((long) n.id())) {
                throw new IllegalArgumentException("ring node " + n.id() + " is not among the cluster's nodes " + nodeCopy.keySet());
            }
        }
        if (metaMembers.isEmpty()) {
            throw new IllegalArgumentException("the meta group needs at least one member, got none");
        }
        for (int i = 0; i < metaMembers.size(); i++) {
            long m = metaMembers.get(i);
            if (!nodeCopy.containsKey(m)) {
                throw new IllegalArgumentException("meta member " + m + " is not among the cluster's nodes " + nodeCopy.keySet());
            }
            if (i > 0 && m <= metaMembers.get(i - 1)) {
                throw new IllegalArgumentException("meta members must be unique and ascending, got " + metaMembers);
            }
        }
        if (replicas.size() != partitionCount) {
            throw new IllegalArgumentException(replicas.size() + " replica sets for " + partitionCount + " partitions");
        }
        List<List<Long>> replicaCopy = new ArrayList<>(partitionCount);
        Map<Long, List<Integer>> byNode = new HashMap<>();
        for (int p = 0; p < partitionCount; p++) {
            List<Long> set = List.copyOf(replicas.get(p));
            if (set.isEmpty() || set.size() > RingOptions.MAX_REPLICATION_FACTOR + 1) {
                throw new IllegalArgumentException("partition " + p + " has " + set.size() + " replicas (allowed: 1.."
                        + (RingOptions.MAX_REPLICATION_FACTOR + 1) + ")");
            }
            Set<Long> seen = new HashSet<>();
            for (long id : set) {
                if (!nodeCopy.containsKey(id)) {
                    throw new IllegalArgumentException("partition " + p + ": replica " + id + " is not among the cluster's nodes");
                }
                if (!seen.add(id)) {
                    throw new IllegalArgumentException("partition " + p + ": node " + id + " holds two replicas");
                }
                byNode.computeIfAbsent(id, k -> new ArrayList<>()).add(p);
            }
            replicaCopy.add(set);
        }
        if (memberships.size() != partitionCount) {
            throw new IllegalArgumentException(memberships.size() + " memberships for " + partitionCount + " partitions");
        }
        for (int p = 0; p < partitionCount; p++) {
            PartitionMembership m = Objects.requireNonNull(memberships.get(p), "membership");
            if (m.voters().size() + m.learners().size() > 2 * (RingOptions.MAX_REPLICATION_FACTOR + 1)) {
                throw new IllegalArgumentException("partition " + p + " has " + m.members().size() + " members (allowed: at most "
                        + 2 * (RingOptions.MAX_REPLICATION_FACTOR + 1) + ")");
            }
            for (long id : m.members()) {
                if (!nodeCopy.containsKey(id)) {
                    throw new IllegalArgumentException("partition " + p + ": member " + id + " is not among the cluster's nodes");
                }
            }
        }
        TreeMap<String, TableRecord> tableCopy = new TreeMap<>();
        for (Map.Entry<String, TableRecord> e : tables.entrySet()) {
            if (!e.getKey().equals(e.getValue().name())) {
                throw new IllegalArgumentException("table '" + e.getValue().name() + "' is filed under '" + e.getKey() + "'");
            }
            tableCopy.put(e.getKey(), e.getValue());
        }
        if (!tableCopy.containsKey(TableName.DEFAULT)) {
            throw new IllegalArgumentException("the tables " + tableCopy.keySet() + " do not include '" + TableName.DEFAULT + "'");
        }
        byNode.replaceAll((k, v) -> List.copyOf(v));
        this.clusterId = clusterId;
        this.epoch = epoch;
        this.partitionCount = partitionCount;
        this.replicationFactor = replicationFactor;
        this.metaMembers = List.copyOf(metaMembers);
        this.nodes = Collections.unmodifiableSortedMap(nodeCopy);
        this.ring = ring;
        this.replicas = Collections.unmodifiableList(replicaCopy);
        this.memberships = List.copyOf(memberships);
        this.tables = Collections.unmodifiableSortedMap(tableCopy);
        this.partitionsByNode = Map.copyOf(byNode);
    }

    // ---------------------------------------------------------------- reads

    /**
     * A deterministic 64-bit id of the founding settings ({@link ClusterBootstrap}): nodes keep
     * it in their data directory to refuse a directory of another cluster.
     */
    public long clusterId() {
        return clusterId;
    }

    /** Starts at 1; +1 on every change of nodes, ring, replica sets, memberships or tables. */
    public long epoch() {
        return epoch;
    }

    public int partitionCount() {
        return partitionCount;
    }

    public int replicationFactor() {
        return replicationFactor;
    }

    /** Ids of the meta group's founding members, ascending. */
    public List<Long> metaMembers() {
        return metaMembers;
    }

    /** Every node by id, ascending. */
    public Map<Long, NodeRecord> nodes() {
        return nodes;
    }

    public Ring ring() {
        return ring;
    }

    /** The replica set of {@code partition}, the preferred leader first. */
    public List<Long> replicas(int partition) {
        Objects.checkIndex(partition, partitionCount);
        return replicas.get(partition);
    }

    /**
     * The current membership of {@code partition}'s Raft group, as its leader last reported it
     * (see {@link PartitionMembership}); {@link #replicas} is the target it moves towards.
     */
    public PartitionMembership membership(int partition) {
        Objects.checkIndex(partition, partitionCount);
        return memberships.get(partition);
    }

    /** Whether {@code partition}'s current membership is not yet its target. */
    public boolean moving(int partition) {
        return !membership(partition).matches(replicas(partition));
    }

    /** Whether {@code nodeId} is in the target or the current membership of any partition. */
    public boolean holdsAnything(long nodeId) {
        if (!partitionsOf(nodeId).isEmpty()) {
            return true;
        }
        for (PartitionMembership m : memberships) {
            if (m.isMember(nodeId)) {
                return true;
            }
        }
        return false;
    }

    /** The partitions whose (target) replica set holds {@code nodeId}, ascending; empty for a node with none. */
    public List<Integer> partitionsOf(long nodeId) {
        return partitionsByNode.getOrDefault(nodeId, List.of());
    }

    /** The partition of {@code key}: the top log2(Q) bits of its XXHash64 (seed 0), as the clients compute it. */
    public int partitionOf(byte[] key) {
        return ring.partitionOf(key);
    }

    /** Every table by name, ascending; always holds {@code default}. */
    public Map<String, TableRecord> tables() {
        return tables;
    }

    /**
     * The routing table clients cache.
     *
     * @param leaderOfPartition partition id → the node id this node believes leads it, 0 if unknown
     */
    public RouteResponse toRouteResponse(LongUnaryOperator leaderOfPartition) {
        RouteResponse.Builder b = RouteResponse.newBuilder().setEpoch(epoch).setPartitionCount(partitionCount);
        for (NodeRecord n : nodes.values()) {
            b.addNodes(NodeInfo.newBuilder().setNodeId(n.nodeId()).setAddress(n.clientAddress()));
        }
        for (int p = 0; p < partitionCount; p++) {
            b.addPartitions(PartitionInfo.newBuilder().setPartitionId(p).addAllReplicaNodeIds(replicas.get(p))
                    .setLeaderNodeId(leaderOfPartition.applyAsLong(p)));
        }
        for (TableRecord t : tables.values()) {
            b.addTables(t.toProto());
        }
        return b.build();
    }

    // ---------------------------------------------------------------- changes (epoch + 1)

    /** This state with {@code table} added (or replaced), at the next epoch. */
    ClusterState withTable(TableRecord table) {
        TreeMap<String, TableRecord> next = new TreeMap<>(tables);
        next.put(table.name(), table);
        return new ClusterState(clusterId, epoch + 1, partitionCount, replicationFactor, metaMembers, nodes, ring, replicas,
                memberships, next);
    }

    /**
     * This state with {@code nextNodes} and {@code nextRing}, at the next epoch: each partition's
     * target becomes the new ring's replica list; current memberships stay as they are (the
     * partitions then move towards the target).
     */
    ClusterState withNodesAndRing(Map<Long, NodeRecord> nextNodes, Ring nextRing) {
        List<List<Long>> targets = new ArrayList<>(partitionCount);
        for (int p = 0; p < partitionCount; p++) {
            List<Long> set = new ArrayList<>(replicationFactor);
            for (RingNode n : nextRing.replicas(p)) {
                set.add((long) n.id());
            }
            targets.add(set);
        }
        return new ClusterState(clusterId, epoch + 1, partitionCount, replicationFactor, metaMembers, nextNodes, nextRing, targets,
                memberships, tables);
    }

    /** This state with {@code partition}'s current membership replaced, at the next epoch. */
    ClusterState withMembership(int partition, PartitionMembership membership) {
        List<PartitionMembership> next = new ArrayList<>(memberships);
        next.set(partition, membership);
        return new ClusterState(clusterId, epoch + 1, partitionCount, replicationFactor, metaMembers, nodes, ring, replicas, next,
                tables);
    }

    /** This state without table {@code name}, at the next epoch. */
    ClusterState withoutTable(String name) {
        TreeMap<String, TableRecord> next = new TreeMap<>(tables);
        next.remove(name);
        return new ClusterState(clusterId, epoch + 1, partitionCount, replicationFactor, metaMembers, nodes, ring, replicas,
                memberships, next);
    }

    // ---------------------------------------------------------------- encoding

    /** The versioned, checksummed binary form (see the class comment); equal states give identical bytes. */
    public byte[] encode() {
        ClusterStateBody.Builder body = ClusterStateBody.newBuilder().setClusterId(clusterId).setEpoch(epoch)
                .setPartitionCount(partitionCount).setReplicationFactor(replicationFactor).addAllMetaMembers(metaMembers)
                .setRing(com.google.protobuf.ByteString.copyFrom(RingCodec.encode(ring)));
        for (NodeRecord n : nodes.values()) {
            body.addNodes(NodeEntry.newBuilder().setNodeId(n.nodeId()).setRaftAddress(n.raftAddress())
                    .setClientAddress(n.clientAddress()).setAdminAddress(n.adminAddress()).setRespAddress(n.respAddress())
                    .setWeight(n.weight()).setStatus(statusCode(n.status())));
        }
        for (int p = 0; p < partitionCount; p++) {
            PartitionMembership m = memberships.get(p);
            body.addPartitions(ReplicaSet.newBuilder().addAllNodeIds(replicas.get(p)).addAllVoters(m.voters())
                    .addAllLearners(m.learners()).setMembershipCommitIndex(m.commitIndex()));
        }
        for (TableRecord t : tables.values()) {
            TableEntry.Builder te = TableEntry.newBuilder().setName(t.name()).setEngine(t.engine());
            t.options().forEach((k, v) -> te.addOptions(OptionEntry.newBuilder().setKey(k).setValue(v)));
            body.addTables(te);
        }
        byte[] payload = body.build().toByteArray(); // no proto maps in the body: field order is fixed
        ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + payload.length + TRAILER_BYTES);
        out.putInt(MAGIC).put((byte) FORMAT_VERSION).putInt(payload.length).put(payload);
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        return out.array();
    }

    /**
     * Reads what {@link #encode()} wrote.
     *
     * @throws ClusterStateFormatException saying what is wrong: too short, bad magic, unknown
     *                                     version, length mismatch, CRC32C mismatch, a body that
     *                                     does not parse, or a state that breaks its rules
     */
    public static ClusterState decode(byte[] bytes) {
        if (bytes.length < HEADER_BYTES + TRAILER_BYTES) {
            throw new ClusterStateFormatException("cluster state: " + bytes.length + " bytes, shorter than the "
                    + (HEADER_BYTES + TRAILER_BYTES) + "-byte minimum (truncated?)");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        int magic = in.getInt();
        if (magic != MAGIC) {
            throw new ClusterStateFormatException("cluster state: offset 0: bad magic 0x" + Integer.toHexString(magic)
                    + ", expected 0x" + Integer.toHexString(MAGIC) + " (\"KVMS\"): not a cluster state");
        }
        int version = in.get() & 0xFF;
        if (version != FORMAT_VERSION) {
            throw new ClusterStateFormatException("cluster state: offset 4: format version " + version
                    + ", this build reads version " + FORMAT_VERSION);
        }
        long length = Integer.toUnsignedLong(in.getInt());
        long expected = (long) bytes.length - HEADER_BYTES - TRAILER_BYTES;
        if (length != expected) {
            throw new ClusterStateFormatException("cluster state: offset 5: body length " + length + " but " + expected
                    + " bytes follow the header (" + (length > expected ? "truncated" : "trailing bytes") + ")");
        }
        int stored = ByteBuffer.wrap(bytes, bytes.length - TRAILER_BYTES, TRAILER_BYTES).getInt();
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - TRAILER_BYTES);
        if ((int) crc.getValue() != stored) {
            throw new ClusterStateFormatException("cluster state: offset " + (bytes.length - TRAILER_BYTES)
                    + ": CRC32C mismatch (stored 0x" + Integer.toHexString(stored) + ", computed 0x"
                    + Integer.toHexString((int) crc.getValue()) + "): the blob is damaged");
        }
        ClusterStateBody body;
        try {
            body = ClusterStateBody.parseFrom(ByteBuffer.wrap(bytes, HEADER_BYTES, (int) length));
        } catch (InvalidProtocolBufferException e) {
            throw new ClusterStateFormatException("cluster state: the body does not parse: " + e.getMessage(), e);
        }
        try {
            Ring ring = RingCodec.decode(body.getRing().toByteArray());
            TreeMap<Long, NodeRecord> nodes = new TreeMap<>();
            for (NodeEntry n : body.getNodesList()) {
                NodeRecord r = new NodeRecord(n.getNodeId(), n.getRaftAddress(), n.getClientAddress(), n.getAdminAddress(),
                        n.getRespAddress(), n.getWeight(), status(n.getStatus(), n.getNodeId()));
                if (nodes.put(r.nodeId(), r) != null) {
                    throw new IllegalArgumentException("node " + r.nodeId() + " appears twice");
                }
            }
            List<List<Long>> replicas = new ArrayList<>(body.getPartitionsCount());
            List<PartitionMembership> memberships = new ArrayList<>(body.getPartitionsCount());
            for (ReplicaSet s : body.getPartitionsList()) {
                replicas.add(s.getNodeIdsList());
                // a state written before memberships were recorded: the founding membership
                memberships.add(s.getVotersCount() == 0 ? PartitionMembership.founding(s.getNodeIdsList())
                        : new PartitionMembership(s.getMembershipCommitIndex(), s.getVotersList(), s.getLearnersList()));
            }
            TreeMap<String, TableRecord> tables = new TreeMap<>();
            for (TableEntry t : body.getTablesList()) {
                TreeMap<String, String> options = new TreeMap<>();
                for (OptionEntry o : t.getOptionsList()) {
                    options.put(o.getKey(), o.getValue());
                }
                if (tables.put(t.getName(), new TableRecord(t.getName(), t.getEngine(), options)) != null) {
                    throw new IllegalArgumentException("table '" + t.getName() + "' appears twice");
                }
            }
            return new ClusterState(body.getClusterId(), body.getEpoch(), body.getPartitionCount(),
                    body.getReplicationFactor(), body.getMetaMembersList(), nodes, ring, replicas, memberships, tables);
        } catch (IllegalArgumentException | NullPointerException e) {
            // RingFormatException is an IllegalArgumentException too
            throw new ClusterStateFormatException("cluster state: " + e.getMessage(), e);
        }
    }

    private static NodeStatusCode statusCode(NodeStatus s) {
        return switch (s) {
            case UP -> NodeStatusCode.NODE_STATUS_UP;
            case DOWN -> NodeStatusCode.NODE_STATUS_DOWN;
            case LEAVING -> NodeStatusCode.NODE_STATUS_LEAVING;
        };
    }

    private static NodeStatus status(NodeStatusCode c, long nodeId) {
        return switch (c) {
            case NODE_STATUS_UP -> NodeStatus.UP;
            case NODE_STATUS_DOWN -> NodeStatus.DOWN;
            case NODE_STATUS_LEAVING -> NodeStatus.LEAVING;
            default -> throw new IllegalArgumentException("node " + nodeId + ": status " + c + " is not allowed (allowed: UP, DOWN, LEAVING)");
        };
    }

    // ---------------------------------------------------------------- value semantics

    @Override
    public boolean equals(Object o) {
        return o instanceof ClusterState s && clusterId == s.clusterId && epoch == s.epoch
                && partitionCount == s.partitionCount && replicationFactor == s.replicationFactor
                && metaMembers.equals(s.metaMembers) && nodes.equals(s.nodes) && ring.equals(s.ring)
                && replicas.equals(s.replicas) && memberships.equals(s.memberships) && tables.equals(s.tables);
    }

    @Override
    public int hashCode() {
        return Objects.hash(clusterId, epoch, partitionCount, replicationFactor, metaMembers, nodes, ring, tables);
    }

    @Override
    public String toString() {
        return "ClusterState[cluster " + Long.toHexString(clusterId) + ", epoch " + epoch + ", Q " + partitionCount + ", R "
                + replicationFactor + ", " + nodes.size() + " nodes, meta " + metaMembers + ", tables " + tables.keySet() + "]";
    }
}
