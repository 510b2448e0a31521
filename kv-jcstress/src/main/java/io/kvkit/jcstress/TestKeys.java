package io.kvkit.jcstress;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keys and values for jcstress states that share one store or one memtable.
 *
 * <p>jcstress keeps thousands of states alive at once and runs the actors of all of them over the
 * same store, so each state draws a fresh id and uses only keys made from it: the outcome of a
 * state depends on its own keys alone. Ids are scrambled by a bijective 64-bit mix so that the
 * keys of consecutive states land all over the key space (inserts into the middle of a skip list
 * or a hash table, not appends at one end), and the scrambled id is the key's first 8 bytes,
 * big-endian: the prefix the LSM memtable compares first.
 */
public final class TestKeys {
    private static final AtomicLong NEXT_ID = new AtomicLong(1);

    private TestKeys() {
    }

    /** A fresh id, unique in this JVM. */
    public static long nextId() {
        return NEXT_ID.getAndIncrement();
    }

    /** Key {@code role} of state {@code id}: 8 bytes of the scrambled id, then the role byte. */
    public static byte[] key(long id, int role) {
        long p = mix(id);
        byte[] k = new byte[9];
        for (int i = 0; i < 8; i++) {
            k[i] = (byte) (p >>> (56 - 8 * i));
        }
        k[8] = (byte) role;
        return k;
    }

    /** A value of {@code length} bytes, every one {@code fill}: a torn or mixed read cannot pass {@link #classify}. */
    public static byte[] value(int fill, int length) {
        byte[] v = new byte[length];
        Arrays.fill(v, (byte) fill);
        return v;
    }

    /**
     * Which of {@code candidates} {@code read} is, byte for byte: {@code i + 1} for
     * {@code candidates[i]}, {@link #ABSENT} for null, {@link #TORN} for anything else.
     */
    public static int classify(byte[] read, byte[]... candidates) {
        if (read == null) {
            return ABSENT;
        }
        for (int i = 0; i < candidates.length; i++) {
            if (Arrays.equals(read, candidates[i])) {
                return i + 1;
            }
        }
        return TORN;
    }

    /** {@link #classify} of a missing key. */
    public static final int ABSENT = 0;
    /** {@link #classify} of bytes that are none of the candidates: torn, mixed or foreign. */
    public static final int TORN = -1;

    /** SplitMix64's finalizer: a bijection on longs with full avalanche. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
