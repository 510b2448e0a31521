package io.kvkit.ring;

import java.util.ArrayList;
import java.util.List;

/** Shared builders and measurements for the ring tests. */
final class RingFixtures {
    private RingFixtures() {}

    static RingOptions options(int q, int r) {
        return RingOptions.defaults().withPartitionCount(q).withReplicationFactor(r);
    }

    static List<RingNode> nodes(int count) {
        List<RingNode> l = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            l.add(RingNode.of(i, "10.0.0." + i + ":7000"));
        }
        return l;
    }

    static List<RingNode> zonedNodes(int count, int zones) {
        List<RingNode> l = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            l.add(RingNode.of(i, "10.0." + (i % zones) + "." + i + ":7000", "zone-" + (i % zones)));
        }
        return l;
    }

    /** Max over nodes of replicas/mean replicas (equal weights). */
    static double maxOverMean(Ring ring) {
        double mean = (double) ring.partitionCount() * ring.replicationFactor() / ring.nodes().size();
        int max = 0;
        for (RingNode n : ring.nodes()) {
            max = Math.max(max, ring.replicaCount(n.id()));
        }
        return max / mean;
    }

    /**
     * The weighted share of R·Q each node should hold (capped at Q, water-filled), by node index.
     * A DOWN node cannot receive, so where its share exceeds what it holds it is pinned at what it
     * holds and the UP nodes share the rest.
     */
    static double[] shares(Ring ring) {
        RingNode[] ns = ring.nodeArray();
        int[] w = new int[ns.length];
        boolean[] member = new boolean[ns.length];
        double[] fixed = new double[ns.length];
        for (int i = 0; i < ns.length; i++) {
            w[i] = ns[i].weight();
            member[i] = true;
            fixed[i] = -1;
        }
        double[] t = PlacementTargets.targets(ring.partitionCount(), ring.replicationFactor(), ring.zoneAware(), w,
                ring.zoneIds(), member, fixed);
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int i = 0; i < ns.length; i++) {
                int held = ring.replicaCount(ns[i].id());
                if (!ns[i].isUp() && fixed[i] < 0 && t[i] > held) {
                    fixed[i] = held;
                    changed = true;
                }
            }
            t = PlacementTargets.targets(ring.partitionCount(), ring.replicationFactor(), ring.zoneAware(), w,
                    ring.zoneIds(), member, fixed);
        }
        return t;
    }

    /** Largest |replicas - share| / share over nodes. */
    static double worstShareError(Ring ring) {
        double[] s = shares(ring);
        double worst = 0;
        RingNode[] ns = ring.nodeArray();
        for (int i = 0; i < ns.length; i++) {
            worst = Math.max(worst, Math.abs(ring.replicaCount(ns[i].id()) - s[i]) / s[i]);
        }
        return worst;
    }

    /** Structural invariants every ring must satisfy (PITFALLS 19: exactly one replica group per partition). */
    static void checkInvariants(Ring ring) {
        int q = ring.partitionCount();
        int r = ring.replicationFactor();
        long total = 0;
        for (int p = 0; p < q; p++) {
            List<RingNode> reps = ring.replicas(p);
            if (reps.size() != r) {
                throw new AssertionError("partition " + p + " has " + reps.size() + " replicas");
            }
            for (int a = 0; a < r; a++) {
                for (int b = a + 1; b < r; b++) {
                    if (reps.get(a).id() == reps.get(b).id()) {
                        throw new AssertionError("partition " + p + ": node twice");
                    }
                    if (ring.zoneAware() && reps.get(a).zone().equals(reps.get(b).zone())) {
                        throw new AssertionError("partition " + p + ": zone twice");
                    }
                }
            }
        }
        for (RingNode n : ring.nodes()) {
            total += ring.replicaCount(n.id());
            if (ring.partitionsOf(n.id()).getCardinality() != ring.replicaCount(n.id())) {
                throw new AssertionError("bitmap and count disagree for node " + n.id());
            }
        }
        if (total != (long) q * r) {
            throw new AssertionError("replicas sum to " + total + ", expected " + (long) q * r);
        }
    }
}
