package io.kvkit.engine.lsm;

import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Little-endian fixed-width integers in byte arrays. */
final class Bits {
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    static final ValueLayout.OfInt SEG_INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong SEG_LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Bits() {
    }

    static void putLongLE(byte[] b, int pos, long v) {
        LONG_LE.set(b, pos, v);
    }

    static void putIntLE(byte[] b, int pos, int v) {
        INT_LE.set(b, pos, v);
    }

    static long getLongLE(byte[] b, int pos) {
        return (long) LONG_LE.get(b, pos);
    }

    static int getIntLE(byte[] b, int pos) {
        return (int) INT_LE.get(b, pos);
    }
}
