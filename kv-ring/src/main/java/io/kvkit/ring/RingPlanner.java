package io.kvkit.ring;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Computes ring changes. Each change edits a mutable copy of the ring (the {@link Work}), then
 * freezes it as the next ring; the move plan is the difference between the two rings.
 *
 * <p>The rules, which the tests assert exactly:
 * <ul>
 *   <li>every node ends within one replica of its integer quota (its weight's share of R·Q),
 *       except where a direction rule below forbids a move, which costs at most one more;</li>
 *   <li>join and weight increase: only the node concerned receives, every other node only
 *       gives; leave, failure and weight decrease: only the nodes concerned give;</li>
 *   <li>a receiver is never already a replica of the partition, never DOWN, and, with zones,
 *       never in the zone of another replica of it;</li>
 *   <li>which partition goes where follows the tokens: a joining node takes the partitions just
 *       before its tokens (those the pure rule gives it), and a replica that has to go lands on
 *       the first eligible node clockwise from the partition's start (where the pure rule would
 *       put it).</li>
 * </ul>
 */
final class RingPlanner {
    private RingPlanner() {}

    // ---------------------------------------------------------------- operations

    static Ring create(RingOptions options, List<RingNode> nodeList) {
        if (nodeList.isEmpty()) {
            throw new IllegalArgumentException("a ring needs at least " + options.replicationFactor() + " nodes, got none");
        }
        List<RingNode> sorted = new ArrayList<>(nodeList);
        sorted.sort((a, b) -> Integer.compare(a.id(), b.id()));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).id() == sorted.get(i - 1).id()) {
                throw new IllegalArgumentException("node id " + sorted.get(i).id() + " appears twice");
            }
        }
        for (RingNode n : sorted) {
            if (!n.isUp()) {
                throw new IllegalArgumentException("node " + n.id() + " is " + n.state() + "; a new ring is made of UP nodes");
            }
        }
        Work w = new Work(options.partitionCount(), options.replicationFactor(), options.zoneAware(),
                options.tokensPerStandardWeight(), sorted, new long[sorted.size()][], new int[options.partitionCount()
                * options.replicationFactor()]);
        double[] finalTarget = w.targets(); // validates N >= R (zones >= R) before any work
        TokenRing tr = new TokenRing(w.q, w.r, w.zoneAware, w.zone);
        boolean[] placed = new boolean[w.n];
        for (int i = 0; i < w.n; i++) {
            placed[i] = true;
            double[] target = w.allocationTargets(placed);
            long[] t = tr.allocate(i, w.tokenCount(i), target, splitMix64(w.nodes.get(i).id()));
            w.tokens[i] = sortedUnsigned(t);
        }
        for (int p = 0; p < w.q; p++) {
            int[] natural = tr.naturalReplicas(p);
            if (natural.length != w.r) {
                throw new IllegalStateException("partition " + p + ": the token rule found " + natural.length + " of "
                        + w.r + " replicas");
            }
            for (int k = 0; k < w.r; k++) {
                w.assign[p * w.r + k] = natural[k];
                w.load[natural[k]]++;
            }
        }
        int[] quota = w.quotas(finalTarget);
        int[] surplus = new int[w.n];
        int[] deficit = new int[w.n];
        for (int i = 0; i < w.n; i++) {
            surplus[i] = Math.max(0, w.load[i] - quota[i]);
            deficit[i] = Math.max(0, quota[i] - w.load[i]);
        }
        w.push(tr, surplus, deficit, new boolean[w.n], finalTarget);
        return w.build(0);
    }

    static RingChange join(Ring ring, RingNode node) {
        if (ring.node(node.id()).isPresent()) {
            throw new IllegalArgumentException("node " + node.id() + " is already in the ring");
        }
        if (!node.isUp()) {
            throw new IllegalArgumentException("node " + node.id() + " is " + node.state() + "; only an UP node can join");
        }
        Work w = Work.from(ring, node);
        int x = w.n - 1;
        double[] target = w.targets();
        boolean[] others = w.member.clone();
        others[x] = false;
        TokenRing tr = TokenRing.of(w.q, w.r, w.zoneAware, w.zone, w.tokens, others);
        w.tokens[x] = sortedUnsigned(tr.allocate(x, w.tokenCount(x), target, splitMix64(node.id())));
        int[] quota = w.quotas(target);
        int[] surplus = new int[w.n];
        for (int i = 0; i < x; i++) {
            surplus[i] = Math.max(0, w.load[i] - quota[i]);
        }
        w.pull(tr, x, quota[x], surplus);
        return finish(ring, w, Set.of());
    }

    static RingChange remove(Ring ring, Collection<Integer> nodeIds, boolean dead) {
        if (nodeIds.isEmpty()) {
            throw new IllegalArgumentException("no node ids given");
        }
        Set<Integer> ids = new LinkedHashSet<>(nodeIds);
        Work w = Work.from(ring, null);
        boolean[] mustEmpty = new boolean[w.n];
        for (int id : ids) {
            int x = ring.indexOf(id);
            if (!dead && !w.nodes.get(x).isUp()) {
                throw new IllegalArgumentException("node " + id + " is DOWN: it cannot hand its replicas over; use fail()");
            }
            mustEmpty[x] = true;
            w.member[x] = false;
            w.receivable[x] = false;
        }
        double[] target = w.targets();
        int[] quota = w.quotas(target);
        int[] surplus = new int[w.n];
        int[] deficit = new int[w.n];
        for (int i = 0; i < w.n; i++) {
            if (mustEmpty[i]) {
                surplus[i] = w.load[i];
            } else {
                deficit[i] = Math.max(0, quota[i] - w.load[i]);
            }
        }
        TokenRing tr = TokenRing.of(w.q, w.r, w.zoneAware, w.zone, w.tokens, w.member);
        w.push(tr, surplus, deficit, mustEmpty, target);
        return finish(ring, w, dead ? ids : Set.of());
    }

    static RingChange replace(Ring ring, int oldId, RingNode newNode) {
        int x = ring.indexOf(oldId);
        if (ring.node(newNode.id()).isPresent()) {
            throw new IllegalArgumentException("node " + newNode.id() + " is already in the ring");
        }
        if (!newNode.isUp()) {
            throw new IllegalArgumentException("replacement node " + newNode.id() + " must be UP");
        }
        RingNode old = ring.requireNode(oldId);
        if (old.weight() != newNode.weight()) {
            throw new IllegalArgumentException("replacement node " + newNode.id() + " has weight " + newNode.weight()
                    + " but node " + oldId + " has " + old.weight() + "; replace with the same weight, then changeWeight");
        }
        Work w = Work.from(ring, newNode);
        int y = w.n - 1;
        w.tokens[y] = w.tokens[x];
        w.tokens[x] = new long[0];
        w.member[x] = false;
        w.receivable[x] = false;
        for (int p = 0; p < w.q; p++) {
            if (w.slotOf(p, x) >= 0) {
                if (!w.canReplace(p, x, y)) {
                    throw new IllegalArgumentException("replacement node " + newNode.id() + " in zone '" + newNode.zone()
                            + "' would put two replicas of partition " + p + " in one zone");
                }
                w.replace(p, x, y);
            }
        }
        Set<Integer> dead = old.isUp() ? Set.of() : Set.of(oldId);
        return finish(ring, w, dead);
    }

    static RingChange changeWeight(Ring ring, int nodeId, int newWeight) {
        RingNode old = ring.requireNode(nodeId);
        RingNode updated = old.withWeight(newWeight); // validates the range
        Work w = Work.from(ring, null);
        int x = ring.indexOf(nodeId);
        w.nodes.set(x, updated);
        w.weight[x] = newWeight;
        if (newWeight == old.weight()) {
            return finish(ring, w, Set.of());
        }
        double[] target = w.targets();
        TokenRing tr = TokenRing.of(w.q, w.r, w.zoneAware, w.zone, w.tokens, w.member);
        int want = w.tokenCount(x);
        int have = w.tokens[x].length;
        if (want > have) {
            long[] more = tr.allocate(x, want - have, target, splitMix64(nodeId));
            long[] all = Arrays.copyOf(w.tokens[x], want);
            System.arraycopy(more, 0, all, have, more.length);
            w.tokens[x] = sortedUnsigned(all);
        } else if (want < have) {
            // drop the tokens that own the fewest partitions under the pure rule
            Long[] mine = new Long[have];
            Map<Long, Integer> gap = new HashMap<>();
            for (int i = 0; i < tr.size(); i++) {
                if (tr.owner(i) == x) {
                    gap.put(tr.token(i), tr.gapCount(i));
                }
            }
            for (int k = 0; k < have; k++) {
                mine[k] = w.tokens[x][k];
            }
            Arrays.sort(mine, (a, b) -> {
                int c = Integer.compare(gap.get(a), gap.get(b));
                return c != 0 ? c : Long.compareUnsigned(a, b);
            });
            long[] keep = new long[want];
            for (int k = 0; k < want; k++) {
                keep[k] = mine[have - want + k];
            }
            for (int k = 0; k < have - want; k++) {
                tr.remove(mine[k]);
            }
            w.tokens[x] = sortedUnsigned(keep);
        }
        int[] quota = w.quotas(target);
        if (newWeight > old.weight() && !w.receivable[x]) {
            // a DOWN node cannot receive: the new weight (and tokens) take effect, its replicas
            // follow when it is UP again and the ring is rebalanced
            return finish(ring, w, Set.of());
        }
        if (newWeight > old.weight()) {
            int[] surplus = new int[w.n];
            for (int i = 0; i < w.n; i++) {
                surplus[i] = i == x ? 0 : Math.max(0, w.load[i] - quota[i]);
            }
            w.pull(tr, x, Math.max(0, quota[x] - w.load[x]), surplus);
        } else {
            int[] surplus = new int[w.n];
            int[] deficit = new int[w.n];
            surplus[x] = Math.max(0, w.load[x] - quota[x]);
            for (int i = 0; i < w.n; i++) {
                if (i != x) {
                    deficit[i] = Math.max(0, quota[i] - w.load[i]);
                }
            }
            w.push(tr, surplus, deficit, new boolean[w.n], target);
        }
        return finish(ring, w, Set.of());
    }

    static RingChange withNodeState(Ring ring, int nodeId, NodeState state) {
        Work w = Work.from(ring, null);
        int x = ring.indexOf(nodeId);
        w.nodes.set(x, w.nodes.get(x).withState(state));
        return finish(ring, w, Set.of());
    }

    static RingChange rebalance(Ring ring) {
        Work w = Work.from(ring, null);
        double[] target = w.targets();
        int[] quota = w.quotas(target);
        int[] surplus = new int[w.n];
        int[] deficit = new int[w.n];
        for (int i = 0; i < w.n; i++) {
            surplus[i] = Math.max(0, w.load[i] - quota[i]);
            deficit[i] = w.receivable[i] ? Math.max(0, quota[i] - w.load[i]) : 0;
        }
        TokenRing tr = TokenRing.of(w.q, w.r, w.zoneAware, w.zone, w.tokens, w.member);
        w.push(tr, surplus, deficit, new boolean[w.n], target);
        // what direct moves cannot fix (zones) goes through chains of moves
        for (int s = 0; s < w.n; s++) {
            while (surplus[s] > 0 && w.chain(s, deficit)) {
                surplus[s]--;
            }
        }
        return finish(ring, w, Set.of());
    }

    /** Applies explicit replica moves (from the load balancer), checking each. */
    static RingChange applyMoves(Ring ring, List<ReplicaMove> moves) {
        Work w = Work.from(ring, null);
        for (ReplicaMove m : moves) {
            int from = ring.indexOf(m.removeNodeId());
            int to = ring.indexOf(m.addNodeId());
            if (w.slotOf(m.partition(), from) < 0) {
                throw new IllegalArgumentException("partition " + m.partition() + " has no replica on node " + m.removeNodeId());
            }
            if (!w.receivable[to] || !w.canReplace(m.partition(), from, to)) {
                throw new IllegalArgumentException("node " + m.addNodeId() + " cannot take a replica of partition "
                        + m.partition() + " (down, already a replica, or its zone is taken)");
            }
            w.replace(m.partition(), from, to);
        }
        return finish(ring, w, Set.of());
    }

    private static RingChange finish(Ring before, Work w, Set<Integer> dead) {
        Ring after = w.build(before.epoch() + 1);
        MovePlan plan = MovePlan.between(before, after, dead);
        if (Boolean.getBoolean("kvkit.paranoid")) {
            plan.verify(before, after);
        }
        return new RingChange(after, plan);
    }

    static long splitMix64(long x) {
        long z = x + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static long[] sortedUnsigned(long[] t) {
        long[] s = new long[t.length];
        for (int i = 0; i < t.length; i++) {
            s[i] = t[i] ^ Long.MIN_VALUE;
        }
        Arrays.sort(s);
        for (int i = 0; i < s.length; i++) {
            s[i] ^= Long.MIN_VALUE;
        }
        return s;
    }

    // ---------------------------------------------------------------- working state

    /** A mutable copy of a ring under change. Node indices: the old ring's, then new nodes appended. */
    static final class Work {
        /**
         * Steps of augmenting-path search allowed per change, in units of Q·R: a bound on the
         * planner's time when exact balance is out of reach; the result is then near-balanced.
         */
        static final int AUGMENT_BUDGET_QR = 64;
        /** The same bound for the move chains of {@link #chain}, in units of Q·R partition scans. */
        static final int CHAIN_BUDGET_QR = 2048;
        private long augmentWork;
        private long chainWork;

        long augmentBudget() {
            return (long) AUGMENT_BUDGET_QR * q * r;
        }
        final int q;
        final int r;
        final boolean zoneAware;
        final int tokensPerStandardWeight;
        final List<RingNode> nodes;
        final int n;
        final long[][] tokens;
        final int[] zone;
        final int[] weight;
        final boolean[] member;
        final boolean[] receivable;
        final int[] assign;
        final int[] load;
        /** The source ring's replica lists (for reuse by the next ring), or null. */
        List<RingNode>[] reusableLists;

        Work(int q, int r, boolean zoneAware, int tokensPerStandardWeight, List<RingNode> nodes, long[][] tokens, int[] assign) {
            this.q = q;
            this.r = r;
            this.zoneAware = zoneAware;
            this.tokensPerStandardWeight = tokensPerStandardWeight;
            this.nodes = new ArrayList<>(nodes);
            this.n = nodes.size();
            this.tokens = tokens;
            this.assign = assign;
            this.zone = new int[n];
            this.weight = new int[n];
            this.member = new boolean[n];
            this.receivable = new boolean[n];
            this.load = new int[n];
            Map<String, Integer> zoneIds = new HashMap<>();
            for (int i = 0; i < n; i++) {
                RingNode node = nodes.get(i);
                zone[i] = zoneIds.computeIfAbsent(node.zone(), z -> zoneIds.size());
                weight[i] = node.weight();
                member[i] = true;
                receivable[i] = node.isUp();
            }
        }

        static Work from(Ring ring, RingNode extra) {
            RingNode[] ns = ring.nodeArray();
            List<RingNode> list = new ArrayList<>(Arrays.asList(ns));
            long[][] tokens = new long[ns.length + (extra == null ? 0 : 1)][];
            for (int i = 0; i < ns.length; i++) {
                tokens[i] = ring.tokenArrays()[i];
            }
            if (extra != null) {
                list.add(extra);
                tokens[ns.length] = new long[0];
            }
            Work w = new Work(ring.partitionCount(), ring.replicationFactor(), ring.zoneAware(),
                    ring.tokensPerStandardWeight(), list, tokens, ring.assignmentArray().clone());
            for (int a : w.assign) {
                w.load[a]++;
            }
            w.reusableLists = ring.replicaListArray();
            return w;
        }

        int tokenCount(int i) {
            return RingOptions.tokenCount(tokensPerStandardWeight, weight[i]);
        }

        /**
         * Each member's target; a DOWN member that would be owed more than it holds is pinned at
         * what it holds (it cannot receive), and the UP members share the rest.
         */
        double[] targets() {
            double[] fixed = new double[n];
            Arrays.fill(fixed, -1);
            double[] t = PlacementTargets.targets(q, r, zoneAware, weight, zone, member, fixed);
            for (int round = 0; round < n; round++) {
                boolean changed = false;
                for (int i = 0; i < n; i++) {
                    if (member[i] && !receivable[i] && fixed[i] < 0 && t[i] > load[i]) {
                        fixed[i] = load[i];
                        changed = true;
                    }
                }
                if (!changed) {
                    break;
                }
                t = PlacementTargets.targets(q, r, zoneAware, weight, zone, member, fixed);
            }
            double sum = 0;
            for (double v : t) {
                sum += v;
            }
            if (Math.abs(sum - (double) q * r) > 0.5) {
                // pinning made the shares infeasible (a zone whose only nodes are down): do not pin
                return PlacementTargets.targets(q, r, zoneAware, weight, zone, member);
            }
            return t;
        }

        /** Targets while the first nodes of a new ring are being placed (fewer than R allowed). */
        double[] allocationTargets(boolean[] placed) {
            int count = 0;
            Set<Integer> zones = new HashSet<>();
            for (int i = 0; i < n; i++) {
                if (placed[i]) {
                    count++;
                    zones.add(zone[i]);
                }
            }
            if (count < r || (zoneAware && zones.size() < r)) {
                double[] t = new double[n];
                for (int i = 0; i < n; i++) {
                    t[i] = placed[i] ? q : 0;
                }
                return t;
            }
            return PlacementTargets.targets(q, r, zoneAware, weight, zone, placed);
        }

        int[] quotas(double[] target) {
            return PlacementTargets.quotas(q, r, zoneAware, target, zone, member, load);
        }

        int slotOf(int p, int node) {
            int base = p * r;
            for (int k = 0; k < r; k++) {
                if (assign[base + k] == node) {
                    return k;
                }
            }
            return -1;
        }

        /** May {@code to} take {@code from}'s replica of p? */
        boolean canReplace(int p, int from, int to) {
            int base = p * r;
            for (int k = 0; k < r; k++) {
                int m = assign[base + k];
                if (m == to) {
                    return false;
                }
                if (zoneAware && m != from && zone[m] == zone[to]) {
                    return false;
                }
            }
            return true;
        }

        void replace(int p, int from, int to) {
            int k = slotOf(p, from);
            assign[p * r + k] = to;
            load[from]--;
            load[to]++;
        }

        /**
         * Receiver-driven moves: node x takes up to {@code need} replicas, each from a replica
         * holder with surplus, walking backwards (counter-clockwise) from each of its tokens in
         * turn, so that it first takes the partitions the pure rule gives it.
         */
        void pull(TokenRing tr, int x, int need, int[] surplus) {
            List<List<Integer>> takenFrom = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                takenFrom.add(new ArrayList<>());
            }
            need = pullPass(tr, x, need, surplus, true, takenFrom);
            need = pullPass(tr, x, need, surplus, false, takenFrom);
            // the greedy can strand x below its quota when the partitions left only have donors
            // without surplus: re-route earlier takes along augmenting paths (b-matching)
            long left = 0;
            for (int v : surplus) {
                left += Math.max(0, v);
            }
            for (int p = 0; p < q && need > 0 && left > 0 && augmentWork < augmentBudget(); p++) {
                if (slotOf(p, x) < 0 && augmentPull(p, x, surplus, takenFrom)) {
                    need--;
                    left--;
                }
            }
        }

        /**
         * Breadth-first search for an augmenting path that lets x take partition p0: x takes p0
         * from a donor d; if d has no surplus left, a partition x took from d earlier is given
         * back to d and taken instead from another of its replicas e; and so on until a donor
         * with surplus ends the path. Every node other than x still only gives.
         */
        private boolean augmentPull(int p0, int x, int[] surplus, List<List<Integer>> takenFrom) {
            int[] parentDonor = new int[n];
            int[] viaPartition = new int[n];
            Arrays.fill(parentDonor, -2);
            java.util.ArrayDeque<Integer> queue = new java.util.ArrayDeque<>();
            for (int k = 0; k < r; k++) {
                int d = assign[p0 * r + k];
                if (parentDonor[d] == -2 && canReplace(p0, d, x)) {
                    parentDonor[d] = -1;
                    viaPartition[d] = p0;
                    queue.add(d);
                }
            }
            while (!queue.isEmpty()) {
                int d = queue.poll();
                if (surplus[d] > 0) {
                    // apply the path back to p0
                    surplus[d]--;
                    int cur = d;
                    while (true) {
                        int p = viaPartition[cur];
                        int prev = parentDonor[cur];
                        if (prev == -1) {
                            replace(p, cur, x);
                            takenFrom.get(cur).add(p);
                            return true;
                        }
                        // p was taken from prev; give it back to prev and take it from cur
                        replace(p, x, prev);
                        replace(p, cur, x);
                        takenFrom.get(prev).remove(Integer.valueOf(p));
                        takenFrom.get(cur).add(p);
                        cur = prev;
                    }
                }
                for (int p : takenFrom.get(d)) {
                    augmentWork++;
                    int slotX = slotOf(p, x);
                    assign[p * r + slotX] = d; // look at p as it was before x took it
                    for (int k = 0; k < r; k++) {
                        int e = assign[p * r + k];
                        if (e != d && parentDonor[e] == -2 && canReplace(p, e, x)) {
                            parentDonor[e] = d;
                            viaPartition[e] = p;
                            queue.add(e);
                        }
                    }
                    assign[p * r + slotX] = x;
                }
            }
            return false;
        }

        /**
         * One pass of {@link #pull}. With {@code naturalOnly} a token's walk stops where the pure
         * rule stops giving x the partition, and the donor preferred is one the pure rule no longer
         * places there; the second pass takes whatever is left.
         */
        private int pullPass(TokenRing tr, int x, int need, int[] surplus, boolean naturalOnly, List<List<Integer>> takenFrom) {
            long[] mine = tokens[x];
            int t = mine.length;
            int[] cursor = new int[t];
            int[] walked = new int[t];
            for (int k = 0; k < t; k++) {
                cursor[k] = tr.slot(mine[k]);
            }
            while (need > 0) {
                boolean progressed = false;
                for (int k = 0; k < t && need > 0; k++) {
                    while (walked[k] < q) {
                        int p = cursor[k];
                        cursor[k] = p == 0 ? q - 1 : p - 1;
                        walked[k]++;
                        int[] natural = naturalOnly ? tr.naturalReplicas(p) : null;
                        if (naturalOnly && !contains(natural, x)) {
                            walked[k] = q; // left x's natural run behind this token
                            break;
                        }
                        if (slotOf(p, x) >= 0) {
                            continue;
                        }
                        int donor = -1;
                        int donorRank = -1;
                        int base = p * r;
                        for (int s = 0; s < r; s++) {
                            int d = assign[base + s];
                            if (surplus[d] <= 0 || !canReplace(p, d, x)) {
                                continue;
                            }
                            int rank = (natural != null && !contains(natural, d) ? 2 : 0) + (surplus[d] > 1 ? 1 : 0);
                            if (rank >= donorRank) {
                                donor = d;
                                donorRank = rank;
                            }
                        }
                        if (donor >= 0) {
                            replace(p, donor, x);
                            takenFrom.get(donor).add(p);
                            surplus[donor]--;
                            need--;
                            progressed = true;
                            break;
                        }
                    }
                }
                if (!progressed) {
                    return need;
                }
            }
            return need;
        }

        private static boolean contains(int[] a, int v) {
            for (int e : a) {
                if (e == v) {
                    return true;
                }
            }
            return false;
        }

        /**
         * Donor-driven moves: each node with surplus gives replicas (all of them when
         * {@code mustEmpty}); each goes to the first node with a deficit met walking clockwise
         * over the tokens from the partition's start. A node that must empty and finds no
         * receiver with a deficit gives to the eligible node furthest below its target.
         */
        void push(TokenRing tr, int[] surplus, int[] deficit, boolean[] mustEmpty, double[] target) {
            List<List<Integer>> partitionsOf = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                partitionsOf.add(surplus[i] > 0 ? new ArrayList<>() : null);
            }
            for (int p = 0; p < q; p++) {
                for (int k = 0; k < r; k++) {
                    List<Integer> l = partitionsOf.get(assign[p * r + k]);
                    if (l != null) {
                        l.add(p);
                    }
                }
            }
            List<List<int[]>> movedTo = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                movedTo.add(new ArrayList<>());
            }
            DeficitList open = new DeficitList(deficit);
            long[] dist = null;
            for (int s = 0; s < n; s++) {
                if (surplus[s] <= 0) {
                    continue;
                }
                List<Integer> mine = partitionsOf.get(s);
                if (!mustEmpty[s] && tokens[s].length > 0) {
                    // give first where s is furthest from its own tokens (where the pure rule least wants it)
                    long[] ts = tokens[s];
                    if (dist == null) {
                        dist = new long[q];
                    }
                    for (int p : mine) {
                        dist[p] = nextTokenDistance(ts, startOf(p));
                    }
                    long[] d = dist;
                    mine.sort((a, b) -> Long.compareUnsigned(d[b], d[a]));
                }
                List<Integer> unplaced = new ArrayList<>();
                for (int p : mine) {
                    if (surplus[s] == 0 || (!mustEmpty[s] && open.isEmpty())) {
                        break;
                    }
                    int to = open.isEmpty() ? -1 : receiverFor(tr, p, s, deficit, open);
                    if (to < 0) {
                        unplaced.add(p);
                        continue;
                    }
                    moveForPush(p, s, to, surplus, deficit, movedTo);
                }
                // what the direct walk could not place: augmenting paths, then (for a node that
                // must empty) the eligible node furthest below its target
                for (int p : unplaced) {
                    if (surplus[s] == 0) {
                        break;
                    }
                    if (augmentPush(p, s, deficit, movedTo)) {
                        surplus[s]--;
                        continue;
                    }
                    if (!mustEmpty[s]) {
                        continue;
                    }
                    int to = -1;
                    double best = Double.POSITIVE_INFINITY;
                    for (int o = 0; o < n; o++) {
                        if (receivable[o] && member[o] && canReplace(p, s, o) && load[o] - target[o] < best) {
                            best = load[o] - target[o];
                            to = o;
                        }
                    }
                    if (to < 0) {
                        throw new IllegalArgumentException("no node can take node " + nodes.get(s).id()
                                + "'s replica of partition " + p + " (every up node is a replica already"
                                + (zoneAware ? " or in the zone of one" : "") + ")");
                    }
                    moveForPush(p, s, to, surplus, deficit, movedTo);
                }
            }
        }

        private void moveForPush(int p, int s, int to, int[] surplus, int[] deficit, List<List<int[]>> movedTo) {
            replace(p, s, to);
            movedTo.get(to).add(new int[] {p, s});
            surplus[s]--;
            if (deficit[to] > 0) {
                deficit[to]--;
            }
        }

        /** Tokens walked clockwise before falling back to a scan of the nodes still owed replicas. */
        private static final int WALK_LIMIT_TOKENS = 64;

        /**
         * The receiver of s's replica of p: the first node with a deficit met walking clockwise
         * from p's start (where the pure rule would put the replica); past a short walk, the
         * owed node whose next token is nearest clockwise.
         */
        private int receiverFor(TokenRing tr, int p, int s, int[] deficit, DeficitList open) {
            if (tr.size() == 0) {
                return -1;
            }
            int i = tr.gapOfPartition(p);
            int limit = Math.min(tr.size(), WALK_LIMIT_TOKENS);
            for (int step = 0; step < limit; step++) {
                int o = tr.owner(i);
                if (deficit[o] > 0 && receivable[o] && canReplace(p, s, o)) {
                    return o;
                }
                i = i + 1 == tr.size() ? 0 : i + 1;
            }
            int best = -1;
            long bestDist = 0;
            long start = startOf(p);
            for (int k = 0; k < open.size(); k++) {
                int o = open.get(k);
                if (deficit[o] <= 0 || !receivable[o] || !canReplace(p, s, o) || tokens[o].length == 0) {
                    continue;
                }
                long d = nextTokenDistance(tokens[o], start);
                if (best < 0 || Long.compareUnsigned(d, bestDist) < 0) {
                    best = o;
                    bestDist = d;
                }
            }
            return best;
        }

        /** The nodes still owed replicas, compacted as their deficits reach zero. */
        private static final class DeficitList {
            private final int[] deficit;
            private int[] ids;
            private int size;

            DeficitList(int[] deficit) {
                this.deficit = deficit;
                this.ids = new int[deficit.length];
                for (int i = 0; i < deficit.length; i++) {
                    if (deficit[i] > 0) {
                        ids[size++] = i;
                    }
                }
            }

            boolean isEmpty() {
                compact();
                return size == 0;
            }

            int size() {
                return size;
            }

            int get(int k) {
                return ids[k];
            }

            private void compact() {
                int w = 0;
                for (int k = 0; k < size; k++) {
                    if (deficit[ids[k]] > 0) {
                        ids[w++] = ids[k];
                    }
                }
                size = w;
            }
        }

        /**
         * Breadth-first search for an augmenting path that places s's replica of p0: it goes to a
         * receiver t; if t has no deficit left, a replica t received earlier in this change moves
         * on to another receiver instead (as if it had gone there directly); and so on until a
         * receiver with deficit ends the path. Nodes that only give still only give.
         */
        private boolean augmentPush(int p0, int s, int[] deficit, List<List<int[]>> movedTo) {
            if (!anyPositive(deficit) || augmentWork >= augmentBudget()) {
                return false;
            }
            int[] parent = new int[n];
            int[] viaPartition = new int[n];
            int[] viaFrom = new int[n];
            Arrays.fill(parent, -2);
            java.util.ArrayDeque<Integer> queue = new java.util.ArrayDeque<>();
            for (int t = 0; t < n; t++) {
                if (receivable[t] && member[t] && canReplace(p0, s, t)) {
                    parent[t] = -1;
                    viaPartition[t] = p0;
                    viaFrom[t] = s;
                    queue.add(t);
                }
            }
            while (!queue.isEmpty()) {
                int t = queue.poll();
                if (deficit[t] > 0) {
                    deficit[t]--;
                    int cur = t;
                    while (true) {
                        int p = viaPartition[cur];
                        int from = viaFrom[cur];
                        int prev = parent[cur];
                        if (prev == -1) {
                            replace(p, from, cur);
                            movedTo.get(cur).add(new int[] {p, from});
                            return true;
                        }
                        // prev received p (from `from`); it goes to cur instead
                        replace(p, prev, cur);
                        List<int[]> l = movedTo.get(prev);
                        for (int i = 0; i < l.size(); i++) {
                            if (l.get(i)[0] == p) {
                                l.remove(i);
                                break;
                            }
                        }
                        movedTo.get(cur).add(new int[] {p, from});
                        cur = prev;
                    }
                }
                for (int[] item : movedTo.get(t)) {
                    augmentWork += 1 + n / 16;
                    int p = item[0];
                    for (int u = 0; u < n; u++) {
                        if (parent[u] == -2 && receivable[u] && member[u] && canReplace(p, t, u)) {
                            parent[u] = t;
                            viaPartition[u] = p;
                            viaFrom[u] = item[1];
                            queue.add(u);
                        }
                    }
                }
            }
            return false;
        }

        private static boolean anyPositive(int[] a) {
            for (int v : a) {
                if (v > 0) {
                    return true;
                }
            }
            return false;
        }

        /**
         * Finds the shortest chain s gives p1 to t1, t1 gives p2 to t2, ..., ending at a node with
         * a deficit, and applies it: s loses one replica, the last node gains one, the nodes in
         * between hold as many as before. This is how zones are rebalanced: a node can often hand
         * a replica only to a node of its own zone, which then hands one of its own onwards.
         */
        boolean chain(int s, int[] deficit) {
            if (!anyPositive(deficit) || chainWork >= (long) CHAIN_BUDGET_QR * q * r) {
                return false;
            }
            int[] parent = new int[n];
            int[] viaP = new int[n];
            Arrays.fill(parent, -2);
            parent[s] = -1;
            java.util.ArrayDeque<Integer> queue = new java.util.ArrayDeque<>();
            queue.add(s);
            while (!queue.isEmpty()) {
                int a = queue.poll();
                chainWork += q;
                for (int p = 0; p < q; p++) {
                    if (slotOf(p, a) < 0) {
                        continue;
                    }
                    for (int b = 0; b < n; b++) {
                        if (parent[b] != -2 || !receivable[b] || !member[b] || !canReplace(p, a, b)) {
                            continue;
                        }
                        parent[b] = a;
                        viaP[b] = p;
                        if (deficit[b] > 0) {
                            if (applyChain(b, parent, viaP)) {
                                deficit[b]--;
                                return true;
                            }
                            return false;
                        }
                        queue.add(b);
                    }
                }
            }
            return false;
        }

        private boolean applyChain(int end, int[] parent, int[] viaP) {
            List<int[]> done = new ArrayList<>();
            for (int b = end; parent[b] >= 0; b = parent[b]) {
                int a = parent[b];
                int p = viaP[b];
                if (slotOf(p, a) < 0 || !canReplace(p, a, b)) {
                    // two steps of the chain touch one partition: undo and give up on this chain
                    for (int i = done.size() - 1; i >= 0; i--) {
                        replace(done.get(i)[0], done.get(i)[2], done.get(i)[1]);
                    }
                    return false;
                }
                replace(p, a, b);
                done.add(new int[] {p, a, b});
            }
            return true;
        }

        long startOf(int p) {
            int log2 = Integer.numberOfTrailingZeros(q);
            return log2 == 0 ? 0L : ((long) p) << (64 - log2);
        }

        static long nextTokenDistance(long[] sortedTokens, long from) {
            int lo = 0;
            int hi = sortedTokens.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (Long.compareUnsigned(sortedTokens[mid], from) >= 0) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            long t = lo == sortedTokens.length ? sortedTokens[0] : sortedTokens[lo];
            return t - from; // unsigned distance clockwise
        }

        /** Freezes the work as a ring: drops removed nodes, sorts by id, orders replicas by the clockwise walk. */
        Ring build(long epoch) {
            List<Integer> keep = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (member[i]) {
                    keep.add(i);
                }
            }
            keep.sort((a, b) -> Integer.compare(nodes.get(a).id(), nodes.get(b).id()));
            int[] newIndex = new int[n];
            Arrays.fill(newIndex, -1);
            RingNode[] ns = new RingNode[keep.size()];
            long[][] ts = new long[keep.size()][];
            for (int j = 0; j < keep.size(); j++) {
                int i = keep.get(j);
                newIndex[i] = j;
                ns[j] = nodes.get(i);
                ts[j] = tokens[i];
            }
            int[] out = new int[q * r];
            long[] dist = new long[r];
            int[] row = new int[r];
            for (int p = 0; p < q; p++) {
                long start = startOf(p);
                for (int k = 0; k < r; k++) {
                    int i = assign[p * r + k];
                    if (!member[i]) {
                        throw new IllegalStateException("partition " + p + " still has a replica on removed node "
                                + nodes.get(i).id());
                    }
                    row[k] = i;
                    dist[k] = nextTokenDistance(tokens[i], start);
                }
                // insertion sort by unsigned clockwise distance: R is tiny
                for (int a = 1; a < r; a++) {
                    int ri = row[a];
                    long di = dist[a];
                    int b = a - 1;
                    while (b >= 0 && Long.compareUnsigned(dist[b], di) > 0) {
                        row[b + 1] = row[b];
                        dist[b + 1] = dist[b];
                        b--;
                    }
                    row[b + 1] = ri;
                    dist[b + 1] = di;
                }
                for (int k = 0; k < r; k++) {
                    out[p * r + k] = newIndex[row[k]];
                }
            }
            return new Ring(epoch, q, r, zoneAware, tokensPerStandardWeight, ns, ts, out, reusableLists);
        }
    }
}
