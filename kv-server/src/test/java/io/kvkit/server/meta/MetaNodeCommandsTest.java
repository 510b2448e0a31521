package io.kvkit.server.meta;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.StatusCode;
import io.kvkit.raft.Snapshot;
import io.kvkit.raft.ConfState;
import io.kvkit.ring.RingNode;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The meta group's node commands: add, remove, DOWN/UP, weight, and membership reports. */
class MetaNodeCommandsTest {

    private final ClusterState bootstrap = ClusterBootstrap.initialState(Founders.members(3), 8, 3, 3, "lsm", Map.of());
    private final MetaStateMachine machine = new MetaStateMachine(bootstrap);
    private long index;

    private Response apply(byte[] command) {
        try {
            return Response.parseFrom(machine.apply(++index, command));
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("the reply is not a Response", e);
        }
    }

    private static byte[] addNode(long id) {
        return MetaCommands.addNode(id, "127.0.0.1:" + (7000 + id), "127.0.0.1:" + (8000 + id), "", "", 0);
    }

    /** Replicas whose target changed between two states: what must move. */
    private static int replicaMoves(ClusterState before, ClusterState after) {
        int moves = 0;
        for (int p = 0; p < before.partitionCount(); p++) {
            Set<Long> added = new HashSet<>(after.replicas(p));
            before.replicas(p).forEach(added::remove);
            moves += added.size();
        }
        return moves;
    }

    @Test
    void aJoiningNodeIsTargetedOnlyWhereTheRingMovesAndCurrentMembershipsStay() {
        Response r = apply(addNode(4));
        assertThat(r.getStatus().getCode()).isEqualTo(StatusCode.OK);
        ClusterState after = machine.current();
        assertThat(after.epoch()).isEqualTo(2);
        assertThat(after.nodes().get(4L)).isEqualTo(new NodeRecord(4, "127.0.0.1:7004", "127.0.0.1:8004", "", "",
                RingNode.STANDARD_WEIGHT, NodeStatus.UP));
        // R = 3 of N = 4 over Q = 8: node 4 takes 6 of the 24 replicas, every move adds node 4
        assertThat(after.partitionsOf(4)).hasSize(6);
        assertThat(replicaMoves(bootstrap, after)).isEqualTo(6);
        for (int p = 0; p < 8; p++) {
            assertThat(after.replicas(p)).hasSize(3);
            assertThat(after.membership(p)).as("current memberships only change by report").isEqualTo(bootstrap.membership(p));
            assertThat(after.moving(p)).isEqualTo(after.replicas(p).contains(4L));
        }
        assertThat(r.getStatus().getMessage()).contains("6 replica moves");
        // every replica computes the same state from the same command
        MetaStateMachine other = new MetaStateMachine(bootstrap);
        other.apply(1, addNode(4));
        assertThat(other.current().encode()).isEqualTo(after.encode());
    }

    @Test
    void aRetriedJoinIsANoOpAndAnIdWithOtherAddressesIsRefused() {
        apply(addNode(4));
        long epoch = machine.current().epoch();
        Response again = apply(addNode(4));
        assertThat(again.getStatus().getCode()).isEqualTo(StatusCode.OK);
        assertThat(again.getStatus().getMessage()).contains("already a member");
        assertThat(machine.current().epoch()).isEqualTo(epoch);

        Response clash = apply(MetaCommands.addNode(4, "127.0.0.1:9999", "127.0.0.1:9998", "", "", 0));
        assertThat(clash.getStatus().getCode()).isEqualTo(StatusCode.ALREADY_EXISTS);
        assertThat(clash.getStatus().getMessage()).contains("node 4 is already in the cluster with raft 127.0.0.1:7004")
                .contains("must use another id");
        Response sameAddress = apply(MetaCommands.addNode(5, "127.0.0.1:7004", "127.0.0.1:8005", "", "", 0));
        assertThat(sameAddress.getStatus().getCode()).isEqualTo(StatusCode.ALREADY_EXISTS);
        assertThat(sameAddress.getStatus().getMessage()).contains("addresses must be unique");
        Response badAddress = apply(MetaCommands.addNode(5, "nowhere", "127.0.0.1:8005", "", "", 0));
        assertThat(badAddress.getStatus().getCode()).isEqualTo(StatusCode.INVALID_ARGUMENT);
        assertThat(badAddress.getStatus().getMessage()).contains("raft address 'nowhere'").contains("host:port");
        Response badWeight = apply(MetaCommands.addNode(5, "127.0.0.1:7005", "127.0.0.1:8005", "", "", RingNode.MAX_WEIGHT + 1));
        assertThat(badWeight.getStatus().getCode()).isEqualTo(StatusCode.INVALID_ARGUMENT);
        assertThat(badWeight.getStatus().getMessage()).contains("weight");
        assertThat(machine.current().epoch()).isEqualTo(epoch);
    }

    @Test
    void aRemovedNodeLeavesTheTargetsOnlyOfItsOwnPartitions() {
        apply(addNode(4));
        ClusterState four = machine.current();
        Response r = apply(MetaCommands.removeNode(4));
        assertThat(r.getStatus().getCode()).isEqualTo(StatusCode.OK);
        ClusterState after = machine.current();
        assertThat(after.nodes().get(4L).status()).isEqualTo(NodeStatus.LEAVING);
        assertThat(after.partitionsOf(4)).isEmpty();
        assertThat(replicaMoves(four, after)).as("exactly node 4's replicas move").isEqualTo(6);
        for (int p = 0; p < 8; p++) {
            if (!four.replicas(p).contains(4L)) {
                assertThat(after.replicas(p)).containsExactlyElementsOf(four.replicas(p));
            }
        }
        assertThat(after.holdsAnything(4)).as("not until the memberships are reported without it").isFalse();
        assertThat(apply(MetaCommands.removeNode(4)).getStatus().getMessage()).contains("already leaving");
    }

