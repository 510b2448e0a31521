package io.kvkit.ring;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * XXHash64 (Yann Collet's specification, https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md),
 * reading little-endian lanes through byte-array view {@link VarHandle}s: no JNI, no
 * {@code sun.misc.Unsafe}, and the JIT turns each lane read into one load. Tests check it bit for
 * bit against lz4-java's implementation and the reference vectors.
 */
final class XxHash64 {
    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;
    private static final long P4 = 0x85EBCA77C2B2AE63L;
    private static final long P5 = 0x27D4EB2F165667C5L;

    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private XxHash64() {}

    static long hash(byte[] in, int off, int len, long seed) {
        if (off < 0 || len < 0 || off > in.length - len) {
            throw new IndexOutOfBoundsException("slice [" + off + ", " + off + " + " + len + ") of a " + in.length + "-byte array");
        }
        int end = off + len;
        long h;
        if (len >= 32) {
            long v1 = seed + P1 + P2;
            long v2 = seed + P2;
            long v3 = seed;
            long v4 = seed - P1;
            int limit = end - 32;
            do {
                v1 = round(v1, (long) LONG_LE.get(in, off));
                v2 = round(v2, (long) LONG_LE.get(in, off + 8));
                v3 = round(v3, (long) LONG_LE.get(in, off + 16));
                v4 = round(v4, (long) LONG_LE.get(in, off + 24));
                off += 32;
            } while (off <= limit);
            h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
            h = merge(h, v1);
            h = merge(h, v2);
            h = merge(h, v3);
            h = merge(h, v4);
        } else {
            h = seed + P5;
        }
        h += len;
        while (off <= end - 8) {
            h ^= round(0, (long) LONG_LE.get(in, off));
            h = Long.rotateLeft(h, 27) * P1 + P4;
            off += 8;
        }
        if (off <= end - 4) {
            h ^= ((int) INT_LE.get(in, off) & 0xFFFFFFFFL) * P1;
            h = Long.rotateLeft(h, 23) * P2 + P3;
            off += 4;
        }
        while (off < end) {
            h ^= (in[off] & 0xFFL) * P5;
            h = Long.rotateLeft(h, 11) * P1;
            off++;
        }
        h ^= h >>> 33;
        h *= P2;
        h ^= h >>> 29;
        h *= P3;
        h ^= h >>> 32;
        return h;
    }

    private static long round(long acc, long lane) {
        acc += lane * P2;
        acc = Long.rotateLeft(acc, 31);
        return acc * P1;
    }

    private static long merge(long acc, long v) {
        acc ^= round(0, v);
        return acc * P1 + P4;
    }
}
