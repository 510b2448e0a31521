package io.kvkit.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;
import org.junit.jupiter.api.Test;

class KeyHasherTest {
    @Test
    void xxhash64OfTheEmptyInputIsTheReferenceValue() {
        // XXH64("", seed 0) from the xxHash reference implementation
        assertThat(KeyHasher.hash64(new byte[0])).isEqualTo(0xEF46DB3751D8E999L);
    }

    @Test
    void pinnedVectorsNeverChange() {
        // If this fails, keys would map to other partitions: that needs a new ring format version.
        assertThat(KeyHasher.hash64("a".getBytes(StandardCharsets.UTF_8))).isEqualTo(0xD24EC4F1A98C6E5BL);
        assertThat(KeyHasher.hash64("abc".getBytes(StandardCharsets.UTF_8))).isEqualTo(0x44BC2CF5AD770999L);
        byte[] k16 = "user:0000000042!".getBytes(StandardCharsets.UTF_8);
        assertThat(KeyHasher.partitionOf(k16, 12)).isEqualTo(KeyHasher.partitionOf(k16, 12));
        assertThat(KeyHasher.partitionOf(k16, 12)).isEqualTo((int) (KeyHasher.hash64(k16) >>> 52));
    }

    @Test
    void partitionIsTheTopBitsAndNestsAcrossPartitionCounts() {
        long h = 0xF0F0_0000_0000_0001L;
        assertThat(KeyHasher.partitionOfHash(h, 0)).isZero();
        assertThat(KeyHasher.partitionOfHash(h, 1)).isEqualTo(1);
        assertThat(KeyHasher.partitionOfHash(h, 4)).isEqualTo(0xF);
        assertThat(KeyHasher.partitionOfHash(h, 12)).isEqualTo(0xF0F);
        assertThat(KeyHasher.partitionOfHash(-1L, 20)).isEqualTo((1 << 20) - 1);
    }

    /** Our XXHash64 against lz4-java's, every length from 0 to 300 and every lane path, many seeds. */
    @Test
    void matchesLz4JavaBitForBit() {
        long seed = 20261125L;
        System.out.println("xxhash comparison seed " + seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        XXHash64 reference = XXHashFactory.safeInstance().hash64();
        for (int i = 0; i < 50_000; i++) {
            int len = i < 301 ? i : rnd.nextInt(1024);
            int off = rnd.nextInt(8);
            byte[] buf = new byte[off + len + rnd.nextInt(8)];
            rnd.nextBytes(buf);
            long s = i % 2 == 0 ? 0 : rnd.nextLong();
            assertThat(XxHash64.hash(buf, off, len, s)).as("len %d off %d seed %d", len, off, s)
                    .isEqualTo(reference.hash(buf, off, len, s));
        }
    }

    @Test
    void aSliceOutsideTheArrayIsRejected() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> KeyHasher.hash64(new byte[4], 2, 3))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("slice [2, 2 + 3) of a 4-byte array");
    }

    @Test
    void sliceHashesLikeTheCopy() {
        byte[] buf = "xxhello-worldyy".getBytes(StandardCharsets.UTF_8);
        assertThat(KeyHasher.hash64(buf, 2, 11)).isEqualTo(KeyHasher.hash64("hello-world".getBytes(StandardCharsets.UTF_8)));
    }
}
