package io.kvkit.bench.workload;

import java.util.SplittableRandom;

/**
 * Values of a fixed length that compress to about half their size, like db_bench's default
 * {@code --compression_ratio=0.5}: each value is a window into a seeded pool whose second half
 * of every 32-byte block repeats its first half, so LZ4 and friends have realistic work.
 */
public final class ValueSource {
    private static final int POOL_BYTES = 1 << 20;
    private static final int BLOCK = 32;

    private final byte[] pool = new byte[POOL_BYTES];
    private final int valueBytes;

    public ValueSource(int valueBytes, long seed) {
        if (valueBytes < 0 || valueBytes > POOL_BYTES / 2) {
            throw new IllegalArgumentException("value length must be in 0.." + POOL_BYTES / 2 + " bytes, got " + valueBytes);
        }
        this.valueBytes = valueBytes;
        SplittableRandom r = new SplittableRandom(seed);
        for (int b = 0; b < POOL_BYTES; b += BLOCK) {
            for (int i = 0; i < BLOCK / 2; i++) {
                pool[b + i] = (byte) (' ' + r.nextInt(95)); // printable, as db_bench's generator
                pool[b + BLOCK / 2 + i] = pool[b + i];
            }
        }
    }

    public int valueBytes() {
        return valueBytes;
    }

    /** Fills {@code into} (of the value length) with the value for operation {@code i}. */
    public void fill(long i, byte[] into) {
        int offset = (int) Math.floorMod(i * 977L, (long) (POOL_BYTES - valueBytes));
        System.arraycopy(pool, offset, into, 0, valueBytes);
    }
}
