package io.kvkit.ring;

import java.util.ArrayList;
import java.util.List;

/**
 * Plans load balancing from measured load.
 *
 * <p>Model: a partition's leader serves all of its client ops; each follower pays
 * {@link RingOptions#followerOpsCostFraction()} of them (it applies the writes); every replica
 * stores the partition's bytes. A node's load in each dimension is divided by its weight, so a
 * node of weight 200 is "as loaded" as one of weight 100 carrying half as much. The imbalance is
 * max/mean over UP nodes of that normalized load.
 *
 * <p>Plan, one bounded step at a time: (1) while ops are out of balance and the step allows,
 * move the leadership of one partition off the most loaded node to its least loaded UP replica,
 * choosing the partition that lowers the pair's maximum the most; leadership moves no data.
 * (2) then, while ops or bytes are still out of balance, move one follower replica off the most
 * loaded node (in the worse dimension) to the least loaded eligible node, choosing the partition
 * that lowers the pair's maximum the most. Every move must strictly improve, so the planner
 * stops rather than oscillates. Replica moves trade replica-count balance for load balance by
 * design; they never break the replica-set rules (distinct nodes, zones, UP receivers).
 */
public final class LoadBalancer {
    private final RingOptions options;

    public LoadBalancer(RingOptions options) {
        this.options = options;
    }

