package io.kvkit.bench.workload;

/**
 * The benchmark's keys: key number {@code i} is its 8-byte big-endian encoding, padded with
 * zero bytes to the key length. Big-endian keeps numeric order equal to unsigned byte order, so
 * "fillseq" writes keys in ascending key order and a seek to key {@code i} followed by
 * {@code next} visits {@code i+1, i+2, ...}, as in RocksDB's db_bench.
 */
public final class KeyFormat {
    /** Smallest key length: the 8-byte number must fit. */
    public static final int MIN_KEY_BYTES = 8;

    private final int keyBytes;

    public KeyFormat(int keyBytes) {
        if (keyBytes < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("key length must be at least " + MIN_KEY_BYTES + " bytes, got " + keyBytes);
        }
        this.keyBytes = keyBytes;
    }

    public int keyBytes() {
        return keyBytes;
    }

    /** A new array holding key number {@code i}. */
    public byte[] key(long i) {
        byte[] k = new byte[keyBytes];
        encode(i, k);
        return k;
    }

    /** Writes key number {@code i} into {@code into} (whose length is the key length); the padding stays zero. */
    public void encode(long i, byte[] into) {
        for (int b = 0; b < 8; b++) {
            into[b] = (byte) (i >>> (56 - 8 * b));
        }
    }

    /** The number a key encodes. */
    public static long decode(byte[] key) {
        long v = 0;
        for (int b = 0; b < 8; b++) {
            v = (v << 8) | (key[b] & 0xFF);
        }
        return v;
    }
}
