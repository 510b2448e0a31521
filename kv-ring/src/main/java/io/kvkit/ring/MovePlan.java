package io.kvkit.ring;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.roaringbitmap.RoaringBitmap;

/**
 * What has to happen to go from one ring to the next: the replica additions and removals per
 * partition, and nothing else (it is the difference of the two rings' replica sets, so it is
 * minimal for the new ring by construction).
 *
 * <p>Order and safety: moves are grouped by partition; within a partition each move is an
 * addition followed by a removal ({@link #steps()}), so a partition never has fewer live replicas
 * than it had when the plan started (and never fewer than R when it started with R), never has
 * one node twice, and, with zones, the replicas other than the one being replaced are always in
 * distinct zones. Partitions of different moves are independent and may proceed in parallel.
 * {@link #verify} replays a plan against its rings and checks exactly this.
 */
public final class MovePlan {
    private final long fromEpoch;
    private final long toEpoch;
    private final List<ReplicaMove> moves;
    private final Set<Integer> deadNodeIds;
    private final RoaringBitmap lostPartitions;

    MovePlan(long fromEpoch, long toEpoch, List<ReplicaMove> moves, Set<Integer> deadNodeIds, RoaringBitmap lostPartitions) {
        this.fromEpoch = fromEpoch;
        this.toEpoch = toEpoch;
        this.moves = List.copyOf(moves);
        this.deadNodeIds = Set.copyOf(deadNodeIds);
        this.lostPartitions = lostPartitions;
    }

    static MovePlan empty(long fromEpoch, long toEpoch) {
        return new MovePlan(fromEpoch, toEpoch, List.of(), Set.of(), new RoaringBitmap());
    }

    /**
     * The plan that turns {@code before}'s replica sets into {@code after}'s. Per partition, each
     * added node is paired with a removed node of the same zone when there is one (so zones stay
     * distinct between the two steps), otherwise with any removed node.
     */
    static MovePlan between(Ring before, Ring after, Set<Integer> deadNodeIds) {
        List<ReplicaMove> moves = new ArrayList<>();
        RoaringBitmap lost = new RoaringBitmap();
        int q = before.partitionCount();
        int r = before.replicationFactor();
        int[] b = new int[r];
        int[] a = new int[r];
        for (int p = 0; p < q; p++) {
            boolean same = true;
            for (int k = 0; k < r; k++) {
                b[k] = before.replicaNodeId(p, k);
                a[k] = after.replicaNodeId(p, k);
            }
            for (int k = 0; k < r && same; k++) {
                same = contains(b, a[k]);
            }
            if (same) {
                continue; // the common case: only the order, or nothing, changed
            }
            int live = 0;
            for (int k = 0; k < r; k++) {
                if (!deadNodeIds.contains(b[k]) && before.requireNode(b[k]).isUp()) {
                    live++;
                }
            }
            List<Integer> added = new ArrayList<>();
            List<Integer> removed = new ArrayList<>();
            for (int k = 0; k < r; k++) {
                if (!contains(b, a[k])) {
                    added.add(a[k]);
                }
                if (!contains(a, b[k])) {
                    removed.add(b[k]);
                }
            }
            if (added.isEmpty()) {
                continue;
            }
            if (live == 0) {
                lost.add(p);
            }
            // same-zone pairs first, then the rest in order
            List<Integer> addOrder = new ArrayList<>();
            List<Integer> removeOrder = new ArrayList<>();
            for (int add : new ArrayList<>(added)) {
                String zone = after.requireNode(add).zone();
                for (int rem : removed) {
                    if (before.requireNode(rem).zone().equals(zone)) {
                        addOrder.add(add);
                        removeOrder.add(rem);
                        removed.remove(Integer.valueOf(rem));
                        added.remove(Integer.valueOf(add));
                        break;
                    }
                }
            }
            addOrder.addAll(added);
            removeOrder.addAll(removed);
            for (int k = 0; k < addOrder.size(); k++) {
                moves.add(new ReplicaMove(p, addOrder.get(k), removeOrder.get(k)));
            }
        }
        return new MovePlan(before.epoch(), after.epoch(), moves, deadNodeIds, lost);
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }

    public long fromEpoch() {
        return fromEpoch;
    }

    public long toEpoch() {
        return toEpoch;
    }

    /** The replica moves, grouped by partition in ascending order. */
    public List<ReplicaMove> moves() {
        return moves;
    }

    /** Replica copies to make: one per move. */
    public int replicaAdditions() {
        return moves.size();
    }

    /** Nodes the plan treats as dead: their replicas are removed but never counted as live. */
    public Set<Integer> deadNodeIds() {
        return deadNodeIds;
    }

