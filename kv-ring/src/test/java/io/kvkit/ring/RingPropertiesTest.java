package io.kvkit.ring;

import static io.kvkit.ring.RingFixtures.checkInvariants;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import org.roaringbitmap.RoaringBitmap;

/**
 * Random sequences of joins, leaves, failures and weight changes; after every step: minimal
 * movement in the direction each change allows, a safe plan (verified by replay), structural
 * invariants, and balance (every node within 5% of its weighted share).
 *
 * <p>Balance is asserted directly after each step for equal weights without zones. With weights
 * or zones, exact movement can make balance unreachable for a step (a node near the one-replica-
 * per-partition cap, or a zone, may hold too few partitions the giving node can hand it); there
 * the step must still move exactly, and {@link Ring#rebalanceReplicaCounts()} must then restore
 * the shares with a safe plan. jqwik prints the seed of a failing run; replay it with
 * {@code @Property(seed = "...")}.
 */
class RingPropertiesTest {
    private static final int Q = 4096;
    private static final int R = 3;

    enum Kind { JOIN, LEAVE, FAIL, FAIL_TWO, WEIGHT, DOWN_UP }

    record Op(Kind kind, int pick, int weight) {}

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = Combinators.combine(
                Arbitraries.of(Kind.class), Arbitraries.integers().between(0, 1_000_000),
                Arbitraries.of(50, 75, 100, 100, 100, 150, 200)).as(Op::new);
        return op.list().ofMinSize(4).ofMaxSize(14);
    }

    @Provide
    Arbitrary<List<Op>> equalWeightOps() {
        Arbitrary<Op> op = Combinators.combine(
                Arbitraries.of(Kind.JOIN, Kind.LEAVE, Kind.FAIL, Kind.FAIL_TWO, Kind.DOWN_UP),
                Arbitraries.integers().between(0, 1_000_000), Arbitraries.just(100)).as(Op::new);
        return op.list().ofMinSize(4).ofMaxSize(16);
    }

    @Property(shrinking = ShrinkingMode.BOUNDED)
    void equalWeightsStayBalancedAfterEveryStep(@ForAll("equalWeightOps") List<Op> ops) {
        run(ops, false, true);
    }

    @Property(shrinking = ShrinkingMode.BOUNDED)
    void weightsAndZonesMoveExactlyAndRebalanceToTheirShares(@ForAll("ops") List<Op> ops, @ForAll boolean zones) {
        run(ops, zones, false);
    }

    private void run(List<Op> ops, boolean zones, boolean strictBalance) {
        RingOptions options = RingFixtures.options(Q, R).withZoneAware(zones);
        List<RingNode> start = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            start.add(new RingNode(i, "h" + i, zones ? "z" + (i % 4) : "", 100, NodeState.UP));
        }
        Ring ring = Ring.create(options, start);
        int nextId = 6;
        for (Op op : ops) {
            List<RingNode> ns = ring.nodes();
            RingNode target = ns.get(op.pick() % ns.size());
            boolean canShrink = ns.size() > R + 2;
            RingChange c;
            switch (op.kind()) {
                case JOIN -> {
                    RingNode n = new RingNode(nextId++, "h", zones ? "z" + (op.pick() % 4) : "", op.weight(), NodeState.UP);
                    c = ring.join(n);
                    assertThat(c.plan().additionsByNode().keySet()).containsAnyOf(n.id()).hasSize(1);
                    assertThat(c.plan().replicaAdditions()).isEqualTo(c.ring().replicaCount(n.id()));
                    double share = RingFixtures.shares(c.ring())[c.ring().indexOf(n.id())];
                    assertThat((double) c.plan().replicaAdditions()).isLessThanOrEqualTo(1.1 * share + 1);
                }
                case LEAVE, FAIL -> {
                    if (!canShrink || !target.isUp() && op.kind() == Kind.LEAVE) {
                        continue;
                    }
                    RoaringBitmap held = ring.partitionsOf(target.id());
                    try {
                        c = op.kind() == Kind.LEAVE ? ring.leave(target.id()) : ring.fail(List.of(target.id()));
                    } catch (IllegalArgumentException refused) {
                        // too few UP nodes (or zones) left to take the replicas: refused, ring unchanged
                        assertThat(refused).hasMessageMatching("(?s).*(no node can take|needs at least|needs nodes in at least).*");
                        continue;
                    }
                    assertThat(c.plan().replicaAdditions()).isEqualTo(held.getCardinality());
                    assertThat(c.plan().removalsByNode()).isEqualTo(Map.of(target.id(), held.getCardinality()));
                }
                case FAIL_TWO -> {
                    if (ns.size() <= R + 3) {
                        continue;
                    }
                    RingNode other = ns.get((op.pick() / 7 + 1 + ns.indexOf(target)) % ns.size());
                    if (other.id() == target.id()) {
                        continue;
                    }
                    int held = ring.replicaCount(target.id()) + ring.replicaCount(other.id());
                    try {
                        c = ring.fail(List.of(target.id(), other.id()));
                    } catch (IllegalArgumentException refused) {
                        assertThat(refused).hasMessageMatching("(?s).*(no node can take|needs at least|needs nodes in at least).*");
                        continue;
                    }
                    assertThat(c.plan().replicaAdditions()).isEqualTo(held);
                    assertThat(c.plan().removalsByNode().keySet()).containsOnly(target.id(), other.id());
                }
                case WEIGHT -> {
                    if (op.weight() == target.weight()) {
                        continue;
                    }
                    int before = ring.replicaCount(target.id());
                    c = ring.changeWeight(target.id(), op.weight());
                    int after = c.ring().replicaCount(target.id());
                    // only the node itself gains (or sheds); its change is what its new share requires
                    assertThat(c.plan().replicaAdditions()).isEqualTo(Math.abs(after - before));
                    // (nothing at all moves when the share does not change, e.g. a node capped at Q)
                    if (op.weight() > target.weight()) {
                        assertThat(c.plan().additionsByNode().keySet()).isSubsetOf(target.id());
                    } else {
                        assertThat(c.plan().removalsByNode().keySet()).isSubsetOf(target.id());
                    }
                }
                case DOWN_UP -> {
                    c = ring.withNodeState(target.id(), target.isUp() ? NodeState.DOWN : NodeState.UP);
                    assertThat(c.plan().moves()).isEmpty();
                    if (!target.isUp()) {
                        // back up: it missed what it could not receive while down; rebalancing restores it
                        ring = c.ring();
                        c = ring.rebalanceReplicaCounts();
                    }
                }
                default -> throw new AssertionError(op);
            }
            c.plan().verify(ring, c.ring());
            checkInvariants(c.ring());
            assertThat(c.ring().epoch()).isEqualTo(ring.epoch() + 1);
            assertThat(RingCodec.decode(RingCodec.encode(c.ring()))).isEqualTo(c.ring());
            boolean anyDown = c.ring().nodes().stream().anyMatch(nd -> !nd.isUp());
            if (!strictBalance && anyDown) {
                // a down node cannot receive; with weights or zones its share may then be out of
                // reach (equalWeightsStayBalancedAfterEveryStep covers down nodes with balance)
                assertThat(c.ring().nodes()).isNotEmpty();
            } else if (!strictBalance) {
                RingChange fix = c.ring().rebalanceReplicaCounts();
                fix.plan().verify(c.ring(), fix.ring());
                checkInvariants(fix.ring());
                assertThat(RingFixtures.worstShareError(fix.ring())).as("after %s and a rebalance", op)
                        .isLessThanOrEqualTo(0.05);
                c = new RingChange(fix.ring(), c.plan());
            } else {
                assertThat(RingFixtures.worstShareError(c.ring())).as("after %s", op).isLessThanOrEqualTo(0.05);
            }
            // PITFALLS 19: every key has exactly one owner group per ring version
            SplittableRandom keys = new SplittableRandom(op.pick());
            for (int k = 0; k < 50; k++) {
                byte[] key = Long.toString(keys.nextLong()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                assertThat(c.ring().replicasOf(key)).hasSize(R).isEqualTo(c.ring().replicas(c.ring().partitionOf(key)));
            }
            ring = c.ring();
        }
    }
}
