package io.kvkit.server.meta;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Orders each partition's replica set so that the preferred leaders (the first of each set) are
 * spread over the nodes by weight. The ring's rank 0 follows token order and can give one node
 * every preferred leadership (with N = R every set lists the same node first), so that one node
 * would serve every write; the sets themselves are the ring's and stay as they are.
 *
 * <p>Each node's quota is its weight's share of the P partitions, rounded by largest remainder
 * (ties to the smaller id): with equal weights every node is first for ⌊P/N⌋ or ⌈P/N⌉
 * partitions. Choosing a leader per partition within the quotas is a bipartite b-matching
 * (partition → one of its replicas, node → at most its quota): a greedy pass gives each partition
 * the member furthest below its quota, then augmenting paths re-route earlier choices for the
 * partitions greedy left over. When no assignment within the quotas exists (a node holds fewer
 * partitions than its quota), the partition goes to its member least over quota. After the chosen
 * leader, the other replicas keep the ring's order.
 *
 * <p>Deterministic: the same sets and weights give the same order on every node, whatever map
 * implementation holds the weights (only sorted iteration and list order are used).
 */
public final class PreferredLeaders {
    /**
     * Augmenting-path searches visit at most this many partitions in total (times P); beyond
     * it the rest fall back to the least-over member. Far above what real rings need: greedy
     * leaves only a handful of partitions for augmenting paths.
     */
    private static final long SEARCH_BUDGET_PER_PARTITION = 64;

    private PreferredLeaders() {
    }

