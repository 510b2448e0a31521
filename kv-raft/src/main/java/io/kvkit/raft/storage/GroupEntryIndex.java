package io.kvkit.raft.storage;

import java.util.Arrays;

/**
 * Where each entry of one group lives in the shared log: for every index, its term, its segment
 * and offset, and its encoded length. 20 bytes per entry in three primitive arrays, so a group's
 * memory does not grow with the size of its commands (they are read back from the file).
 *
 * <p>During replay the index may have holes (an entry older than the first surviving segment is
 * brought back by a later rewrite record); a hole has term {@link #MISSING}. Outside replay the
 * index is always contiguous. Not thread-safe: guarded by the store's lock.
 */
final class GroupEntryIndex {
    static final long MISSING = -1;

    private long first = 1;
    private int start;
    private int size;
    private long[] terms = new long[8];
    /** segment seq << 32 | offset of the entry's encoding within the segment. */
    private long[] locations = new long[8];
    private int[] lengths = new int[8];

    static long location(long segmentSeq, long offset) {
        return segmentSeq << 32 | offset;
    }

    static long segmentOf(long location) {
        return location >>> 32;
    }

    static long offsetOf(long location) {
        return location & 0xFFFF_FFFFL;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /** Index of the first slot; meaningless when empty. */
    long firstIndex() {
        return first;
    }

    long lastIndex() {
        return first + size - 1;
    }

    long term(long index) {
        return terms[slot(index)];
    }

    long location(long index) {
        return locations[slot(index)];
    }

    int length(long index) {
        return lengths[slot(index)];
    }

    private int slot(long index) {
        long k = index - first;
        if (k < 0 || k >= size) {
            throw new IndexOutOfBoundsException("index " + index + " outside [" + first + ", " + lastIndex() + "]");
        }
        return start + (int) k;
    }

    /** Sets the entry at {@code index}, growing the range (with holes) as needed. */
    void put(long index, long term, long location, int length) {
        if (size == 0) {
            first = index;
            start = 0;
        } else if (index < first) {
            int grow = Math.toIntExact(first - index);
            ensureCapacity(size + grow);
            System.arraycopy(terms, start, terms, start + grow, size);
            System.arraycopy(locations, start, locations, start + grow, size);
            System.arraycopy(lengths, start, lengths, start + grow, size);
            Arrays.fill(terms, start, start + grow, MISSING);
            size += grow;
            first = index;
        }
        while (index > lastIndex()) {
            ensureCapacity(size + 1);
            terms[start + size] = MISSING;
            size++;
        }
        int s = slot(index);
        terms[s] = term;
        locations[s] = location;
        lengths[s] = length;
    }

    /** Drops the entries at and after {@code index}. */
    void truncateFrom(long index) {
        if (size == 0 || index > lastIndex()) {
            return;
        }
        size = index <= first ? 0 : (int) (index - first);
    }

    /** Drops the entries at and before {@code index}; the range then starts at index + 1. */
    void dropThrough(long index) {
        if (size == 0 || index < first) {
            return;
        }
        if (index >= lastIndex()) {
            size = 0;
            return;
        }
        int drop = (int) (index + 1 - first);
        start += drop;
        size -= drop;
        first = index + 1;
        if (start > terms.length / 2) {
            compact(terms.length);
        }
    }

    void clear() {
        size = 0;
        start = 0;
    }

    /** The first hole, or -1 if there is none. */
    long firstMissing() {
        for (int i = 0; i < size; i++) {
            if (terms[start + i] == MISSING) {
                return first + i;
            }
        }
        return -1;
    }

    /** Moves the entry at {@code index} to a new place in the log (a rewrite). */
    void relocate(long index, long location) {
        locations[slot(index)] = location;
    }

    private void ensureCapacity(int need) {
        if (start + need <= terms.length) {
            return;
        }
        compact(Math.max(need + need / 2, 8));
    }

    private void compact(int capacity) {
        terms = move(terms, capacity);
        locations = move(locations, capacity);
        int[] l = new int[capacity];
        System.arraycopy(lengths, start, l, 0, size);
        lengths = l;
        start = 0;
    }

    private long[] move(long[] a, int capacity) {
        long[] b = new long[capacity];
        System.arraycopy(a, start, b, 0, size);
        return b;
    }

    /** Bytes of heap held, for the memory bound the README states. */
    long heapBytes() {
        return 3L * 16 + terms.length * 20L;
    }
}