    /** Partitions whose every replica was dead or down before the change: no live source to copy from. */
    public RoaringBitmap lostPartitions() {
        return lostPartitions.clone();
    }

    /** The membership changes in a safe order: per move, add then remove. */
    public List<MoveStep> steps() {
        List<MoveStep> steps = new ArrayList<>(moves.size() * 2);
        for (ReplicaMove m : moves) {
            steps.add(new MoveStep(MoveStep.Kind.ADD_REPLICA, m.partition(), m.addNodeId()));
            steps.add(new MoveStep(MoveStep.Kind.REMOVE_REPLICA, m.partition(), m.removeNodeId()));
        }
        return Collections.unmodifiableList(steps);
    }

    /** Replicas added per node id. */
    public Map<Integer, Integer> additionsByNode() {
        Map<Integer, Integer> m = new TreeMap<>();
        for (ReplicaMove mv : moves) {
            m.merge(mv.addNodeId(), 1, Integer::sum);
        }
        return m;
    }

    /** Replicas removed per node id. */
    public Map<Integer, Integer> removalsByNode() {
        Map<Integer, Integer> m = new TreeMap<>();
        for (ReplicaMove mv : moves) {
            m.merge(mv.removeNodeId(), 1, Integer::sum);
        }
        return m;
    }

    /**
     * Replays the steps from {@code before}'s replica sets and checks: each step is valid (add a
     * node not yet there, remove one that is), live replicas per partition never drop below
     * min(R, live at start), no partition ever has a node twice, zones (when the ring is
     * zone-aware) are distinct among the replicas other than the one being replaced, and the
     * replay ends at {@code after}'s replica sets.
     *
     * @throws IllegalStateException naming the first violated rule
     */
    public void verify(Ring before, Ring after) {
        int q = before.partitionCount();
        int r = before.replicationFactor();
        Map<Integer, List<ReplicaMove>> byPartition = new TreeMap<>();
        for (ReplicaMove m : moves) {
            byPartition.computeIfAbsent(m.partition(), k -> new ArrayList<>()).add(m);
        }
        for (int p = 0; p < q; p++) {
            List<Integer> set = new ArrayList<>(r + 1);
            for (int k = 0; k < r; k++) {
                set.add(before.replicaNodeId(p, k));
            }
            int liveAtStart = live(set, before, after);
            int floor = Math.min(r, liveAtStart);
            for (ReplicaMove m : byPartition.getOrDefault(p, List.of())) {
                if (set.contains(m.addNodeId())) {
                    throw new IllegalStateException("partition " + p + ": adds node " + m.addNodeId() + " which is already a replica");
                }
                final int partition = p;
                RingNode added = after.node(m.addNodeId()).orElseThrow(() -> new IllegalStateException(
                        "partition " + partition + ": adds node " + m.addNodeId() + " which is not in the new ring"));
                if (!added.isUp() || deadNodeIds.contains(added.id())) {
                    throw new IllegalStateException("partition " + p + ": adds node " + m.addNodeId() + " which is not up");
                }
                set.add(m.addNodeId());
                if (live(set, before, after) < floor) {
                    throw new IllegalStateException("partition " + p + ": fewer than " + floor + " live replicas");
                }
                if (!set.remove(Integer.valueOf(m.removeNodeId()))) {
                    throw new IllegalStateException("partition " + p + ": removes node " + m.removeNodeId() + " which is not a replica");
                }
                if (live(set, before, after) < floor) {
                    throw new IllegalStateException("partition " + p + ": removing node " + m.removeNodeId()
                            + " leaves fewer than " + floor + " live replicas");
                }
                if (before.zoneAware()) {
                    Set<String> zones = new HashSet<>();
                    for (int n : set) {
                        String z = after.node(n).or(() -> before.node(n)).orElseThrow().zone();
                        if (!zones.add(z)) {
                            throw new IllegalStateException("partition " + p + ": two replicas in zone '" + z + "'");
                        }
                    }
                }
            }
            for (int k = 0; k < r; k++) {
                if (!set.contains(after.replicaNodeId(p, k))) {
                    throw new IllegalStateException("partition " + p + ": plan does not reach the new ring's replica set");
                }
            }
        }
    }

    private int live(List<Integer> set, Ring before, Ring after) {
        int live = 0;
        for (int n : set) {
            if (deadNodeIds.contains(n)) {
                continue;
            }
            RingNode node = after.node(n).or(() -> before.node(n)).orElseThrow();
            if (node.isUp()) {
                live++;
            }
        }
        return live;
    }

    @Override
    public String toString() {
        return "MovePlan[epoch " + fromEpoch + " -> " + toEpoch + ", " + moves.size() + " replica moves, dead "
                + deadNodeIds + ", lost partitions " + lostPartitions.getCardinality() + "]";
    }
}