    /**
     * @param ring          the current ring
     * @param load          measured load per partition, indexed by partition
     * @param leaderNodeId  the current leader of each partition (a replica of it)
     * @param nodeExtraOpsPerSecond measured ops/s of each node (by node index in
     *                      {@link Ring#nodes()}) beyond what its partitions explain, or null
     */
    public LoadBalancePlan plan(Ring ring, PartitionLoad[] load, int[] leaderNodeId, double[] nodeExtraOpsPerSecond) {
        int q = ring.partitionCount();
        int r = ring.replicationFactor();
        if (load.length != q || leaderNodeId.length != q) {
            throw new IllegalArgumentException("need one load and one leader per partition (" + q + "), got "
                    + load.length + " loads and " + leaderNodeId.length + " leaders");
        }
        List<RingNode> nodes = ring.nodes();
        int n = nodes.size();
        if (nodeExtraOpsPerSecond != null && nodeExtraOpsPerSecond.length != n) {
            throw new IllegalArgumentException("nodeExtraOpsPerSecond needs one entry per node (" + n + "), got "
                    + nodeExtraOpsPerSecond.length);
        }
        int[] assign = ring.assignmentArray().clone();
        int[] leader = new int[q];
        for (int p = 0; p < q; p++) {
            leader[p] = -1;
            for (int k = 0; k < r; k++) {
                if (ring.replicaNodeId(p, k) == leaderNodeId[p]) {
                    leader[p] = assign[p * r + k];
                }
            }
            if (leader[p] < 0) {
                throw new IllegalArgumentException("partition " + p + ": leader " + leaderNodeId[p] + " is not one of its replicas");
            }
        }
        double f = options.followerOpsCostFraction();
        double[] w = new double[n];
        boolean[] up = new boolean[n];
        double wUp = 0;
        for (int i = 0; i < n; i++) {
            w[i] = nodes.get(i).weight();
            up[i] = nodes.get(i).isUp();
            if (up[i]) {
                wUp += w[i];
            }
        }
        double[] ops = new double[n];
        double[] bytes = new double[n];
        for (int p = 0; p < q; p++) {
            for (int k = 0; k < r; k++) {
                int i = assign[p * r + k];
                ops[i] += (i == leader[p] ? 1.0 : f) * load[p].opsPerSecond();
                bytes[i] += load[p].bytes();
            }
        }
        if (nodeExtraOpsPerSecond != null) {
            for (int i = 0; i < n; i++) {
                ops[i] += Math.max(0, nodeExtraOpsPerSecond[i]);
            }
        }
        double factor = options.loadBalanceMaxOverMean();
        double opsBefore = maxOverMean(ops, w, up, wUp);
        double bytesBefore = maxOverMean(bytes, w, up, wUp);

        // (1) leader transfers
        List<LeaderTransfer> transfers = new ArrayList<>();
        boolean leaderBudgetUsed = false;
        while (transfers.size() < options.loadBalanceMaxLeaderTransfersPerStep() && maxOverMean(ops, w, up, wUp) > factor) {
            int hot = argMax(ops, w, up);
            double hotLoad = ops[hot] / w[hot];
            int bestP = -1;
            int bestTo = -1;
            double bestMax = hotLoad;
            for (int p = 0; p < q; p++) {
                if (leader[p] != hot) {
                    continue;
                }
                double shift = (1.0 - f) * load[p].opsPerSecond();
                if (shift <= 0) {
                    continue;
                }
                for (int k = 0; k < r; k++) {
                    int c = assign[p * r + k];
                    if (c == hot || !up[c]) {
                        continue;
                    }
                    double m = Math.max((ops[hot] - shift) / w[hot], (ops[c] + shift) / w[c]);
                    if (m < bestMax - 1e-12) {
                        bestMax = m;
                        bestP = p;
                        bestTo = c;
                    }
                }
            }
            if (bestP < 0) {
                break;
            }
            if (transfers.size() + 1 == options.loadBalanceMaxLeaderTransfersPerStep()) {
                leaderBudgetUsed = true;
            }
            double shift = (1.0 - f) * load[bestP].opsPerSecond();
            ops[hot] -= shift;
            ops[bestTo] += shift;
            leader[bestP] = bestTo;
            transfers.add(new LeaderTransfer(bestP, nodes.get(hot).id(), nodes.get(bestTo).id()));
        }

        // (2) replica moves of followers
        List<ReplicaMove> moves = new ArrayList<>();
        int[] zone = ring.zoneIds();
        while (moves.size() < options.loadBalanceMaxReplicaMovesPerStep()) {
            double opsRatio = maxOverMean(ops, w, up, wUp);
            double bytesRatio = maxOverMean(bytes, w, up, wUp);
            if (opsRatio <= factor && bytesRatio <= factor) {
                break;
            }
            // ops imbalance goes to replica moves only once leader transfers can do no more;
            // when this step's transfers ran out of budget, the next step continues with them
            boolean opsNeedsMoves = opsRatio > factor && !leaderBudgetUsed;
            if (!opsNeedsMoves && bytesRatio <= factor) {
                break;
            }
            boolean byOps = opsNeedsMoves && (opsRatio >= bytesRatio || bytesRatio <= factor);
            double[] dim = byOps ? ops : bytes;
            int hot = argMax(dim, w, up);
            int bestP = -1;
            int bestTo = -1;
            double bestMax = dim[hot] / w[hot];
            Integer[] coldFirst = new Integer[n];
            for (int i = 0; i < n; i++) {
                coldFirst[i] = i;
            }
            java.util.Arrays.sort(coldFirst, (a, b) -> Double.compare(dim[a] / w[a], dim[b] / w[b]));
            coldFirst = java.util.Arrays.stream(coldFirst).filter(i -> up[i]).toArray(Integer[]::new);
            for (int p = 0; p < q; p++) {
                int slot = -1;
                for (int k = 0; k < r; k++) {
                    if (assign[p * r + k] == hot) {
                        slot = k;
                    }
                }
                if (slot < 0 || leader[p] == hot) {
                    continue;
                }
                double shift = byOps ? f * load[p].opsPerSecond() : load[p].bytes();
                if (shift <= 0) {
                    continue;
                }
                // the coldest eligible node is the best receiver for any given partition
                for (int c : coldFirst) {
                    if (!eligible(assign, p, r, hot, c, ring.zoneAware(), zone)) {
                        continue;
                    }
                    double m = Math.max((dim[hot] - shift) / w[hot], (dim[c] + shift) / w[c]);
                    if (m < bestMax - 1e-12) {
                        bestMax = m;
                        bestP = p;
                        bestTo = c;
                    }
                    break;
                }
            }
            if (bestP < 0) {
                break;
            }
            for (int k = 0; k < r; k++) {
                if (assign[bestP * r + k] == hot) {
                    assign[bestP * r + k] = bestTo;
                }
            }
            ops[hot] -= f * load[bestP].opsPerSecond();
            ops[bestTo] += f * load[bestP].opsPerSecond();
            bytes[hot] -= load[bestP].bytes();
            bytes[bestTo] += load[bestP].bytes();
            moves.add(new ReplicaMove(bestP, nodes.get(bestTo).id(), nodes.get(hot).id()));
        }
        RingChange change = moves.isEmpty()
                ? new RingChange(ring, MovePlan.empty(ring.epoch(), ring.epoch()))
                : RingPlanner.applyMoves(ring, moves);
        double opsAfter = maxOverMean(ops, w, up, wUp);
        double bytesAfter = maxOverMean(bytes, w, up, wUp);
        int[] leaderIds = new int[q];
        for (int p = 0; p < q; p++) {
            leaderIds[p] = nodes.get(leader[p]).id();
        }
        return new LoadBalancePlan(transfers, change, opsBefore, opsAfter, bytesBefore, bytesAfter,
                opsAfter <= factor && bytesAfter <= factor, leaderIds);
    }

    private static boolean eligible(int[] assign, int p, int r, int from, int to, boolean zoneAware, int[] zone) {
        for (int k = 0; k < r; k++) {
            int m = assign[p * r + k];
            if (m == to || (zoneAware && m != from && zone[m] == zone[to])) {
                return false;
            }
        }
        return true;
    }

    /** max over UP nodes of load/weight, divided by (total load of UP nodes / their total weight); 1.0 when idle. */
    static double maxOverMean(double[] load, double[] w, boolean[] up, double wUp) {
        double total = 0;
        double max = 0;
        for (int i = 0; i < load.length; i++) {
            if (up[i]) {
                total += load[i];
                max = Math.max(max, load[i] / w[i]);
            }
        }
        return total <= 0 ? 1.0 : max / (total / wUp);
    }

    private static int argMax(double[] load, double[] w, boolean[] up) {
        int best = -1;
        for (int i = 0; i < load.length; i++) {
            if (up[i] && (best < 0 || load[i] / w[i] > load[best] / w[best])) {
                best = i;
            }
        }
        return best;
    }
}
