package io.kvkit.engine.lsm;

/**
 * What the manifest records about one SSTable: its number (file {@code NNNNNN.sst}), size, and
 * the range of user keys and sequence numbers it holds.
 */
record FileMeta(long number, long fileSize, byte[] smallestKey, byte[] largestKey, long smallestSeq, long largestSeq,
                long entries, long tombstones) {

    boolean overlaps(byte[] lo, byte[] hi) {
        return (hi == null || java.util.Arrays.compareUnsigned(smallestKey, hi) <= 0)
                && (lo == null || java.util.Arrays.compareUnsigned(largestKey, lo) >= 0);
    }

    boolean contains(byte[] key) {
        return java.util.Arrays.compareUnsigned(smallestKey, key) <= 0 && java.util.Arrays.compareUnsigned(largestKey, key) >= 0;
    }

    static String fileName(long number) {
        return String.format("%06d.sst", number);
    }
}
