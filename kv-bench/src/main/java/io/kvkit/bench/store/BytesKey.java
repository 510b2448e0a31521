package io.kvkit.bench.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A byte[] with content equality, as a hash-map key, with a well-mixed hash.
 *
 * <p>Not {@link Arrays#hashCode(byte[])} (nor {@code ByteBuffer.hashCode}, the same polynomial):
 * base 31 over bytes collides massively on keys that differ only in a few bytes. For the
 * benchmark's keys (a big-endian number, zero padded) 1,000,000 keys fall on about 22,000 hash
 * values, every map bin becomes a long chain, and the map measures collisions instead of its
 * own speed. This hash mixes 8 bytes at a time (a multiply-xorshift finaliser, as in
 * SplittableRandom/murmur3).
 */
final class BytesKey {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final byte[] bytes;
    private final int hash;

    BytesKey(byte[] bytes) {
        this.bytes = bytes;
        this.hash = hash(bytes);
    }

    static int hash(byte[] b) {
        long h = 0x9E3779B97F4A7C15L ^ b.length;
        int i = 0;
        for (; i + 8 <= b.length; i += 8) {
            h = mix(h ^ (long) LONGS.get(b, i));
        }
        long tail = 0;
        for (int s = 0; i < b.length; i++, s += 8) {
            tail |= (b[i] & 0xFFL) << s;
        }
        h = mix(h ^ tail);
        return (int) (h ^ (h >>> 32));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BytesKey k && hash == k.hash && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