    @Test
    void refusesToRemoveAMetaMemberOrToGoBelowTheReplicationFactor() {
        Response meta = apply(MetaCommands.removeNode(1));
        assertThat(meta.getStatus().getCode()).isEqualTo(StatusCode.INVALID_ARGUMENT);
        assertThat(meta.getStatus().getMessage()).contains("meta group");
        Response down = apply(MetaCommands.setNodeStatus(2, NodeStatus.DOWN));
        assertThat(down.getStatus().getCode()).isEqualTo(StatusCode.INVALID_ARGUMENT);
        assertThat(down.getStatus().getMessage()).contains("2 other UP nodes would be left for replication factor 3");
        Response missing = apply(MetaCommands.removeNode(9));
        assertThat(missing.getStatus().getCode()).isEqualTo(StatusCode.NOT_FOUND);
        assertThat(machine.current()).isSameAs(bootstrap);
    }

    @Test
    void aDownNodeIsReplacedAndComesBackEmpty() {
        apply(addNode(4));
        ClusterState four = machine.current();
        Response down = apply(MetaCommands.setNodeStatus(2, NodeStatus.DOWN));
        assertThat(down.getStatus().getCode()).isEqualTo(StatusCode.OK);
        ClusterState after = machine.current();
        assertThat(after.nodes().get(2L).status()).isEqualTo(NodeStatus.DOWN);
        assertThat(after.partitionsOf(2)).isEmpty();
        assertThat(replicaMoves(four, after)).isEqualTo(four.partitionsOf(2).size());
        NodeRecord two = after.nodes().get(2L);
        Response rejoin = apply(MetaCommands.addNode(2, two.raftAddress(), two.clientAddress(), two.adminAddress(), two.respAddress(), 0));
        assertThat(rejoin.getStatus().getCode()).isEqualTo(StatusCode.ALREADY_EXISTS);
        assertThat(rejoin.getStatus().getMessage()).contains("marked DOWN");
        Response up = apply(MetaCommands.setNodeStatus(2, NodeStatus.UP));
        assertThat(up.getStatus().getCode()).isEqualTo(StatusCode.OK);
        assertThat(machine.current().nodes().get(2L).status()).isEqualTo(NodeStatus.UP);
        assertThat(machine.current().partitionsOf(2)).isNotEmpty();
    }

    @Test
    void aWeightChangeMovesOnlyThatNodesShare() {
        apply(addNode(4));
        ClusterState four = machine.current();
        Response r = apply(MetaCommands.setWeight(4, 50));
        assertThat(r.getStatus().getCode()).isEqualTo(StatusCode.OK);
        ClusterState after = machine.current();
        assertThat(after.nodes().get(4L).weight()).isEqualTo(50);
        assertThat(after.partitionsOf(4).size()).isLessThan(four.partitionsOf(4).size());
        for (int p = 0; p < 8; p++) {
            Set<Long> removed = new HashSet<>(four.replicas(p));
            after.replicas(p).forEach(removed::remove);
            assertThat(removed).as("only node 4 gives").isSubsetOf(Set.of(4L));
        }
        Response bad = apply(MetaCommands.setWeight(4, 0));
        assertThat(bad.getStatus().getCode()).isEqualTo(StatusCode.INVALID_ARGUMENT);
    }

    @Test
    void membershipReportsAreTakenInCommitIndexOrderOnly() {
        apply(addNode(4));
        int p = machine.current().partitionsOf(4).getFirst();
        List<Long> voters = bootstrap.replicas(p);
        assertThat(apply(MetaCommands.reportMembership(p, 10, voters, List.of(4L))).getStatus().getCode()).isEqualTo(StatusCode.OK);
        assertThat(machine.current().membership(p)).isEqualTo(new PartitionMembership(10, voters, List.of(4L)));
        long epoch = machine.current().epoch();
        // a deposed leader's late report of an older membership changes nothing
        apply(MetaCommands.reportMembership(p, 9, voters, List.of()));
        assertThat(machine.current().membership(p).learners()).containsExactly(4L);
        assertThat(machine.current().epoch()).isEqualTo(epoch);
        apply(MetaCommands.reportMembership(p, 20, machine.current().replicas(p), List.of()));
        assertThat(machine.current().moving(p)).isFalse();
        assertThat(machine.current().holdsAnything(4)).isTrue();

        Response unknown = apply(MetaCommands.reportMembership(p, 30, List.of(1L, 99L), List.of()));
        assertThat(unknown.getStatus().getCode()).isEqualTo(StatusCode.INVALID_ARGUMENT);
        Response noVoter = apply(MetaCommands.reportMembership(p, 30, List.of(), List.of(1L)));
        assertThat(noVoter.getStatus().getCode()).isEqualTo(StatusCode.INVALID_ARGUMENT);
        Response noPartition = apply(MetaCommands.reportMembership(8, 30, List.of(1L), List.of()));
        assertThat(noPartition.getStatus().getMessage()).contains("partition 8 does not exist");
    }

    @Test
    void targetsAndMembershipsSurviveASnapshot() {
        apply(addNode(4));
        int p = machine.current().partitionsOf(4).getFirst();
        apply(MetaCommands.reportMembership(p, 10, bootstrap.replicas(p), List.of(4L)));
        byte[] snap = machine.snapshot();
        MetaStateMachine restored = new MetaStateMachine(bootstrap);
        restored.restore(new Snapshot(5, 1, ConfState.ofVoters(1L, 2L, 3L), snap));
        assertThat(restored.current()).isEqualTo(machine.current());
        assertThat(ClusterState.decode(snap).membership(p).learners()).containsExactly(4L);
    }
}
