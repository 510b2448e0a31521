package io.kvkit.client;

import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * Maps a key to its partition exactly as the server's ring does (ring format version 1):
 * XXHash64 with seed 0 over the key bytes, and the partition is the top {@code log2(Q)} bits of
 * the hash. The client computes it itself, without depending on the ring module, so that it can
 * send each request straight to the partition's leader; the pinned vectors in the tests are the
 * ring's own.
 */
public final class KeyPartitioner {
    /** XXHash64 seed of ring format version 1. Never change it: keys would move. */
    public static final long SEED = 0L;
    /** Largest partition count accepted (the ring's Q is far smaller in practice). */
    public static final int MAX_PARTITIONS = 1 << 30;

    // the pure-Java implementation: no JNI, no Unsafe, same bits as the others
    private static final XXHash64 XXHASH64 = XXHashFactory.safeInstance().hash64();

    private final int partitionCount;
    private final int log2Partitions;

    /** @param partitionCount Q, a power of two in [1, 2^30] */
    public KeyPartitioner(int partitionCount) {
        if (partitionCount < 1 || partitionCount > MAX_PARTITIONS || Integer.bitCount(partitionCount) != 1) {
            throw new IllegalArgumentException("partition count must be a power of two in [1, " + MAX_PARTITIONS
                    + "], got " + partitionCount);
        }
        this.partitionCount = partitionCount;
        this.log2Partitions = Integer.numberOfTrailingZeros(partitionCount);
    }

    public int partitionCount() {
        return partitionCount;
    }

    /** The partition of {@code key}, in [0, partitionCount). */
    public int partitionOf(byte[] key) {
        return partitionOfHash(hash64(key), log2Partitions);
    }

    /** XXHash64 (seed 0) of the whole key. */
    public static long hash64(byte[] key) {
        return XXHASH64.hash(key, 0, key.length, SEED);
    }

    /** The top {@code log2Partitions} bits of {@code hash}; 0 when there is one partition (a shift by 64 is a no-op in Java). */
    public static int partitionOfHash(long hash, int log2Partitions) {
        return log2Partitions == 0 ? 0 : (int) (hash >>> (64 - log2Partitions));
    }
}