    /**
     * Returns the replica sets reordered: each set has the same members, its first is the
     * chosen preferred leader, the others follow in their given order.
     *
     * @param replicaSets each partition's replicas (non-empty, distinct ids), in the ring's order
     * @param weights     each node's weight (&gt; 0); every node named in a set must have one
     * @throws IllegalArgumentException for an empty set, a repeated id, a missing or non-positive weight
     */
    public static List<List<Long>> spread(List<List<Long>> replicaSets, Map<Long, Integer> weights) {
        Objects.requireNonNull(replicaSets, "replicaSets");
        Objects.requireNonNull(weights, "weights");
        int partitions = replicaSets.size();
        SortedMap<Long, Integer> nodes = new TreeMap<>();
        for (int p = 0; p < partitions; p++) {
            List<Long> set = replicaSets.get(p);
            if (set.isEmpty()) {
                throw new IllegalArgumentException("partition " + p + " has no replicas (allowed: 1 or more)");
            }
            if (set.stream().distinct().count() != set.size()) {
                throw new IllegalArgumentException("partition " + p + " lists a node twice: " + set);
            }
            for (long id : set) {
                Integer w = weights.get(id);
                if (w == null || w <= 0) {
                    throw new IllegalArgumentException("node " + id + " of partition " + p + " has weight " + w
                            + " (allowed: a weight > 0 for every node of a replica set)");
                }
                nodes.put(id, w);
            }
        }
        long[] ids = nodes.keySet().stream().mapToLong(Long::longValue).toArray();
        int[] quota = quotas(partitions, ids, nodes);
        int[][] members = new int[partitions][];
        for (int p = 0; p < partitions; p++) {
            List<Long> set = replicaSets.get(p);
            members[p] = new int[set.size()];
            for (int i = 0; i < set.size(); i++) {
                members[p][i] = Arrays.binarySearch(ids, set.get(i));
            }
        }
        int[] leader = assign(members, quota);
        List<List<Long>> ordered = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) {
            List<Long> set = replicaSets.get(p);
            List<Long> order = new ArrayList<>(set.size());
            long first = ids[leader[p]];
            order.add(first);
            for (long id : set) {
                if (id != first) {
                    order.add(id);
                }
            }
            ordered.add(List.copyOf(order));
        }
        return List.copyOf(ordered);
    }

    /** Each node's share of {@code partitions} by weight, integer by largest remainder, ties to the smaller id. */
    static int[] quotas(int partitions, long[] ids, SortedMap<Long, Integer> weights) {
        long total = 0;
        for (long id : ids) {
            total += weights.get(id);
        }
        int[] quota = new int[ids.length];
        long[] remainder = new long[ids.length];
        int given = 0;
        for (int i = 0; i < ids.length; i++) {
            long share = (long) partitions * weights.get(ids[i]);
            quota[i] = (int) (share / total);
            remainder[i] = share % total;
            given += quota[i];
        }
        Integer[] byRemainder = new Integer[ids.length];
        for (int i = 0; i < ids.length; i++) {
            byRemainder[i] = i;
        }
        // stable sort: equal remainders keep id order
        Arrays.sort(byRemainder, (a, b) -> Long.compare(remainder[b], remainder[a]));
        for (int k = 0; given < partitions; k++, given++) {
            quota[byRemainder[k]]++;
        }
        return quota;
    }

    /** A leader (index into the node ids) per partition; see the class comment. */
    private static int[] assign(int[][] members, int[] quota) {
        int partitions = members.length;
        int[] leader = new int[partitions];
        Arrays.fill(leader, -1);
        int[] load = new int[quota.length];
        // 1. greedy: the member furthest below its quota, ties to the ring's order
        for (int p = 0; p < partitions; p++) {
            int best = -1;
            for (int m : members[p]) {
                if (load[m] < quota[m] && (best < 0 || quota[m] - load[m] > quota[best] - load[best])) {
                    best = m;
                }
            }
            if (best >= 0) {
                leader[p] = best;
                load[best]++;
            }
        }
        // 2. augmenting paths for what greedy left
        List<List<Integer>> ledBy = new ArrayList<>(quota.length);
        for (int i = 0; i < quota.length; i++) {
            ledBy.add(new ArrayList<>());
        }
        for (int p = 0; p < partitions; p++) {
            if (leader[p] >= 0) {
                ledBy.get(leader[p]).add(p);
            }
        }
        long budget = SEARCH_BUDGET_PER_PARTITION * Math.max(1, partitions);
        for (int p = 0; p < partitions; p++) {
            if (leader[p] < 0 && budget > 0) {
                budget -= augment(p, members, quota, load, leader, ledBy);
            }
        }
        // 3. no room within the quotas: the member least over its quota, ties to the ring's order
        for (int p = 0; p < partitions; p++) {
            if (leader[p] < 0) {
                int best = members[p][0];
                for (int m : members[p]) {
                    if (load[m] - quota[m] < load[best] - quota[best]) {
                        best = m;
                    }
                }
                leader[p] = best;
                load[best]++;
                ledBy.get(best).add(p);
            }
        }
        return leader;
    }

    /**
     * Breadth-first search from partition {@code start} through "node m leads partition q, which
     * could be led by another of its members" to a node below quota; flips the path if found.
     * Returns the number of partitions visited.
     */
    private static int augment(int start, int[][] members, int[] quota, int[] load, int[] leader, List<List<Integer>> ledBy) {
        int partitions = members.length;
        int[] cameFrom = new int[partitions];     // the partition whose member led to this one, -1 for the start
        boolean[] seenPartition = new boolean[partitions];
        boolean[] seenNode = new boolean[quota.length];
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        queue.add(start);
        seenPartition[start] = true;
        cameFrom[start] = -1;
        int visited = 0;
        while (!queue.isEmpty()) {
            int p = queue.poll();
            visited++;
            for (int m : members[p]) {
                if (m == leader[p] || seenNode[m]) {
                    continue;
                }
                seenNode[m] = true;
                if (load[m] < quota[m]) {
                    // flip: p goes to m, p's old leader takes cameFrom[p], and so on back to start
                    load[m]++;
                    int q = p;
                    int to = m;
                    while (q >= 0) {
                        int from = leader[q];
                        if (from >= 0) {
                            ledBy.get(from).remove(Integer.valueOf(q));
                        }
                        leader[q] = to;
                        ledBy.get(to).add(q);
                        to = from;
                        q = cameFrom[q];
                    }
                    return visited;
                }
                for (int q : ledBy.get(m)) {
                    if (!seenPartition[q]) {
                        seenPartition[q] = true;
                        cameFrom[q] = p;
                        queue.add(q);
                    }
                }
            }
        }
        return visited;
    }
}
