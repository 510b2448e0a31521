package io.kvkit.ring;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.roaringbitmap.RoaringBitmap;

/**
 * An immutable, versioned ring: Q partitions of the 64-bit hash space, the nodes with their
 * weighted tokens, and each partition's R replicas in preference order.
 *
 * <p>A key's partition is the top log2(Q) bits of its {@link KeyHasher} hash, forever. Which nodes
 * hold a partition is stored explicitly in the ring value: it starts as the pure DESIGN.md rule
 * ("first R distinct nodes clockwise from the partition's start") over tokens placed by a
 * replication-aware allocator, and every change then moves the fewest replicas that bring each
 * node to its weighted quota, choosing receivers by walking the token ring (see the module
 * README for why the pure rule alone cannot meet the balance bound). The preference order of a
 * partition's replicas (the first one is the preferred leader) is the order in which a clockwise
 * walk from the partition's start meets them.
 *
 * <p>Changes ({@link #join}, {@link #leave}, {@link #fail}, {@link #replace},
 * {@link #changeWeight}, {@link #withNodeState}) return a new ring of epoch + 1 and the
 * {@link MovePlan} that gets the cluster there. Thread-safe: everything is immutable.
 */
public final class Ring {
    /** Version of the placement rules and of {@link RingCodec}'s format; fixes the key hash. */
    public static final int FORMAT_VERSION = 1;

    private final long epoch;
    private final int partitionCount;
    private final int log2Partitions;
    private final int replicationFactor;
    private final boolean zoneAware;
    private final int tokensPerStandardWeight;
    private final RingNode[] nodes; // sorted by id
    private final int[] ids;
    private final long[][] tokens; // per node index, sorted unsigned
    private final int[] assignment; // Q*R node indices, preference order
    private final List<RingNode>[] replicaLists;
    private volatile RoaringBitmap[] partitionsByNode; // built on first use
    private final int[] replicaCounts;

    Ring(long epoch, int partitionCount, int replicationFactor, boolean zoneAware, int tokensPerStandardWeight,
         RingNode[] nodes, long[][] tokens, int[] assignment) {
        this(epoch, partitionCount, replicationFactor, zoneAware, tokensPerStandardWeight, nodes, tokens, assignment, null);
    }

