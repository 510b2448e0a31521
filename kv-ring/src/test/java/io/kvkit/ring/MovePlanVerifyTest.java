package io.kvkit.ring;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.roaringbitmap.RoaringBitmap;

/** The plan checker itself must catch unsafe plans, or the safety tests prove nothing. */
class MovePlanVerifyTest {
    @Test
    void rejectsAddingAnExistingReplicaAndPlansThatMissTheTarget() {
        Ring before = Ring.create(RingFixtures.options(16, 3), RingFixtures.nodes(5));
        RingChange c = before.join(RingNode.of(9, "n9"));
        ReplicaMove first = c.plan().moves().get(0);
        int existing = before.replicaNodeId(first.partition(), 0) == first.removeNodeId()
                ? before.replicaNodeId(first.partition(), 1) : before.replicaNodeId(first.partition(), 0);
        MovePlan dup = new MovePlan(0, 1, List.of(new ReplicaMove(first.partition(), existing, first.removeNodeId())),
                Set.of(), new RoaringBitmap());
        assertThatThrownBy(() -> dup.verify(before, c.ring())).hasMessageContaining("already a replica");
        MovePlan partial = new MovePlan(0, 1, c.plan().moves().subList(1, c.plan().moves().size()), Set.of(),
                new RoaringBitmap());
        assertThatThrownBy(() -> partial.verify(before, c.ring())).hasMessageContaining("does not reach");
    }

    @Test
    void rejectsTwoReplicasInOneZone() {
        Ring before = Ring.create(RingFixtures.options(16, 3).withZoneAware(true), RingFixtures.zonedNodes(6, 3));
        // move a replica to a node whose zone already holds another replica of that partition
        int p = 0;
        int victim = before.replicaNodeId(p, 0);
        int other = before.replicaNodeId(p, 1);
        String zone = before.requireNode(other).zone();
        int sameZone = before.nodes().stream().filter(n -> n.zone().equals(zone) && n.id() != other)
                .findFirst().orElseThrow().id();
        MovePlan bad = new MovePlan(0, 0, List.of(new ReplicaMove(p, sameZone, victim)), Set.of(), new RoaringBitmap());
        assertThatThrownBy(() -> bad.verify(before, before)).hasMessageContaining("zone");
    }
}
