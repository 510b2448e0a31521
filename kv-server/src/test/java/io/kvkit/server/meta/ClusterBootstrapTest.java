package io.kvkit.server.meta;

import io.kvkit.ring.RingNode;
import io.kvkit.server.config.NodeConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClusterBootstrapTest {

    @Test
    void memberOrderDoesNotMatter() {
        long seed = System.nanoTime();
        System.out.println("ClusterBootstrapTest.memberOrderDoesNotMatter seed " + seed);
        List<NodeConfig.Member> members = Founders.members(7);
        ClusterState reference = ClusterBootstrap.initialState(members, 64, 3, 5, "lsm", Map.of("blockSizeBytes", "8KiB"));
        byte[] referenceBytes = reference.encode();
        Random random = new Random(seed);
        for (int i = 0; i < 5; i++) {
            List<NodeConfig.Member> shuffled = new ArrayList<>(members);
            Collections.shuffle(shuffled, random);
            ClusterState s = ClusterBootstrap.initialState(shuffled, 64, 3, 5, "lsm", Map.of("blockSizeBytes", "8KiB"));
            assertThat(s).isEqualTo(reference);
            assertThat(s.encode()).as("members in order %s", shuffled.stream().map(NodeConfig.Member::id).toList())
                    .isEqualTo(referenceBytes);
            assertThat(s.clusterId()).isEqualTo(reference.clusterId());
        }
    }

    @Test
    void initialStateHoldsTheFoundingSettings() {
        ClusterState s = ClusterBootstrap.initialState(Founders.members(5), 64, 3, 3, "hash", Map.of());
        assertThat(s.epoch()).isEqualTo(1);
        assertThat(s.partitionCount()).isEqualTo(64);
        assertThat(s.replicationFactor()).isEqualTo(3);
        assertThat(s.metaMembers()).containsExactly(1L, 2L, 3L);
        assertThat(s.nodes()).containsOnlyKeys(1L, 2L, 3L, 4L, 5L);
        NodeRecord n2 = s.nodes().get(2L);
        assertThat(n2).isEqualTo(new NodeRecord(2, "127.0.0.1:7002", "127.0.0.1:8002", "127.0.0.1:9002", "",
                RingNode.STANDARD_WEIGHT, NodeStatus.UP));
        assertThat(s.tables()).containsOnlyKeys("default");
        assertThat(s.tables().get("default")).isEqualTo(new TableRecord("default", "hash", Map.of()));
        assertThat(s.ring().partitionCount()).isEqualTo(64);
        assertThat(s.ring().nodes()).extracting(RingNode::address)
                .containsExactly("127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003", "127.0.0.1:7004", "127.0.0.1:7005");
    }

    @Test
    void metaMembersAreTheFirstByIdWhateverTheOrder() {
        List<NodeConfig.Member> members = new ArrayList<>();
        for (long id : new long[] {40, 7, 12, 3, 25}) {
            members.add(new NodeConfig.Member(id, "h" + id, 7000, 8000, 0, 0));
        }
        ClusterState s = ClusterBootstrap.initialState(members, 16, 3, 3, "lsm", Map.of());
        assertThat(s.metaMembers()).containsExactly(3L, 7L, 12L);
        assertThat(ClusterBootstrap.initialState(members, 16, 3, 1, "lsm", Map.of()).metaMembers()).containsExactly(3L);
    }

    @Test
    void clusterIdChangesWithEveryFoundingSetting() {
        List<NodeConfig.Member> five = Founders.members(5);
        List<Supplier<ClusterState>> variants = List.of(
                () -> ClusterBootstrap.initialState(five, 64, 3, 3, "lsm", Map.of()),
                () -> ClusterBootstrap.initialState(five, 128, 3, 3, "lsm", Map.of()),
                () -> ClusterBootstrap.initialState(five, 64, 2, 3, "lsm", Map.of()),
                () -> ClusterBootstrap.initialState(five, 64, 3, 5, "lsm", Map.of()),
                () -> ClusterBootstrap.initialState(five, 64, 3, 3, "hash", Map.of()),
                () -> ClusterBootstrap.initialState(five, 64, 3, 3, "lsm", Map.of("blockSizeBytes", "8KiB")),
                () -> ClusterBootstrap.initialState(five, 64, 3, 3, "lsm", Map.of("blockSizeBytes", "16KiB")),
                () -> ClusterBootstrap.initialState(Founders.members(4), 64, 3, 3, "lsm", Map.of()),
                () -> ClusterBootstrap.initialState(replace(five, 4, new NodeConfig.Member(6, "127.0.0.1", 7005, 8005, 9005, 0)),
                        64, 3, 3, "lsm", Map.of()),
                () -> ClusterBootstrap.initialState(replace(five, 2, new NodeConfig.Member(3, "127.0.0.2", 7003, 8003, 9003, 0)),
                        64, 3, 3, "lsm", Map.of()),
                () -> ClusterBootstrap.initialState(replace(five, 2, new NodeConfig.Member(3, "127.0.0.1", 7103, 8003, 9003, 0)),
                        64, 3, 3, "lsm", Map.of()),
                () -> ClusterBootstrap.initialState(replace(five, 2, new NodeConfig.Member(3, "127.0.0.1", 7003, 8103, 9003, 0)),
                        64, 3, 3, "lsm", Map.of()),
                () -> ClusterBootstrap.initialState(replace(five, 2, new NodeConfig.Member(3, "127.0.0.1", 7003, 8003, 0, 0)),
                        64, 3, 3, "lsm", Map.of()),
                () -> ClusterBootstrap.initialState(replace(five, 2, new NodeConfig.Member(3, "127.0.0.1", 7003, 8003, 9003, 6379)),
                        64, 3, 3, "lsm", Map.of()));
        Set<Long> ids = new HashSet<>();
        for (Supplier<ClusterState> v : variants) {
            long id = v.get().clusterId();
            assertThat(id).isNotZero();
            ids.add(id);
        }
        assertThat(ids).as("one distinct cluster id per variant").hasSize(variants.size());
        // and it is stable: the same settings give the same id
        assertThat(variants.get(0).get().clusterId()).isEqualTo(variants.get(0).get().clusterId());
    }

    private static List<NodeConfig.Member> replace(List<NodeConfig.Member> members, int index, NodeConfig.Member m) {
        List<NodeConfig.Member> copy = new ArrayList<>(members);
        copy.set(index, m);
        return copy;
    }

    @Test
    void replicaSetsAreTheRingsAndUseEveryMember() {
        for (int[] shape : new int[][] {{1, 1, 1}, {3, 3, 8}, {5, 3, 64}, {7, 5, 256}, {10, 3, 64}}) {
            int n = shape[0], r = shape[1], q = shape[2];
            ClusterState s = ClusterBootstrap.initialState(Founders.members(n), q, r, 1, "lsm", Map.of());
            Set<Long> used = new TreeSet<>();
            for (int p = 0; p < q; p++) {
                List<Long> set = s.replicas(p);
                assertThat(set).as("partition %d of N=%d R=%d Q=%d", p, n, r, q).hasSize(r).doesNotHaveDuplicates();
                // the ring's members; their order is PreferredLeaders' (PreferredLeadersTest)
                assertThat(set).containsExactlyInAnyOrderElementsOf(s.ring().replicas(p).stream().map(x -> (long) x.id()).toList());
                used.addAll(set);
                for (long id : set) {
                    assertThat(s.partitionsOf(id)).contains(p);
                }
            }
            assertThat(used).as("N=%d R=%d Q=%d", n, r, q).isEqualTo(s.nodes().keySet());
            int total = 0;
            for (long id : s.nodes().keySet()) {
                List<Integer> mine = s.partitionsOf(id);
                assertThat(mine).isSorted().doesNotHaveDuplicates();
                for (int p : mine) {
                    assertThat(s.replicas(p)).contains(id);
                }
                total += mine.size();
            }
            assertThat(total).isEqualTo(q * r);
        }
        assertThat(Founders.fiveNodes().partitionsOf(99)).isEmpty();
    }

    // ------------------------------------------------------------------ validation

    @Test
    void refusesNoMembers() {
        assertThatThrownBy(() -> ClusterBootstrap.initialState(List.of(), 64, 1, 1, "lsm", Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("initialCluster");
    }

    @Test
    void refusesBadOrDuplicateIds() {
        for (long bad : new long[] {0, -1, Integer.MAX_VALUE + 1L}) {
            List<NodeConfig.Member> m = List.of(new NodeConfig.Member(bad, "h", 1, 2, 0, 0));
            assertThatThrownBy(() -> ClusterBootstrap.initialState(m, 64, 1, 1, "lsm", Map.of()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("member id " + bad).hasMessageContaining("allowed: 1..2147483647");
        }
        List<NodeConfig.Member> dup = List.of(new NodeConfig.Member(2, "a", 1, 2, 0, 0), new NodeConfig.Member(2, "b", 1, 2, 0, 0));
        assertThatThrownBy(() -> ClusterBootstrap.initialState(dup, 64, 1, 1, "lsm", Map.of()))
                .hasMessageContaining("initialCluster").hasMessageContaining("member id 2 appears twice");
        // the largest ring id is fine
        List<NodeConfig.Member> max = List.of(new NodeConfig.Member(Integer.MAX_VALUE, "h", 1, 2, 0, 0));
        assertThat(ClusterBootstrap.initialState(max, 4, 1, 1, "lsm", Map.of()).metaMembers()).containsExactly((long) Integer.MAX_VALUE);
    }

    @Test
    void refusesSharedAddresses() {
        List<NodeConfig.Member> raft = List.of(new NodeConfig.Member(1, "h", 7000, 8001, 0, 0),
                new NodeConfig.Member(2, "h", 7000, 8002, 0, 0));
        assertThatThrownBy(() -> ClusterBootstrap.initialState(raft, 64, 1, 1, "lsm", Map.of()))
                .hasMessageContaining("initialCluster").hasMessageContaining("raft address h:7000")
                .hasMessageContaining("members 1 and 2");
        List<NodeConfig.Member> client = List.of(new NodeConfig.Member(1, "h", 7001, 8000, 0, 0),
                new NodeConfig.Member(2, "h", 7002, 8000, 0, 0));
        assertThatThrownBy(() -> ClusterBootstrap.initialState(client, 64, 1, 1, "lsm", Map.of()))
                .hasMessageContaining("client address h:8000");
        List<NodeConfig.Member> port = List.of(new NodeConfig.Member(1, "h", 70_000, 8000, 0, 0));
        assertThatThrownBy(() -> ClusterBootstrap.initialState(port, 64, 1, 1, "lsm", Map.of()))
                .hasMessageContaining("raftPort 70000").hasMessageContaining("allowed: 0..65535");
    }

    @Test
    void refusesPartitionCountsTheRingCannotHave() {
        for (int q : new int[] {0, -4, 3, 100, 1 << 21}) {
            assertThatThrownBy(() -> ClusterBootstrap.initialState(Founders.members(3), q, 3, 3, "lsm", Map.of()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("partitions " + q).hasMessageContaining("power of two in 1..1048576");
        }
    }

    @Test
    void refusesReplicationFactorBeyondTheMembers() {
        assertThatThrownBy(() -> ClusterBootstrap.initialState(Founders.members(1), 64, 3, 1, "lsm", Map.of()))
                .hasMessage("replicationFactor 3 needs at least 3 members; the initial cluster has 1 (set replicationFactor: 1)");
        assertThatThrownBy(() -> ClusterBootstrap.initialState(Founders.members(9), 64, 8, 1, "lsm", Map.of()))
                .hasMessageContaining("replicationFactor 8").hasMessageContaining("allowed: 1..7");
        assertThatThrownBy(() -> ClusterBootstrap.initialState(Founders.members(3), 64, 0, 1, "lsm", Map.of()))
                .hasMessageContaining("replicationFactor 0").hasMessageContaining("allowed: 1..7");
    }

    @Test
    void refusesMetaReplicasEvenOrBeyondTheMembers() {
        // the config default (3) on a one-node cluster
        assertThatThrownBy(() -> ClusterBootstrap.initialState(Founders.members(1), 64, 1, 3, "lsm", Map.of()))
                .hasMessageContaining("metaReplicas 3 needs at least 3 members; the initial cluster has 1")
                .hasMessageContaining("set metaReplicas: 1");
        assertThatThrownBy(() -> ClusterBootstrap.checkMetaReplicas(5, 4))
                .hasMessageContaining("metaReplicas 5").hasMessageContaining("set metaReplicas: 3");
        for (int even : new int[] {2, 4, 0, -1}) {
            assertThatThrownBy(() -> ClusterBootstrap.initialState(Founders.members(5), 64, 3, even, "lsm", Map.of()))
                    .hasMessageContaining("metaReplicas " + even).hasMessageContaining("an odd number in 1..5");
        }
    }

    @Test
    void refusesUnknownEnginesAndOptions() {
        assertThatThrownBy(() -> ClusterBootstrap.initialState(Founders.members(3), 64, 3, 3, "rocks", Map.of()))
                .hasMessageContaining("defaultEngine 'rocks' is not a known engine")
                .hasMessageContaining("bplustree").hasMessageContaining("hash").hasMessageContaining("lsm");
        assertThatThrownBy(() -> ClusterBootstrap.initialState(Founders.members(3), 64, 3, 3, "lsm", Map.of("pageSize", "4")))
                .hasMessageContaining("defaultEngine 'lsm'").hasMessageContaining("pageSize")
                .hasMessageContaining("blockSizeBytes");
        assertThatThrownBy(() -> ClusterBootstrap.initialState(Founders.members(3), 64, 3, 3, "lsm", Map.of("blockSizeBytes", "huge")))
                .hasMessageContaining("blockSizeBytes").hasMessageContaining("allowed");
        assertThatThrownBy(() -> ClusterBootstrap.initialState(Founders.members(3), 64, 3, 3, "lsm", Map.of("maxKeyBytes", "10")))
                .hasMessageContaining("maxKeyBytes").hasMessageContaining("not allowed");
    }

    @Test
    void checkSettingsAgreesWithInitialState() {
        ClusterBootstrap.checkSettings(Founders.members(1), 64, 1, 1, "lsm", Map.of()); // a one-node cluster is fine
        assertThatThrownBy(() -> ClusterBootstrap.checkSettings(Founders.members(1), 64, 1, 3, "lsm", Map.of()))
                .hasMessageContaining("metaReplicas 3");
    }
}