    /** {@code reusableLists}: a previous ring's replica lists, reused where a partition's nodes are the same objects. */
    @SuppressWarnings("unchecked")
    Ring(long epoch, int partitionCount, int replicationFactor, boolean zoneAware, int tokensPerStandardWeight,
         RingNode[] nodes, long[][] tokens, int[] assignment, List<RingNode>[] reusableLists) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        new RingOptions(partitionCount, replicationFactor, zoneAware, tokensPerStandardWeight, 1.1, 0, 0, 0.0);
        this.epoch = epoch;
        this.partitionCount = partitionCount;
        this.log2Partitions = Integer.numberOfTrailingZeros(partitionCount);
        this.replicationFactor = replicationFactor;
        this.zoneAware = zoneAware;
        this.tokensPerStandardWeight = tokensPerStandardWeight;
        this.nodes = nodes;
        this.tokens = tokens;
        this.assignment = assignment;
        this.ids = new int[nodes.length];
        if (nodes.length > 65_535) {
            throw new IllegalArgumentException("a ring holds at most 65535 nodes, got " + nodes.length);
        }
        for (int i = 0; i < nodes.length; i++) {
            ids[i] = nodes[i].id();
            if (i > 0 && ids[i] <= ids[i - 1]) {
                throw new IllegalArgumentException("node ids must be unique and sorted, got " + ids[i - 1] + " then " + ids[i]);
            }
        }
        if (tokens.length != nodes.length) {
            throw new IllegalArgumentException("tokens for " + tokens.length + " nodes, but " + nodes.length + " nodes");
        }
        int totalTokens = 0;
        for (long[] t : tokens) {
            totalTokens += t.length;
        }
        long[] all = new long[totalTokens];
        int at = 0;
        for (int i = 0; i < nodes.length; i++) {
            for (int k = 0; k < tokens[i].length; k++) {
                all[at++] = tokens[i][k];
                if (k > 0 && Long.compareUnsigned(tokens[i][k - 1], tokens[i][k]) >= 0) {
                    throw new IllegalArgumentException("tokens of node " + ids[i] + " are not sorted");
                }
            }
        }
        Arrays.sort(all);
        for (int i = 1; i < all.length; i++) {
            if (all[i] == all[i - 1]) {
                throw new IllegalArgumentException("token " + Long.toUnsignedString(all[i]) + " held twice");
            }
        }
        if (assignment.length != partitionCount * replicationFactor) {
            throw new IllegalArgumentException("assignment has " + assignment.length + " entries, expected Q*R = "
                    + partitionCount * replicationFactor);
        }
        this.replicaLists = (List<RingNode>[]) new List<?>[partitionCount];
        this.replicaCounts = new int[nodes.length];
        RingNode[] row = new RingNode[replicationFactor];
        for (int p = 0; p < partitionCount; p++) {
            for (int k = 0; k < replicationFactor; k++) {
                int n = assignment[p * replicationFactor + k];
                if (n < 0 || n >= nodes.length) {
                    throw new IllegalArgumentException("partition " + p + ": replica index " + n + " out of range [0, "
                            + nodes.length + ")");
                }
                for (int m = 0; m < k; m++) {
                    if (assignment[p * replicationFactor + m] == n) {
                        throw new IllegalArgumentException("partition " + p + ": node " + ids[n] + " holds two replicas");
                    }
                    if (zoneAware && nodes[assignment[p * replicationFactor + m]].zone().equals(nodes[n].zone())) {
                        throw new IllegalArgumentException("partition " + p + ": two replicas in zone '" + nodes[n].zone() + "'");
                    }
                }
                row[k] = nodes[n];
                replicaCounts[n]++;
            }
            List<RingNode> reuse = reusableLists == null ? null : reusableLists[p];
            replicaLists[p] = reuse != null && sameNodes(reuse, row) ? reuse : List.of(row.clone());
        }
    }

    private static boolean sameNodes(List<RingNode> list, RingNode[] row) {
        for (int k = 0; k < row.length; k++) {
            if (list.get(k) != row[k]) {
                return false;
            }
        }
        return true;
    }

    private RoaringBitmap[] bitmaps() {
        RoaringBitmap[] b = partitionsByNode;
        if (b == null) {
            b = new RoaringBitmap[nodes.length];
            for (int i = 0; i < nodes.length; i++) {
                b[i] = new RoaringBitmap();
            }
            for (int p = 0; p < partitionCount; p++) {
                for (int k = 0; k < replicationFactor; k++) {
                    b[assignment[p * replicationFactor + k]].add(p);
                }
            }
            for (RoaringBitmap x : b) {
                x.runOptimize();
            }
            partitionsByNode = b; // racing builders compute equal values
        }
        return b;
    }

    /**
     * A new ring (epoch 0) of the given nodes: tokens placed one node after another by the
     * replication-aware allocator, replicas first by the pure clockwise rule, then balanced to
     * each node's weighted quota with the fewest changes.
     */
    public static Ring create(RingOptions options, List<RingNode> nodes) {
        return RingPlanner.create(options, nodes);
    }

    // ---------------------------------------------------------------- lookups

    public long epoch() {
        return epoch;
    }

    public int partitionCount() {
        return partitionCount;
    }

    public int log2PartitionCount() {
        return log2Partitions;
    }

    public int replicationFactor() {
        return replicationFactor;
    }

    public boolean zoneAware() {
        return zoneAware;
    }

    public int tokensPerStandardWeight() {
        return tokensPerStandardWeight;
    }

    /** The partition of a key (never changes for a given key and Q). */
    public int partitionOf(byte[] key) {
        return KeyHasher.partitionOfHash(KeyHasher.hash64(key), log2Partitions);
    }

    /** The partition of the key {@code buf[offset, offset + length)} (a key inside a larger buffer). */
    public int partitionOf(byte[] buf, int offset, int length) {
        return KeyHasher.partitionOfHash(KeyHasher.hash64(buf, offset, length), log2Partitions);
    }

    /** The replicas of the partition of the key {@code buf[offset, offset + length)}. */
    public List<RingNode> replicasOf(byte[] buf, int offset, int length) {
        return replicaLists[partitionOf(buf, offset, length)];
    }

    /** The partition of a hash from {@link KeyHasher#hash64}. */
    public int partitionOfHash(long hash) {
        return KeyHasher.partitionOfHash(hash, log2Partitions);
    }

    /** The first hash of partition p (its start on the ring). */
    public long partitionStart(int p) {
        checkPartition(p);
        return log2Partitions == 0 ? 0L : ((long) p) << (64 - log2Partitions);
    }

    /** A partition's replicas, preferred leader first. Never allocates. */
    public List<RingNode> replicas(int partition) {
        return replicaLists[partition];
    }

    /** The replicas of a key's partition, preferred leader first. */
    public List<RingNode> replicasOf(byte[] key) {
        return replicaLists[partitionOf(key)];
    }

    /** The id of the node holding replica {@code rank} (0 = preferred leader) of a partition. */
    public int replicaNodeId(int partition, int rank) {
        return ids[assignment[partition * replicationFactor + rank]];
    }

    /** Nodes sorted by id. */
    public List<RingNode> nodes() {
        return List.of(nodes);
    }

    public Optional<RingNode> node(int id) {
        int i = Arrays.binarySearch(ids, id);
        return i < 0 ? Optional.empty() : Optional.of(nodes[i]);
    }

    public RingNode requireNode(int id) {
        return node(id).orElseThrow(() -> new IllegalArgumentException("node " + id + " is not in the ring (epoch " + epoch
                + ", nodes " + Arrays.toString(ids) + ")"));
    }

    /** A node's tokens, sorted as unsigned numbers. */
    public long[] tokensOf(int nodeId) {
        return tokens[indexOf(nodeId)].clone();
    }

    /** The partitions a node holds a replica of (a copy). */
    public RoaringBitmap partitionsOf(int nodeId) {
        return bitmaps()[indexOf(nodeId)].clone();
    }

    /** How many replicas a node holds. */
    public int replicaCount(int nodeId) {
        return replicaCounts[indexOf(nodeId)];
    }

    /** The partitions a node is preferred leader of (rank 0). */
    public RoaringBitmap preferredLeaderPartitionsOf(int nodeId) {
        int n = indexOf(nodeId);
        RoaringBitmap b = new RoaringBitmap();
        for (int p = 0; p < partitionCount; p++) {
            if (assignment[p * replicationFactor] == n) {
                b.add(p);
            }
        }
        return b;
    }

    /**
     * The share of replicas that sit where the pure DESIGN.md rule (first R distinct nodes clockwise
     * over the tokens) would put them: 1.0 means the stored placement is exactly the pure rule.
     */
    public double tokenRuleAgreement() {
        TokenRing tr = TokenRing.of(partitionCount, replicationFactor, zoneAware, zoneIds(), tokens, null);
        long same = 0;
        for (int p = 0; p < partitionCount; p++) {
            int[] natural = tr.naturalReplicas(p);
            for (int k = 0; k < replicationFactor; k++) {
                int n = assignment[p * replicationFactor + k];
                for (int m : natural) {
                    if (m == n) {
                        same++;
                        break;
                    }
                }
            }
        }
        return (double) same / ((long) partitionCount * replicationFactor);
    }

    /**
     * Replicas per node, in {@link #nodes()} order, that the pure DESIGN.md rule would give over
     * this ring's tokens: what the placement would be without the stored assignment (for
     * comparison; see the module README).
     */
    public long[] tokenRuleReplicaCounts() {
        return TokenRing.of(partitionCount, replicationFactor, zoneAware, zoneIds(), tokens, null).naturalLoads(nodes.length);
    }

    int indexOf(int nodeId) {
        int i = Arrays.binarySearch(ids, nodeId);
        if (i < 0) {
            throw new IllegalArgumentException("node " + nodeId + " is not in the ring (epoch " + epoch + ")");
        }
        return i;
    }

    private void checkPartition(int p) {
        if (p < 0 || p >= partitionCount) {
            throw new IllegalArgumentException("partition must be in [0, " + partitionCount + "), got " + p);
        }
    }

    int[] zoneIds() {
        List<String> zones = new ArrayList<>();
        int[] z = new int[nodes.length];
        for (int i = 0; i < nodes.length; i++) {
            int k = zones.indexOf(nodes[i].zone());
            if (k < 0) {
                k = zones.size();
                zones.add(nodes[i].zone());
            }
            z[i] = k;
        }
        return z;
    }

    RingNode[] nodeArray() {
        return nodes;
    }

    long[][] tokenArrays() {
        return tokens;
    }

    int[] assignmentArray() {
        return assignment;
    }

    List<RingNode>[] replicaListArray() {
        return replicaLists;
    }

    // ---------------------------------------------------------------- changes

    /** Adds an UP node: it gets weight-proportional tokens and takes its quota of replicas, all from others. */
    public RingChange join(RingNode node) {
        return RingPlanner.join(this, node);
    }

    /** Decommissions an UP node: only the replicas it held move, to the other nodes. */
    public RingChange leave(int nodeId) {
        return RingPlanner.remove(this, List.of(nodeId), false);
    }

    /** Removes dead nodes: their replicas are re-created on the others from the surviving replicas. */
    public RingChange fail(Collection<Integer> deadNodeIds) {
        return RingPlanner.remove(this, deadNodeIds, true);
    }

    /** Replaces a node by a new one of the same weight: the new one takes over its tokens and exactly its replicas. */
    public RingChange replace(int oldNodeId, RingNode newNode) {
        return RingPlanner.replace(this, oldNodeId, newNode);
    }

    /** Changes a node's weight: it gains or sheds the replicas its new share requires, nobody else moves. */
    public RingChange changeWeight(int nodeId, int newWeight) {
        return RingPlanner.changeWeight(this, nodeId, newWeight);
    }

    /** Marks a node UP or DOWN; placement does not change (an empty plan). */
    public RingChange withNodeState(int nodeId, NodeState state) {
        return RingPlanner.withNodeState(this, nodeId, state);
    }

    /** Moves replicas so that every node is within one replica of its weighted quota (all nodes may give and take). */
    public RingChange rebalanceReplicaCounts() {
        return RingPlanner.rebalance(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ring other && epoch == other.epoch && partitionCount == other.partitionCount
                && replicationFactor == other.replicationFactor && zoneAware == other.zoneAware
                && tokensPerStandardWeight == other.tokensPerStandardWeight && Arrays.equals(nodes, other.nodes)
                && Arrays.deepEquals(tokens, other.tokens) && Arrays.equals(assignment, other.assignment);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(epoch) * 31 + Arrays.hashCode(assignment);
    }

    @Override
    public String toString() {
        return "Ring[epoch " + epoch + ", Q " + partitionCount + ", R " + replicationFactor + (zoneAware ? ", zones" : "")
                + ", " + nodes.length + " nodes]";
    }
}
