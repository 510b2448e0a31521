package io.kvkit.engine.lsm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Unsigned LEB128 integers (7 bits a byte, low group first), as in LevelDB and protobuf. */
final class Varint {
    private Varint() {
    }

    static int size(long v) {
        int n = 1;
        while ((v & ~0x7FL) != 0) {
            v >>>= 7;
            n++;
        }
        return n;
    }

    /** Writes {@code v} at {@code pos} of {@code buf}; returns the position after it. */
    static int put(byte[] buf, int pos, long v) {
        while ((v & ~0x7FL) != 0) {
            buf[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[pos++] = (byte) v;
        return pos;
    }

    /**
     * Reads a varint of at most 32 bits from {@code seg} at {@code pos}. The value is in the low
     * 32 bits of the result, the position after it in the high 32 bits.
     */
    static long getInt(MemorySegment seg, long pos) {
        int b = seg.get(ValueLayout.JAVA_BYTE, pos);
        if (b >= 0) {
            return ((pos + 1) << 32) | (b & 0xFFFFFFFFL);
        }
        int result = b & 0x7F;
        for (int shift = 7; shift <= 28; shift += 7) {
            b = seg.get(ValueLayout.JAVA_BYTE, ++pos);
            result |= (b & 0x7F) << shift;
            if (b >= 0) {
                return ((pos + 1) << 32) | (result & 0xFFFFFFFFL);
            }
        }
        throw new IllegalArgumentException("varint longer than 5 bytes at " + pos);
    }
}
