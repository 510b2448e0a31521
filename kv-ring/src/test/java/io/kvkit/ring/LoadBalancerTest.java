package io.kvkit.ring;

import static io.kvkit.ring.RingFixtures.nodes;
import static io.kvkit.ring.RingFixtures.options;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LoadBalancerTest {
    private static int[] preferredLeaders(Ring ring) {
        int[] l = new int[ring.partitionCount()];
        for (int p = 0; p < l.length; p++) {
            l[p] = ring.replicaNodeId(p, 0);
        }
        return l;
    }

    /** A Zipf-like skew: a few hot partitions carry most of the traffic and bytes. */
    private static PartitionLoad[] skewed(int q, long seed) {
        System.out.println("load seed " + seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        PartitionLoad[] load = new PartitionLoad[q];
        for (int p = 0; p < q; p++) {
            double ops = 100 + 5000.0 / (1 + rnd.nextInt(q));
            long bytes = 1_000_000L + (rnd.nextInt(20) == 0 ? 40_000_000L : 0);
            load[p] = new PartitionLoad(ops, bytes);
        }
        return load;
    }

    @Test
    void leaderTransfersComeFirstAndStepsAreBounded() {
        Ring ring = Ring.create(options(1024, 3), nodes(12));
        PartitionLoad[] load = skewed(1024, 7);
        // all leadership piled on node 0 where it can be
        int[] leaders = preferredLeaders(ring);
        for (int p = 0; p < leaders.length; p++) {
            for (RingNode n : ring.replicas(p)) {
                if (n.id() == 0) {
                    leaders[p] = 0;
                }
            }
        }
        RingOptions o = options(1024, 3).withLoadBalanceStepBounds(10, 3);
        LoadBalancePlan plan = new LoadBalancer(o).plan(ring, load, leaders, null);
        assertThat(plan.opsMaxOverMeanBefore()).isGreaterThan(1.1);
        assertThat(plan.leaderTransfers()).hasSize(10);
        assertThat(plan.leaderTransfers()).allMatch(t -> t.fromNodeId() == 0);
        assertThat(plan.replicaMoves().plan().moves()).hasSizeLessThanOrEqualTo(3);
        assertThat(plan.opsMaxOverMeanAfter()).isLessThan(plan.opsMaxOverMeanBefore());
    }

    @Test
    void repeatedStepsReachTheConfiguredFactor() {
        Ring ring = Ring.create(options(1024, 3), nodes(12));
        PartitionLoad[] load = skewed(1024, 11);
        int[] leaders = preferredLeaders(ring);
        LoadBalancer lb = new LoadBalancer(options(1024, 3));
        LoadBalancePlan plan = null;
        for (int step = 0; step < 200; step++) {
            plan = lb.plan(ring, load, leaders, null);
            plan.replicaMoves().plan().verify(ring, plan.replicaMoves().ring());
            RingFixtures.checkInvariants(plan.replicaMoves().ring());
            ring = plan.replicaMoves().ring();
            leaders = plan.leaderNodeIdAfter();
            if (plan.balanced()) {
                break;
            }
        }
        System.out.printf("load balance: ops max/mean %.3f, bytes max/mean %.3f%n", plan.opsMaxOverMeanAfter(),
                plan.bytesMaxOverMeanAfter());
        assertThat(plan.balanced()).isTrue();
        assertThat(plan.opsMaxOverMeanAfter()).isLessThanOrEqualTo(1.10);
        assertThat(plan.bytesMaxOverMeanAfter()).isLessThanOrEqualTo(1.10);
        // leaders are replicas
        for (int p = 0; p < leaders.length; p++) {
            final int leader = leaders[p];
            assertThat(ring.replicas(p)).anyMatch(n -> n.id() == leader);
        }
    }

    @Test
    void uniformLoadNeedsNoReplicaMovesOnlyLeaderTransfers() {
        Ring ring = Ring.create(options(1024, 3), nodes(8));
        PartitionLoad[] load = new PartitionLoad[1024];
        java.util.Arrays.fill(load, new PartitionLoad(10, 1000));
        LoadBalancer lb = new LoadBalancer(options(1024, 3));
        int[] leaders = preferredLeaders(ring);
        LoadBalancePlan first = lb.plan(ring, load, leaders, null);
        LoadBalancePlan plan = first;
        int transfers = 0;
        for (int step = 0; step < 20; step++) {
            plan = lb.plan(ring, load, leaders, null);
            assertThat(plan.replicaMoves().plan().moves()).isEmpty();
            assertThat(plan.replicaMoves().ring()).isSameAs(ring);
            transfers += plan.leaderTransfers().size();
            leaders = plan.leaderNodeIdAfter();
            if (plan.balanced()) {
                break;
            }
        }
        System.out.printf("uniform load, preferred leaders: ops max/mean %.3f before, %.3f after %d leader transfers%n",
                first.opsMaxOverMeanBefore(), plan.opsMaxOverMeanAfter(), transfers);
        assertThat(first.bytesMaxOverMeanBefore()).isLessThanOrEqualTo(1.05);
        assertThat(plan.opsMaxOverMeanAfter()).isLessThanOrEqualTo(1.10);
        assertThat(plan.balanced()).isTrue();
        // a second round on the balanced result proposes nothing
        LoadBalancePlan again = lb.plan(ring, load, plan.leaderNodeIdAfter(), null);
        assertThat(again.leaderTransfers()).isEmpty();
    }
}
