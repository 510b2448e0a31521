package io.kvkit.ring;

import static io.kvkit.ring.RingFixtures.checkInvariants;
import static io.kvkit.ring.RingFixtures.nodes;
import static io.kvkit.ring.RingFixtures.options;
import static io.kvkit.ring.RingFixtures.shares;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.roaringbitmap.RoaringBitmap;

/** The movement properties of issue 8, as exact assertions. */
class RingMovementTest {
    private static final int Q = 4096;
    private static final int R = 3;

    /** Join: at most 1.1·R·Q/(N+1) replicas move, every one of them to the new node. */
    static void assertJoinIsMinimal(Ring before, RingChange change, int newId) {
        int n = before.nodes().size();
        MovePlan plan = change.plan();
        assertThat(plan.replicaAdditions()).isLessThanOrEqualTo((int) Math.floor(1.1 * R * Q / (n + 1)));
        assertThat(plan.replicaAdditions()).isEqualTo(change.ring().replicaCount(newId));
        assertThat(plan.additionsByNode().keySet()).containsExactly(newId);
        assertThat(plan.removalsByNode()).doesNotContainKey(newId);
        for (RingNode old : before.nodes()) {
            // nobody else gains anything
            RoaringBitmap gained = RoaringBitmap.andNot(change.ring().partitionsOf(old.id()), before.partitionsOf(old.id()));
            assertThat(gained.isEmpty()).isTrue();
        }
        plan.verify(before, change.ring());
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 4, 5, 8, 20, 50, 99})
    void joiningMovesOnlyTheNewNodesShare(int n) {
        Ring ring = Ring.create(options(Q, R), nodes(n));
        RingChange c = ring.join(RingNode.of(1000, "new"));
        assertJoinIsMinimal(ring, c, 1000);
        assertThat(c.ring().epoch()).isEqualTo(ring.epoch() + 1);
        checkInvariants(c.ring());
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 5, 8, 20, 50, 100})
    void leavingMovesOnlyTheReplicasTheNodeHeld(int n) {
        Ring ring = Ring.create(options(Q, R), nodes(n));
        int leaving = n / 2;
        RoaringBitmap held = ring.partitionsOf(leaving);
        RingChange c = ring.leave(leaving);
        MovePlan plan = c.plan();
        assertThat(plan.replicaAdditions()).isEqualTo(held.getCardinality());
        assertThat(plan.removalsByNode()).containsOnlyKeys(leaving);
        RoaringBitmap moved = new RoaringBitmap();
        plan.moves().forEach(m -> moved.add(m.partition()));
        assertThat(moved).isEqualTo(held);
        for (RingNode stay : c.ring().nodes()) {
            // nobody else loses anything
            assertThat(RoaringBitmap.andNot(ring.partitionsOf(stay.id()), c.ring().partitionsOf(stay.id())).isEmpty()).isTrue();
        }
        assertThat(c.ring().node(leaving)).isEmpty();
        plan.verify(ring, c.ring());
        checkInvariants(c.ring());
        assertThat(RingFixtures.maxOverMean(c.ring())).isLessThanOrEqualTo(1.05);
    }

    @ParameterizedTest
    @ValueSource(ints = {50, 200, 60, 150, 400})
    void aWeightChangeMovesOnlyWhatTheNewSharesRequire(int newWeight) {
        Ring ring = Ring.create(options(Q, R), nodes(20));
        int x = 7;
        double before = shares(ring)[ring.indexOf(x)];
        RingChange c = ring.changeWeight(x, newWeight);
        double after = shares(c.ring())[c.ring().indexOf(x)];
        // required: the share difference of the node itself (all others change in the opposite direction)
        double required = Math.abs(after - before);
        MovePlan plan = c.plan();
        assertThat((double) plan.replicaAdditions()).isBetween(required * 0.9 - 1, required * 1.1 + 1);
        if (newWeight > 100) {
            assertThat(plan.additionsByNode().keySet()).containsExactly(x);
        } else {
            assertThat(plan.removalsByNode().keySet()).containsExactly(x);
        }
        assertThat(c.ring().requireNode(x).weight()).isEqualTo(newWeight);
        assertThat(c.ring().tokensOf(x)).hasSize(RingOptions.tokenCount(ring.tokensPerStandardWeight(), newWeight));
        assertThat(RingFixtures.worstShareError(c.ring())).isLessThanOrEqualTo(0.05);
        plan.verify(ring, c.ring());
    }

    @Test
    void failureReplacesExactlyTheDeadNodesReplicasFromSurvivors() {
        Ring ring = Ring.create(options(Q, R), nodes(30));
        RingChange down = ring.withNodeState(4, NodeState.DOWN);
        assertThat(down.plan().moves()).isEmpty();
        assertThat(down.ring().requireNode(4).state()).isEqualTo(NodeState.DOWN);
        RingChange c = down.ring().fail(List.of(4, 9, 17));
        MovePlan plan = c.plan();
        int held = ring.replicaCount(4) + ring.replicaCount(9) + ring.replicaCount(17);
        assertThat(plan.replicaAdditions()).isEqualTo(held);
        assertThat(plan.removalsByNode()).containsOnlyKeys(4, 9, 17);
        assertThat(plan.deadNodeIds()).containsExactlyInAnyOrder(4, 9, 17);
        plan.verify(down.ring(), c.ring());
        checkInvariants(c.ring());
        assertThat(RingFixtures.maxOverMean(c.ring())).isLessThanOrEqualTo(1.05);
    }

    @Test
    void losingEveryReplicaOfAPartitionIsReportedAsLost() {
        Ring ring = Ring.create(options(64, R), nodes(6));
        int p = 5;
        List<Integer> all = ring.replicas(p).stream().map(RingNode::id).toList();
        RingChange c = ring.fail(all);
        assertThat(c.plan().lostPartitions().contains(p)).isTrue();
        checkInvariants(c.ring());
    }

    @Test
    void replacementMovesExactlyTheOldNodesReplicasToTheNewNode() {
        Ring ring = Ring.create(options(Q, R), nodes(12));
        RingChange c = ring.replace(5, RingNode.of(500, "fresh"));
        assertThat(c.plan().replicaAdditions()).isEqualTo(ring.replicaCount(5));
        assertThat(c.plan().additionsByNode()).isEqualTo(Map.of(500, ring.replicaCount(5)));
        assertThat(c.plan().removalsByNode()).isEqualTo(Map.of(5, ring.replicaCount(5)));
        assertThat(c.ring().tokensOf(500)).isEqualTo(ring.tokensOf(5));
        assertThat(c.ring().partitionsOf(500)).isEqualTo(ring.partitionsOf(5));
        c.plan().verify(ring, c.ring());
    }

    @Test
    void badChangesAreRejectedWithAReason() {
        Ring ring = Ring.create(options(Q, R), nodes(5));
        assertThatThrownBy(() -> ring.join(RingNode.of(2, "dup"))).hasMessageContaining("already in the ring");
        assertThatThrownBy(() -> ring.leave(77)).hasMessageContaining("not in the ring");
        assertThatThrownBy(() -> ring.changeWeight(1, 0)).hasMessageContaining("weight must be in");
        Ring down = ring.withNodeState(1, NodeState.DOWN).ring();
        assertThatThrownBy(() -> down.leave(1)).hasMessageContaining("use fail()");
        assertThatThrownBy(() -> ring.replace(1, new RingNode(9, "x", "", 200, NodeState.UP)))
                .hasMessageContaining("same weight");
    }

    /** Found by the property test: a weight increase of a DOWN node planned additions to it. */
    @Test
    void aDownNodesWeightIncreaseMovesNothingToIt() {
        Ring ring = Ring.create(options(Q, R), nodes(6)).withNodeState(2, NodeState.DOWN).ring();
        RingChange c = ring.changeWeight(2, 150);
        assertThat(c.plan().moves()).isEmpty();
        assertThat(c.ring().requireNode(2).weight()).isEqualTo(150);
        c.plan().verify(ring, c.ring());
    }

    @Test
    void downNodesReceiveNothing() {
        Ring ring = Ring.create(options(Q, R), nodes(10)).withNodeState(3, NodeState.DOWN).ring();
        RingChange c = ring.leave(6);
        assertThat(c.plan().additionsByNode()).doesNotContainKey(3);
        c.plan().verify(ring, c.ring());
    }

    @Test
    void lookupsAreStableAcrossChangesForAKeysPartition() {
        Ring ring = Ring.create(options(Q, R), nodes(8));
        byte[] key = "order:12345".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int p = ring.partitionOf(key);
        Ring next = ring.join(RingNode.of(8, "n8")).ring().leave(2).ring();
        assertThat(next.partitionOf(key)).isEqualTo(p);
        assertThat(next.replicasOf(key)).isEqualTo(next.replicas(p));
        byte[] framed = ("xx" + "order:12345" + "yyy").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(next.partitionOf(framed, 2, key.length)).isEqualTo(p);
        assertThat(next.replicasOf(framed, 2, key.length)).isSameAs(next.replicasOf(key));
        assertThat(ring.partitionStart(p) >>> 52).isEqualTo(p);
        for (int rank = 0; rank < R; rank++) {
            assertThat(next.replicaNodeId(p, rank)).isEqualTo(next.replicas(p).get(rank).id());
        }
    }
}
