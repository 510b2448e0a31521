package io.kvkit.ring;

import static io.kvkit.ring.RingFixtures.checkInvariants;
import static io.kvkit.ring.RingFixtures.maxOverMean;
import static io.kvkit.ring.RingFixtures.nodes;
import static io.kvkit.ring.RingFixtures.options;
import static io.kvkit.ring.RingFixtures.worstShareError;
import static io.kvkit.ring.RingFixtures.zonedNodes;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The balance properties of issue 8, as exact assertions. */
class RingBalanceTest {
    private static final int Q = 4096;
    private static final int R = 3;

    @Test
    void everyNodeCountFrom3To100ByJoinsIsWithin5PercentOfTheMean() {
        Ring ring = Ring.create(options(Q, R), nodes(3));
        assertThat(maxOverMean(ring)).isLessThanOrEqualTo(1.05);
        double worst = 1.0;
        for (int n = 3; n < 100; n++) {
            ring = ring.join(RingNode.of(n, "10.0.1." + n + ":7000")).ring();
            checkInvariants(ring);
            double m = maxOverMean(ring);
            worst = Math.max(worst, m);
            assertThat(m).as("max/mean replicas at N = %d", n + 1).isLessThanOrEqualTo(1.05);
        }
        System.out.printf("joins 3..100, Q=%d R=%d: worst max/mean %.4f, token-rule agreement at N=100 %.3f%n",
                Q, R, worst, ring.tokenRuleAgreement());
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 4, 5, 7, 10, 16, 31, 100})
    void ringsCreatedAtOnceAreWithin5PercentOfTheMean(int n) {
        Ring ring = Ring.create(options(Q, R), nodes(n));
        checkInvariants(ring);
        assertThat(maxOverMean(ring)).isLessThanOrEqualTo(1.05);
        assertThat(ring.epoch()).isZero();
    }

    @Test
    void weightedNodesOwnWithin5PercentOfTheirShare() {
        int[] weights = {50, 100, 150, 200, 300, 100, 75, 250, 125, 100, 60, 180};
        List<RingNode> list = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            list.add(new RingNode(i, "h" + i, "", weights[i], NodeState.UP));
        }
        Ring ring = Ring.create(options(Q, R), list.subList(0, 4));
        assertThat(worstShareError(ring)).isLessThanOrEqualTo(0.05);
        for (int i = 4; i < weights.length; i++) {
            ring = ring.join(list.get(i)).ring();
            checkInvariants(ring);
            assertThat(worstShareError(ring)).as("after node %d joins", i).isLessThanOrEqualTo(0.05);
        }
        // a node of weight 300 holds about six times the replicas of one of weight 50
        double ratio = (double) ring.replicaCount(4) / ring.replicaCount(0);
        assertThat(ratio).isBetween(6 * 0.9, 6 * 1.1);
    }

    @Test
    void aHeavyNodeIsCappedAtOneReplicaPerPartition() {
        List<RingNode> list = new ArrayList<>(nodes(4));
        list.set(0, list.get(0).withWeight(5_000));
        Ring ring = Ring.create(options(Q, R), list);
        checkInvariants(ring);
        assertThat(ring.replicaCount(0)).isEqualTo(Q);
        assertThat(worstShareError(ring)).isLessThanOrEqualTo(0.05);
    }

    /**
     * With zones, a join where only the new node receives cannot always reach exact balance: a
     * node may hold too few partitions the newcomer's zone is absent from (the newcomer can take
     * nothing else from it). Movement stays exact; {@link Ring#rebalanceReplicaCounts()} then
     * restores balance with same-zone moves, on request.
     */
    @Test
    void zoneAwareRingsNeverPutTwoReplicasInOneZoneAndRebalanceToTheirShares() {
        Ring ring = Ring.create(options(Q, R).withZoneAware(true), zonedNodes(6, 3));
        checkInvariants(ring);
        assertThat(maxOverMean(ring)).isLessThanOrEqualTo(1.05);
        double worstBeforeRebalance = 0;
        for (int n = 6; n < 30; n++) {
            Ring before = ring;
            RingChange join = ring.join(RingNode.of(n, "z" + n, "zone-" + (n % 4)));
            assertThat(join.plan().additionsByNode().keySet()).containsExactly(n);
            checkInvariants(join.ring());
            worstBeforeRebalance = Math.max(worstBeforeRebalance, worstShareError(join.ring()));
            RingChange fix = join.ring().rebalanceReplicaCounts();
            fix.plan().verify(join.ring(), fix.ring());
            checkInvariants(fix.ring());
            assertThat(worstShareError(fix.ring())).as("N = %d", n + 1).isLessThanOrEqualTo(0.05);
            ring = fix.ring();
            assertThat(before.epoch() + 2).isEqualTo(ring.epoch());
        }
        System.out.printf("zones: worst share error after a join %.3f, after rebalanceReplicaCounts <= 0.05%n",
                worstBeforeRebalance);
    }

    @Test
    void tooFewNodesOrZonesIsAClearError() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Ring.create(options(Q, R), nodes(2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 3 nodes");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> Ring.create(options(Q, R).withZoneAware(true), zonedNodes(6, 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 3 zones");
        Ring ring = Ring.create(options(Q, R), nodes(3));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ring.leave(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 3 nodes");
    }
}
