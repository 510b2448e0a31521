package io.kvkit.server.meta;

import io.kvkit.ring.NodeState;
import io.kvkit.ring.Ring;
import io.kvkit.ring.RingNode;
import io.kvkit.ring.RingOptions;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PreferredLeadersTest {

    @Test
    void nEqualsRGivesEveryNodeItsShareInsteadOfAll() {
        ClusterState s = ClusterBootstrap.initialState(Founders.members(3), 8, 3, 3, "lsm", Map.of());
        // the ring's own rank 0 (what the state held before): one node first everywhere, or close to it
        Map<Long, Integer> ringFirsts = new TreeMap<>();
        for (int p = 0; p < 8; p++) {
            ringFirsts.merge((long) s.ring().replicas(p).getFirst().id(), 1, Integer::sum);
        }
        System.out.println("PreferredLeadersTest: ring rank 0 per node at N=R=3, Q=8: " + ringFirsts);
        assertThat(firsts(s)).containsOnlyKeys(1L, 2L, 3L).allSatisfy((id, n) -> assertThat(n).isBetween(2, 3));
    }

    @Test
    void equalWeightsGiveFloorOrCeilingForManyShapes() {
        for (int[] shape : new int[][] {{3, 3, 8}, {3, 3, 64}, {5, 3, 64}, {5, 3, 8}, {4, 3, 16}, {7, 5, 256}, {10, 3, 64},
                {6, 2, 32}, {3, 1, 4}, {5, 3, 4096}}) {
            int n = shape[0], r = shape[1], q = shape[2];
            ClusterState s = ClusterBootstrap.initialState(Founders.members(n), q, r, 1, "lsm", Map.of());
            Map<Long, Integer> firsts = firsts(s);
            int floor = q / n, ceil = (q + n - 1) / n;
            for (long id = 1; id <= n; id++) {
                assertThat(firsts.getOrDefault(id, 0)).as("node %d first for, N=%d R=%d Q=%d: %s", id, n, r, q, firsts)
                        .isBetween(floor, ceil);
            }
            for (int p = 0; p < q; p++) {
                assertThat(s.replicas(p)).containsExactlyInAnyOrderElementsOf(
                        s.ring().replicas(p).stream().map(x -> (long) x.id()).toList());
            }
        }
    }

    @Test
    void theOthersKeepTheRingsOrder() {
        ClusterState s = ClusterBootstrap.initialState(Founders.members(5), 64, 3, 3, "lsm", Map.of());
        for (int p = 0; p < 64; p++) {
            List<Long> ring = new ArrayList<>(s.ring().replicas(p).stream().map(x -> (long) x.id()).toList());
            ring.remove(s.replicas(p).getFirst());
            assertThat(s.replicas(p).subList(1, 3)).as("partition %d", p).isEqualTo(ring);
        }
    }

    @Test
    void sameInputSameOrderWhateverTheWeightMap() {
        Ring ring = ring(new int[] {100, 100, 200, 100, 300}, 64, 3);
        List<List<Long>> sets = sets(ring);
        Map<Long, Integer> tree = new TreeMap<>();
        Map<Long, Integer> hash = new HashMap<>();
        for (RingNode n : ring.nodes()) {
            tree.put((long) n.id(), n.weight());
            hash.put((long) n.id(), n.weight());
        }
        assertThat(PreferredLeaders.spread(sets, hash)).isEqualTo(PreferredLeaders.spread(sets, tree));
    }

    @Test
    void weightedNodesLeadByWeight() {
        int[] weights = {100, 100, 200, 100, 300};
        int q = 64;
        Ring ring = ring(weights, q, 3);
        Map<Long, Integer> w = new TreeMap<>();
        ring.nodes().forEach(n -> w.put((long) n.id(), n.weight()));
        List<List<Long>> ordered = PreferredLeaders.spread(sets(ring), w);
        Map<Long, Integer> firsts = new TreeMap<>();
        ordered.forEach(set -> firsts.merge(set.getFirst(), 1, Integer::sum));
        // shares of 64 by weight 1:1:2:1:3 (sum 8): 8, 8, 16, 8, 24
        assertThat(firsts).isEqualTo(Map.of(1L, 8, 2L, 8, 3L, 16, 4L, 8, 5L, 24));
    }

    @Test
    void augmentingPathsFindTheAssignmentGreedyMisses() {
        // greedy takes node 1 for partition 0 (ties go to the given order), then partition 1 has
        // only node 1: the augmenting path moves partition 0 to node 2
        List<List<Long>> sets = List.of(List.of(1L, 2L), List.of(1L));
        List<List<Long>> ordered = PreferredLeaders.spread(sets, Map.of(1L, 100, 2L, 100));
        assertThat(ordered).containsExactly(List.of(2L, 1L), List.of(1L));
    }

    @Test
    void randomSetsAreMatchedWithinQuotasWhenPossible() {
        long seed = System.nanoTime();
        System.out.println("PreferredLeadersTest.randomSetsAreMatchedWithinQuotasWhenPossible seed " + seed);
        Random random = new Random(seed);
        for (int round = 0; round < 200; round++) {
            int n = 3 + random.nextInt(8);
            int q = 1 << random.nextInt(8);
            int r = 1 + random.nextInt(Math.min(n, 4));
            // a cyclic placement (every node holds about the same): a within-quota assignment exists
            List<List<Long>> sets = new ArrayList<>();
            int offset = random.nextInt(n);
            for (int p = 0; p < q; p++) {
                List<Long> set = new ArrayList<>();
                for (int i = 0; i < r; i++) {
                    set.add((long) ((offset + p + i) % n) + 1);
                }
                java.util.Collections.rotate(set, random.nextInt(r));
                sets.add(set);
            }
            Map<Long, Integer> w = new TreeMap<>();
            for (long id = 1; id <= n; id++) {
                w.put(id, 100);
            }
            List<List<Long>> ordered = PreferredLeaders.spread(sets, w);
            Map<Long, Integer> firsts = new TreeMap<>();
            ordered.forEach(set -> firsts.merge(set.getFirst(), 1, Integer::sum));
            Map<Long, Integer> holds = new TreeMap<>();
            sets.forEach(set -> set.forEach(id -> holds.merge(id, 1, Integer::sum)));
            for (long id : holds.keySet()) {
                // a node can only lead what it holds; with q < n some lead nothing
                int most = (q + holds.size() - 1) / holds.size();
                assertThat(firsts.getOrDefault(id, 0)).as("seed %d round %d N=%d R=%d Q=%d node %d: %s", seed, round, n, r, q, id,
                        firsts).isLessThanOrEqualTo(most);
            }
            for (int p = 0; p < q; p++) {
                assertThat(ordered.get(p)).containsExactlyInAnyOrderElementsOf(sets.get(p));
            }
        }
    }

    @Test
    void aStateFoundedInRingOrderStillDecodesInRingOrder() {
        // states founded before PreferredLeaders list the sets in ring order: same format, order kept
        ClusterState now = ClusterBootstrap.initialState(Founders.members(3), 8, 3, 3, "lsm", Map.of());
        List<List<Long>> ringOrder = sets(now.ring());
        ClusterState before = new ClusterState(now.clusterId(), now.epoch(), now.partitionCount(), now.replicationFactor(),
                now.metaMembers(), now.nodes(), now.ring(), ringOrder, now.tables());
        ClusterState decoded = ClusterState.decode(before.encode());
        for (int p = 0; p < 8; p++) {
            assertThat(decoded.replicas(p)).isEqualTo(ringOrder.get(p));
        }
        assertThat(decoded).isEqualTo(before).isNotEqualTo(now);
    }

    @Test
    void badInputIsNamed() {
        assertThatThrownBy(() -> PreferredLeaders.spread(List.of(List.of()), Map.of()))
                .hasMessageContaining("partition 0 has no replicas");
        assertThatThrownBy(() -> PreferredLeaders.spread(List.of(List.of(1L, 1L)), Map.of(1L, 100)))
                .hasMessageContaining("lists a node twice");
        assertThatThrownBy(() -> PreferredLeaders.spread(List.of(List.of(1L, 2L)), Map.of(1L, 100)))
                .hasMessageContaining("node 2 of partition 0 has weight null");
    }

    private static Map<Long, Integer> firsts(ClusterState s) {
        Map<Long, Integer> firsts = new TreeMap<>();
        for (int p = 0; p < s.partitionCount(); p++) {
            firsts.merge(s.replicas(p).getFirst(), 1, Integer::sum);
        }
        return firsts;
    }

    private static Ring ring(int[] weights, int q, int r) {
        List<RingNode> nodes = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            nodes.add(new RingNode(i + 1, "127.0.0.1:" + (7001 + i), "", weights[i], NodeState.UP));
        }
        return Ring.create(RingOptions.defaults().withPartitionCount(q).withReplicationFactor(r), nodes);
    }

    private static List<List<Long>> sets(Ring ring) {
        List<List<Long>> sets = new ArrayList<>();
        for (int p = 0; p < ring.partitionCount(); p++) {
            sets.add(ring.replicas(p).stream().map(x -> (long) x.id()).toList());
        }
        return sets;
    }
}
