package io.kvkit.ycsb;

import java.util.Arrays;

/**
 * A fixed array of monitors, a key's stripe chosen by the hash of its bytes. Writers of one key
 * (put, delete, read-modify-write) hold its stripe, so a partial update's read and write cannot
 * be split by another write of that key; readers take no lock. Two keys can share a stripe and
 * then wait for each other needlessly; with {@value #DEFAULT_STRIPES} stripes and a few client
 * threads that is rare.
 *
 * <p>A striped lock rather than a compare-and-set loop because the engine SPI has no
 * compare-and-set: the alternative would need one from every engine and peer.
 */
public final class KeyLockStripes {
    public static final int DEFAULT_STRIPES = 1024;

    private final Object[] stripes;
    private final int mask;

    /** @param count the number of stripes, a power of two between 1 and 2^20 */
    public KeyLockStripes(int count) {
        if (count < 1 || count > (1 << 20) || Integer.bitCount(count) != 1) {
            throw new IllegalArgumentException("lock stripe count must be a power of two from 1 to 1048576, got " + count);
        }
        stripes = new Object[count];
        for (int i = 0; i < count; i++) {
            stripes[i] = new Object();
        }
        mask = count - 1;
    }

    /** The monitor guarding writes of {@code key}. */
    public Object lockFor(byte[] key) {
        int h = Arrays.hashCode(key);
        h ^= h >>> 16; // spread: Arrays.hashCode of similar keys differs mostly in low bits
        return stripes[h & mask];
    }

    public int count() {
        return stripes.length;
    }
}
