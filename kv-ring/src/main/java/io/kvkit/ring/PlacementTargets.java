package io.kvkit.ring;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How many replicas each node should hold: its weight's share of R·Q, capped at Q (a node holds
 * at most one replica of a partition) and, with zones, each zone capped at Q too (a zone holds at
 * most one replica of a partition); what a cap cuts off is shared among the others in proportion
 * to weight ("water filling"). Then integer quotas by largest remainder, rounding up first the
 * nodes that already hold more, so that rounding itself moves nothing.
 */
final class PlacementTargets {
    private PlacementTargets() {}

    /** Real-valued targets; members[n] false means node n holds nothing (target 0). */
    static double[] targets(int q, int r, boolean zoneAware, int[] weight, int[] zoneOf, boolean[] members) {
        return targets(q, r, zoneAware, weight, zoneOf, members, null);
    }

    /**
     * Targets where {@code fixed[n] >= 0} pins node n at that many replicas (a DOWN node cannot
     * receive, so its target is never above what it holds); the others share the rest by weight.
     */
    static double[] targets(int q, int r, boolean zoneAware, int[] weight, int[] zoneOf, boolean[] members, double[] fixed) {
        int n = weight.length;
        double[] target = new double[n];
        double total = (double) r * q;
        if (!zoneAware) {
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (members[i]) {
                    all.add(i);
                }
            }
            if (all.size() < r) {
                throw new IllegalArgumentException("replication factor " + r + " needs at least " + r
                        + " nodes, the ring would have " + all.size());
            }
            double rest = total;
            List<Integer> free = new ArrayList<>();
            for (int i : all) {
                if (fixed != null && fixed[i] >= 0) {
                    target[i] = fixed[i];
                    rest -= fixed[i];
                } else {
                    free.add(i);
                }
            }
            if (!free.isEmpty()) {
                waterFill(Math.max(0, rest), free, weight, q, target);
            }
            return target;
        }
        int zones = 0;
        for (int i = 0; i < n; i++) {
            if (members[i]) {
                zones = Math.max(zones, zoneOf[i] + 1);
            }
        }
        List<List<Integer>> byZone = new ArrayList<>();
        for (int z = 0; z < zones; z++) {
            byZone.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            if (members[i]) {
                byZone.get(zoneOf[i]).add(i);
            }
        }
        int[] zoneWeight = new int[zones];
        List<Integer> liveZones = new ArrayList<>();
        for (int z = 0; z < zones; z++) {
            for (int i : byZone.get(z)) {
                zoneWeight[z] += weight[i];
            }
            if (!byZone.get(z).isEmpty()) {
                liveZones.add(z);
            }
        }
        if (liveZones.size() < r) {
            throw new IllegalArgumentException("zone-aware placement with replication factor " + r + " needs nodes in at least "
                    + r + " zones, the ring would have " + liveZones.size());
        }
        double[] zoneTarget = new double[zones];
        waterFill(total, liveZones, zoneWeight, q, zoneTarget);
        for (int z : liveZones) {
            double rest = zoneTarget[z];
            List<Integer> free = new ArrayList<>();
            for (int i : byZone.get(z)) {
                if (fixed != null && fixed[i] >= 0) {
                    target[i] = fixed[i];
                    rest -= fixed[i];
                } else {
                    free.add(i);
                }
            }
            if (!free.isEmpty()) {
                waterFill(Math.max(0, rest), free, weight, q, target);
            }
        }
        return target;
    }

    private static void waterFill(double total, List<Integer> members, int[] weight, double cap, double[] out) {
        List<Integer> open = new ArrayList<>(members);
        double remaining = total;
        while (true) {
            double w = 0;
            for (int i : open) {
                w += weight[i];
            }
            List<Integer> capped = new ArrayList<>();
            for (int i : open) {
                if (remaining * weight[i] / w > cap) {
                    capped.add(i);
                }
            }
            if (capped.isEmpty()) {
                for (int i : open) {
                    out[i] = remaining * weight[i] / w;
                }
                return;
            }
            for (int i : capped) {
                out[i] = cap;
                remaining -= cap;
            }
            open.removeAll(capped);
            if (open.isEmpty()) {
                return;
            }
        }
    }

    /** Integer quotas summing to R·Q (per zone with zones), each within 1 of its target. */
    static int[] quotas(int q, int r, boolean zoneAware, double[] target, int[] zoneOf, boolean[] members, int[] load) {
        int n = target.length;
        int[] quota = new int[n];
        if (!zoneAware) {
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (members[i]) {
                    all.add(i);
                }
            }
            largestRemainder(r * q, all, target, load, q, quota);
            return quota;
        }
        int zones = 0;
        for (int i = 0; i < n; i++) {
            if (members[i]) {
                zones = Math.max(zones, zoneOf[i] + 1);
            }
        }
        double[] zoneTarget = new double[zones];
        int[] zoneLoad = new int[zones];
        List<List<Integer>> byZone = new ArrayList<>();
        for (int z = 0; z < zones; z++) {
            byZone.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            if (members[i]) {
                zoneTarget[zoneOf[i]] += target[i];
                zoneLoad[zoneOf[i]] += load[i];
                byZone.get(zoneOf[i]).add(i);
            }
        }
        List<Integer> liveZones = new ArrayList<>();
        for (int z = 0; z < zones; z++) {
            if (!byZone.get(z).isEmpty()) {
                liveZones.add(z);
            }
        }
        int[] zoneQuota = new int[zones];
        largestRemainder(r * q, liveZones, zoneTarget, zoneLoad, q, zoneQuota);
        for (int z : liveZones) {
            largestRemainder(zoneQuota[z], byZone.get(z), target, load, q, quota);
        }
        return quota;
    }

    private static void largestRemainder(int total, List<Integer> members, double[] target, int[] load, int cap, int[] out) {
        int sum = 0;
        for (int i : members) {
            out[i] = (int) Math.min(cap, Math.floor(target[i] + 1e-9));
            sum += out[i];
        }
        int rest = total - sum;
        if (rest < 0) {
            // float noise pushed a floor over; take back from the largest overshoots
            Integer[] order = members.toArray(new Integer[0]);
            Arrays.sort(order, (a, b) -> Double.compare(out[b] - target[b], out[a] - target[a]));
            for (int k = 0; rest < 0; k = (k + 1) % order.length) {
                if (out[order[k]] > 0) {
                    out[order[k]]--;
                    rest++;
                }
            }
            return;
        }
        Integer[] order = members.stream().filter(i -> out[i] < cap).toArray(Integer[]::new);
        // nodes already above their floor first (rounding them up moves nothing), then by remainder
        Arrays.sort(order, (a, b) -> {
            int sa = load[a] > out[a] ? 1 : 0;
            int sb = load[b] > out[b] ? 1 : 0;
            if (sa != sb) {
                return sb - sa;
            }
            int c = Double.compare(target[b] - out[b], target[a] - out[a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        if (rest > order.length) {
            throw new IllegalStateException("cannot place " + total + " replicas on " + members.size()
                    + " nodes with at most " + cap + " each");
        }
        for (int k = 0; k < rest; k++) {
            out[order[k]]++;
        }
    }
}
