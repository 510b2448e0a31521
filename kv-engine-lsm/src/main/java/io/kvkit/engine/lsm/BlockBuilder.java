package io.kvkit.engine.lsm;

import java.util.Arrays;

/**
 * Builds one block's uncompressed contents: prefix-compressed entries with restart points.
 * <pre>
 * entry   = varint shared | varint unshared | varint valueLengthPlusOne (0 = tombstone)
 *           | u64 sequence (little-endian) | unshared key bytes | value bytes
 * trailer = u32 restartOffset[n] | u32 n          (little-endian)
 * </pre>
 * At a restart point {@code shared} is 0, so the full key can be read without the entries before.
 */
final class BlockBuilder {
    private final int restartInterval;
    private byte[] buf = new byte[8 << 10];
    private int pos;
    private int[] restarts = new int[64];
    private int restartCount;
    private int sinceRestart;
    private byte[] lastKey = new byte[64];
    private int lastKeyLength;
    private int entries;

    BlockBuilder(int restartInterval) {
        this.restartInterval = restartInterval;
    }

    void reset() {
        pos = 0;
        restartCount = 0;
        sinceRestart = 0;
        lastKeyLength = 0;
        entries = 0;
    }

    boolean isEmpty() {
        return entries == 0;
    }

    int entryCount() {
        return entries;
    }

    /** Size the block would have if finished now. */
    int estimatedSize() {
        return pos + 4 * (restartCount + 1) + 4;
    }

    /** Adds an entry; {@code value == null} is a tombstone. Entries must come in internal order. */
    void add(byte[] key, long seq, byte[] value, int valueOffset, int valueLength) {
        int shared = 0;
        if (sinceRestart >= restartInterval || entries == 0) {
            if (restartCount == restarts.length) {
                restarts = Arrays.copyOf(restarts, restartCount * 2);
            }
            restarts[restartCount++] = pos;
            sinceRestart = 0;
        } else {
            int max = Math.min(lastKeyLength, key.length);
            int mm = Arrays.mismatch(lastKey, 0, max, key, 0, max);
            shared = mm < 0 ? max : mm;
        }
        int unshared = key.length - shared;
        long vfield = value == null ? 0 : valueLength + 1L;
        ensure(15 + 8 + unshared + (value == null ? 0 : valueLength));
        pos = Varint.put(buf, pos, shared);
        pos = Varint.put(buf, pos, unshared);
        pos = Varint.put(buf, pos, vfield);
        Bits.putLongLE(buf, pos, seq);
        pos += 8;
        System.arraycopy(key, shared, buf, pos, unshared);
        pos += unshared;
        if (value != null) {
            System.arraycopy(value, valueOffset, buf, pos, valueLength);
            pos += valueLength;
        }
        if (lastKey.length < key.length) {
            lastKey = new byte[Math.max(key.length, lastKey.length * 2)];
        }
        System.arraycopy(key, shared, lastKey, shared, unshared);
        lastKeyLength = key.length;
        sinceRestart++;
        entries++;
    }

    /** Appends the restart array; the contents are {@code buffer()[0..result)}. */
    int finish() {
        ensure(4 * restartCount + 4);
        for (int i = 0; i < restartCount; i++) {
            Bits.putIntLE(buf, pos, restarts[i]);
            pos += 4;
        }
        Bits.putIntLE(buf, pos, restartCount);
        pos += 4;
        return pos;
    }

    byte[] buffer() {
        return buf;
    }

    private void ensure(int more) {
        if (pos + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + more));
        }
    }
}
