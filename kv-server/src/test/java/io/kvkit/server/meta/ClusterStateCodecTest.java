package io.kvkit.server.meta;

import io.kvkit.ring.RingCodec;
import io.kvkit.server.meta.proto.ClusterStateBody;
import io.kvkit.server.meta.proto.NodeStatusCode;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClusterStateCodecTest {

    @Test
    void roundTripKeepsEveryField() {
        ClusterState s = Founders.fiveNodes()
                .withTable(new TableRecord("users", "bplustree", Map.of()))
                .withTable(new TableRecord("sessions", "lsm", Map.of("blockSizeBytes", "16KiB", "compression", "none")));
        ClusterState back = ClusterState.decode(s.encode());
        assertThat(back).isEqualTo(s);
        assertThat(back.epoch()).isEqualTo(3);
        assertThat(back.clusterId()).isEqualTo(s.clusterId());
        assertThat(back.metaMembers()).isEqualTo(s.metaMembers());
        assertThat(back.nodes()).isEqualTo(s.nodes());
        assertThat(back.ring()).isEqualTo(s.ring());
        for (int p = 0; p < s.partitionCount(); p++) {
            assertThat(back.replicas(p)).isEqualTo(s.replicas(p));
        }
        assertThat(back.tables()).isEqualTo(s.tables());
        assertThat(back.encode()).isEqualTo(s.encode());
    }

    @Test
    void everyFlippedByteIsCaught() {
        byte[] good = Founders.fiveNodes().encode();
        for (int i = 0; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= (byte) (1 << (i % 8));
            int at = i;
            assertThatThrownBy(() -> ClusterState.decode(bad)).as("flip at offset %d", at)
                    .isInstanceOf(ClusterStateFormatException.class).hasMessageStartingWith("cluster state");
        }
        byte[] bodyFlip = good.clone();
        bodyFlip[good.length / 2] ^= 0x10;
        assertThatThrownBy(() -> ClusterState.decode(bodyFlip)).hasMessageContaining("CRC32C mismatch")
                .hasMessageContaining("damaged");
    }

    @Test
    void everyTruncationIsCaught() {
        byte[] good = Founders.fiveNodes().encode();
        for (int len = 0; len < good.length; len++) {
            byte[] cut = Arrays.copyOf(good, len);
            int at = len;
            assertThatThrownBy(() -> ClusterState.decode(cut)).as("truncated to %d bytes", at)
                    .isInstanceOf(ClusterStateFormatException.class);
        }
        assertThatThrownBy(() -> ClusterState.decode(new byte[0])).hasMessageContaining("0 bytes, shorter than");
        assertThatThrownBy(() -> ClusterState.decode(Arrays.copyOf(good, good.length - 1))).hasMessageContaining("truncated");
        byte[] longer = Arrays.copyOf(good, good.length + 3);
        assertThatThrownBy(() -> ClusterState.decode(longer)).hasMessageContaining("trailing bytes");
    }

    @Test
    void namesMagicAndVersion() {
        byte[] good = Founders.fiveNodes().encode();
        byte[] notOurs = RingCodec.encode(Founders.fiveNodes().ring());
        assertThatThrownBy(() -> ClusterState.decode(notOurs)).hasMessageContaining("bad magic")
                .hasMessageContaining("not a cluster state");
        byte[] v2 = good.clone();
        v2[4] = 2;
        assertThatThrownBy(() -> ClusterState.decode(v2)).hasMessageContaining("format version 2")
                .hasMessageContaining("reads version 1");
    }

    /** A blob whose checksum is right but whose content breaks a rule is refused, naming the rule. */
    @Test
    void refusesWellFormedBlobsOfImpossibleStates() {
        ClusterState s = Founders.fiveNodes();
        assertThat(ClusterState.decode(reencode(s, b -> b))).isEqualTo(s);
        assertThatThrownBy(() -> ClusterState.decode(reencode(s, b -> b.clearTables())))
                .isInstanceOf(ClusterStateFormatException.class).hasMessageContaining("do not include 'default'");
        assertThatThrownBy(() -> ClusterState.decode(reencode(s, b -> b.removePartitions(3))))
                .hasMessageContaining("63 replica sets for 64 partitions");
        assertThatThrownBy(() -> ClusterState.decode(reencode(s, b -> b.setPartitions(0,
                b.getPartitions(0).toBuilder().setNodeIds(1, b.getPartitions(0).getNodeIds(0))))))
                .hasMessageContaining("partition 0: node").hasMessageContaining("holds two replicas");
        assertThatThrownBy(() -> ClusterState.decode(reencode(s, b -> b.setPartitions(5,
                b.getPartitions(5).toBuilder().setNodeIds(0, 42)))))
                .hasMessageContaining("partition 5: replica 42 is not among the cluster's nodes");
        assertThatThrownBy(() -> ClusterState.decode(reencode(s, b -> b.setEpoch(0))))
                .hasMessageContaining("epoch 0");
        assertThatThrownBy(() -> ClusterState.decode(reencode(s, b -> b.setPartitionCount(32))))
                .hasMessageContaining("the ring has Q 64");
        assertThatThrownBy(() -> ClusterState.decode(reencode(s, b -> b.addMetaMembers(9))))
                .hasMessageContaining("meta member 9");
        assertThatThrownBy(() -> ClusterState.decode(reencode(s, b -> b.removeNodes(4))))
                .hasMessageContaining("ring node 5 is not among the cluster's nodes");
        assertThatThrownBy(() -> ClusterState.decode(reencode(s, b -> b.setNodes(0,
                b.getNodes(0).toBuilder().setStatus(NodeStatusCode.NODE_STATUS_UNSPECIFIED)))))
                .hasMessageContaining("node 1: status");
        assertThatThrownBy(() -> ClusterState.decode(reencode(s, b -> b.addTables(b.getTables(0)))))
                .hasMessageContaining("table 'default' appears twice");
        assertThatThrownBy(() -> ClusterState.decode(reencode(s, b -> b.setRing(com.google.protobuf.ByteString.copyFromUtf8("x")))))
                .hasMessageContaining("ring encoding is 1 bytes");
    }

    /** {@code s} encoded after {@code edit} changed its body, with a correct header and checksum. */
    private static byte[] reencode(ClusterState s, UnaryOperator<ClusterStateBody.Builder> edit) {
        byte[] good = s.encode();
        ClusterStateBody body;
        try {
            body = ClusterStateBody.parseFrom(Arrays.copyOfRange(good, 9, good.length - 4));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
        byte[] payload = edit.apply(body.toBuilder()).build().toByteArray();
        ByteBuffer out = ByteBuffer.allocate(9 + payload.length + 4);
        out.put(good, 0, 5).putInt(payload.length).put(payload);
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        return out.array();
    }
}
