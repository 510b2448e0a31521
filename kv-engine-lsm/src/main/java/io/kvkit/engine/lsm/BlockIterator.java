package io.kvkit.engine.lsm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Reads one block's contents (see {@link BlockBuilder}) from a segment: uncompressed bytes of an
 * mmap'd file, or a decompressed copy. Malformed contents surface as
 * {@link IndexOutOfBoundsException} or {@link IllegalArgumentException}, which the table reader
 * turns into a corruption error naming the block.
 */
final class BlockIterator implements InternalIterator {
    private MemorySegment data;
    private long restartsOffset;
    private int restartCount;
    /** Offset of the current entry; {@code >= restartsOffset} means not valid. */
    private long current;
    private long nextEntry;
    private byte[] keyBuf = new byte[64];
    private MemorySegment keySeg = MemorySegment.ofArray(keyBuf);
    private int keyLength;
    private long seq;
    private int valueLength; // -1 = tombstone
    private long valueOffset;

    BlockIterator() {
    }

    BlockIterator(MemorySegment data) {
        reset(data);
    }

    void reset(MemorySegment data) {
        this.data = data;
        long size = data.byteSize();
        if (size < 4) {
            throw new IllegalArgumentException("block of " + size + " bytes is too short");
        }
        restartCount = data.get(Bits.SEG_INT_LE, size - 4);
        if (restartCount < 0 || 4L * restartCount + 4 > size) {
            throw new IllegalArgumentException("block restart count " + restartCount + " does not fit a block of " + size + " bytes");
        }
        restartsOffset = size - 4 - 4L * restartCount;
        current = restartsOffset;
        nextEntry = restartsOffset;
    }

    private long restartPoint(int i) {
        long off = data.get(Bits.SEG_INT_LE, restartsOffset + 4L * i) & 0xFFFFFFFFL;
        if (off >= restartsOffset) {
            throw new IllegalArgumentException("restart point " + off + " beyond entries ending at " + restartsOffset);
        }
        return off;
    }

    /** Decodes the entry at {@code nextEntry} into the current fields. */
    private void parseNext() {
        current = nextEntry;
        if (current >= restartsOffset) {
            current = restartsOffset;
            return;
        }
        long p = current;
        long r = Varint.getInt(data, p);
        int shared = (int) r;
        p = r >>> 32;
        r = Varint.getInt(data, p);
        int unshared = (int) r;
        p = r >>> 32;
        r = Varint.getInt(data, p);
        long vfield = r & 0xFFFFFFFFL;
        p = r >>> 32;
        if (shared > keyLength || unshared < 0) {
            throw new IllegalArgumentException("entry at " + current + " shares " + shared + " bytes of a " + keyLength + "-byte key");
        }
        seq = data.get(Bits.SEG_LONG_LE, p);
        p += 8;
        int klen = shared + unshared;
        if (klen > keyBuf.length) {
            keyBuf = Arrays.copyOf(keyBuf, Math.max(klen, keyBuf.length * 2));
            keySeg = MemorySegment.ofArray(keyBuf);
        }
        // segment-to-segment copy: no per-call layout checks
        MemorySegment.copy(data, p, keySeg, shared, unshared);
        keyLength = klen;
        p += unshared;
        valueLength = (int) vfield - 1;
        valueOffset = p;
        nextEntry = p + Math.max(0, valueLength);
        if (nextEntry > restartsOffset) {
            throw new IllegalArgumentException("entry at " + current + " runs past the entries' end " + restartsOffset);
        }
    }

    @Override
    public void seekToFirst() {
        keyLength = 0;
        nextEntry = restartCount == 0 ? restartsOffset : restartPoint(0);
        parseNext();
    }

    /** Compares the current entry's (key, seq) with (key, seq) in internal order. */
    private int compareCurrent(byte[] key, long s) {
        int c = Arrays.compareUnsigned(keyBuf, 0, keyLength, key, 0, key.length);
        if (c != 0) {
            return c;
        }
        return Long.compare(s, seq);
    }

    @Override
    public void seek(byte[] key, long s) {
        // binary search for the last restart point whose key is before the target
        int lo = 0;
        int hi = restartCount - 1;
        int start = 0;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            keyLength = 0;
            nextEntry = restartPoint(mid);
            parseNext();
            if (compareCurrent(key, s) < 0) {
                start = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        keyLength = 0;
        nextEntry = restartCount == 0 ? restartsOffset : restartPoint(start);
        parseNext();
        while (current < restartsOffset && compareCurrent(key, s) < 0) {
            parseNext();
        }
    }

    @Override
    public boolean valid() {
        return current < restartsOffset;
    }

    @Override
    public void next() {
        parseNext();
    }

    @Override
    public byte[] key() {
        return Arrays.copyOf(keyBuf, keyLength);
    }

    /** Whether the current key equals {@code key}. */
    boolean keyEquals(byte[] key) {
        return Arrays.equals(keyBuf, 0, keyLength, key, 0, key.length);
    }

    @Override
    public int compareKey(byte[] other) {
        return Arrays.compareUnsigned(keyBuf, 0, keyLength, other, 0, other.length);
    }

    @Override
    public long seq() {
        return seq;
    }

    @Override
    public boolean isTombstone() {
        return valueLength < 0;
    }

    @Override
    public byte[] value() {
        byte[] v = new byte[Math.max(0, valueLength)];
        MemorySegment.copy(data, valueOffset, MemorySegment.ofArray(v), 0, v.length);
        return v;
    }

    /** The current value as a slice of the block (no copy). */
    MemorySegment valueSegment() {
        return data.asSlice(valueOffset, Math.max(0, valueLength));
    }

    @Override
    public void close() {
    }
}
