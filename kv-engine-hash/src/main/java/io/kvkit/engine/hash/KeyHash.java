package io.kvkit.engine.hash;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The 64-bit key hash of the index: a Murmur3-style mix of 8-byte blocks with a full avalanche
 * at the end, so that both the low bits (the home slot) and the high bits (the tag) are usable.
 * Part of the on-disk format: index checkpoints hold slots placed by this function, so changing
 * it needs a new {@link IndexCheckpointFile#FORMAT_VERSION}.
 */
final class KeyHash {
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long C1 = 0x87C37B91114253D5L;
    private static final long C2 = 0x4CF5AD432745937FL;

    private KeyHash() {
    }

    static long hash(byte[] key) {
        int n = key.length;
        long h = 0x9E3779B97F4A7C15L ^ (n * 0xC2B2AE3D27D4EB4FL);
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            h ^= Long.rotateLeft((long) LONG.get(key, i) * C1, 31) * C2;
            h = Long.rotateLeft(h, 27) * 5 + 0x52DCE729L;
        }
        if (i < n) {
            long t = 0;
            for (int s = 0; i < n; i++, s += 8) {
                t |= (key[i] & 0xFFL) << s;
            }
            h ^= Long.rotateLeft(t * C1, 31) * C2;
        }
        return fmix(h ^ n);
    }

    private static long fmix(long k) {
        k ^= k >>> 33;
        k *= 0xFF51AFD7ED558CCDL;
        k ^= k >>> 33;
        k *= 0xC4CEB9FE1A85EC53L;
        k ^= k >>> 33;
        return k;
    }
}
