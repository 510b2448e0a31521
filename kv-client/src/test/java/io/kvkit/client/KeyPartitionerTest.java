package io.kvkit.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The client must place keys exactly as the ring does: these vectors are kv-ring's KeyHasherTest's. */
class KeyPartitionerTest {
    @Test
    void xxhash64VectorsPinnedByTheRing() {
        assertThat(KeyPartitioner.hash64(new byte[0])).isEqualTo(0xEF46DB3751D8E999L);
        assertThat(KeyPartitioner.hash64("a".getBytes(StandardCharsets.UTF_8))).isEqualTo(0xD24EC4F1A98C6E5BL);
        assertThat(KeyPartitioner.hash64("abc".getBytes(StandardCharsets.UTF_8))).isEqualTo(0x44BC2CF5AD770999L);
    }

    @Test
    void partitionIsTheTopBitsOfTheHash() {
        long h = 0xF0F0_0000_0000_0001L;
        assertThat(KeyPartitioner.partitionOfHash(h, 0)).isZero();
        assertThat(KeyPartitioner.partitionOfHash(h, 1)).isEqualTo(1);
        assertThat(KeyPartitioner.partitionOfHash(h, 4)).isEqualTo(0xF);
        assertThat(KeyPartitioner.partitionOfHash(h, 12)).isEqualTo(0xF0F);
        assertThat(KeyPartitioner.partitionOfHash(-1L, 20)).isEqualTo((1 << 20) - 1);
        byte[] k16 = "user:0000000042!".getBytes(StandardCharsets.UTF_8);
        assertThat(new KeyPartitioner(4096).partitionOf(k16)).isEqualTo((int) (KeyPartitioner.hash64(k16) >>> 52));
        // "a" hashes to 0xD24E...: top 6 bits 110100 = 52 of Q = 64, top bit 1 of Q = 2
        assertThat(new KeyPartitioner(64).partitionOf("a".getBytes(StandardCharsets.UTF_8))).isEqualTo(52);
        assertThat(new KeyPartitioner(2).partitionOf("a".getBytes(StandardCharsets.UTF_8))).isEqualTo(1);
        assertThat(new KeyPartitioner(1).partitionOf("a".getBytes(StandardCharsets.UTF_8))).isZero();
    }

    @Test
    void partitionCountMustBeAPowerOfTwo() {
        assertThatThrownBy(() -> new KeyPartitioner(48)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("power of two").hasMessageContaining("48");
        assertThatThrownBy(() -> new KeyPartitioner(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
