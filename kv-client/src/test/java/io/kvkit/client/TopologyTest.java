package io.kvkit.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvkit.client.proto.NodeInfo;
import io.kvkit.client.proto.PartitionInfo;
import io.kvkit.client.proto.RouteResponse;
import org.junit.jupiter.api.Test;

/** A route answer is checked before the client trusts it. */
class TopologyTest {
    private static RouteResponse.Builder valid() {
        return RouteResponse.newBuilder().setEpoch(3).setPartitionCount(2)
                .addNodes(NodeInfo.newBuilder().setNodeId(1).setAddress("127.0.0.1:7001"))
                .addNodes(NodeInfo.newBuilder().setNodeId(2).setAddress("[::1]:7002"))
                .addPartitions(PartitionInfo.newBuilder().setPartitionId(0).addReplicaNodeIds(1).addReplicaNodeIds(2).setLeaderNodeId(2))
                .addPartitions(PartitionInfo.newBuilder().setPartitionId(1).addReplicaNodeIds(2).setLeaderNodeId(9));
    }

    @Test
    void aValidAnswerBecomesATopology() {
        Topology t = Topology.fromWire(valid().build());
        assertThat(t.epoch()).isEqualTo(3);
        assertThat(t.partitionCount()).isEqualTo(2);
        assertThat(t.leaderOf(0)).isEqualTo(2);
        assertThat(t.leaderOf(1)).as("a leader that is not listed counts as unknown").isZero();
        assertThat(t.addressOf(2).getPort()).isEqualTo(7002);
        Topology patched = t.withLeader(1, 2, null);
        assertThat(patched.leaderOf(1)).isEqualTo(2);
        assertThat(t.leaderOf(1)).isZero();
    }

    @Test
    void brokenAnswersAreProtocolErrorsSayingWhatIsWrong() {
        assertThatThrownBy(() -> Topology.fromWire(valid().setPartitionCount(3).build()))
                .isInstanceOf(KvProtocolException.class).hasMessageContaining("power of two");
        assertThatThrownBy(() -> Topology.fromWire(valid().setPartitionCount(4).build()))
                .hasMessageContaining("2 partitions listed, partition_count is 4");
        assertThatThrownBy(() -> Topology.fromWire(valid().setPartitions(1, PartitionInfo.newBuilder().setPartitionId(0)).build()))
                .hasMessageContaining("listed twice");
        assertThatThrownBy(() -> Topology.fromWire(valid().setPartitions(1,
                PartitionInfo.newBuilder().setPartitionId(1).addReplicaNodeIds(5)).build()))
                .hasMessageContaining("replica node 5, which is not listed");
        assertThatThrownBy(() -> Topology.fromWire(valid().setNodes(0, NodeInfo.newBuilder().setNodeId(1).setAddress("nohost")).build()))
                .hasMessageContaining("expected host:port");
    }
}
