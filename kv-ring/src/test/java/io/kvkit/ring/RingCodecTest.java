package io.kvkit.ring;

import static io.kvkit.ring.RingFixtures.options;
import static io.kvkit.ring.RingFixtures.zonedNodes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RingCodecTest {
    private static Ring sample() {
        Ring ring = Ring.create(options(4096, 3).withZoneAware(true), zonedNodes(9, 3));
        return ring.join(new RingNode(42, "10.1.1.1:7000", "zone-1", 150, NodeState.UP)).ring()
                .withNodeState(3, NodeState.DOWN).ring();
    }

    @Test
    void roundTripsEveryField() {
        Ring ring = sample();
        byte[] bytes = RingCodec.encode(ring);
        Ring back = RingCodec.decode(bytes);
        assertThat(back).isEqualTo(ring);
        assertThat(back.epoch()).isEqualTo(2);
        assertThat(back.requireNode(3).state()).isEqualTo(NodeState.DOWN);
        assertThat(back.requireNode(42).weight()).isEqualTo(150);
        assertThat(back.zoneAware()).isTrue();
        assertThat(RingCodec.encode(back)).isEqualTo(bytes);
        System.out.printf("encoded ring: Q=4096 R=3 N=10: %d bytes (%.2f bytes/partition)%n", bytes.length,
                bytes.length / 4096.0);
        // runs of equal replica lists keep it well under Q*R*2 bytes
        assertThat(bytes.length).isLessThan(4096 * 3 * 2);
    }

    @Test
    void everySingleBitFlipIsDetected() {
        byte[] bytes = RingCodec.encode(Ring.create(options(64, 3), RingFixtures.nodes(4)));
        for (int i = 0; i < bytes.length; i++) {
            byte[] bad = bytes.clone();
            bad[i] ^= 0x10;
            assertThatThrownBy(() -> RingCodec.decode(bad)).as("flip at %d", i).isInstanceOf(RingFormatException.class);
        }
    }

    @Test
    void truncationVersionAndMagicAreNamed() {
        byte[] bytes = RingCodec.encode(Ring.create(options(64, 3), RingFixtures.nodes(4)));
        assertThatThrownBy(() -> RingCodec.decode(Arrays.copyOf(bytes, 10))).hasMessageContaining("shorter than");
        assertThatThrownBy(() -> RingCodec.decode(Arrays.copyOf(bytes, bytes.length - 7))).isInstanceOf(RingFormatException.class);
        byte[] v2 = bytes.clone();
        v2[4] = 2;
        assertThatThrownBy(() -> RingCodec.decode(v2)).hasMessageContaining("format version 2");
        // a well-formed checksum over nonsense must still be refused before any large allocation
        byte[] r200 = bytes.clone();
        r200[7] = (byte) 200;
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(r200, 0, r200.length - 4);
        java.nio.ByteBuffer.wrap(r200, r200.length - 4, 4).putInt((int) crc.getValue());
        assertThatThrownBy(() -> RingCodec.decode(r200)).hasMessageContaining("replication factor 200 outside [1, 7]");
        byte[] magic = bytes.clone();
        magic[0] = 'X';
        assertThatThrownBy(() -> RingCodec.decode(magic)).hasMessageContaining("bad magic");
    }
}
