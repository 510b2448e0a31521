package io.kvkit.engine.lsm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An off-heap skip list of internal entries ordered by user key ascending, then sequence
 * descending, in one arena-allocated segment.
 *
 * <p>One writer at a time (the group-commit leader) inserts; any number of readers read without
 * locks. A node is fully written before it is linked, and links are published with release
 * stores and read with acquire loads, so a reader reaching a node sees all of it. Nothing is
 * ever removed or modified after it is linked; the segment is freed when the last reference is
 * released (see {@link #unref()}).
 *
 * <p>Node layout (native byte order, 4-byte aligned), at offset {@code n}:
 * <pre>
 * n+0  int  height (1..MAX_HEIGHT)
 * n+4  int  key length
 * n+8  int  value length, or -1 for a tombstone
 * n+12 int  unused
 * n+16 long sequence
 * n+24 int[height] next offsets (0 = end; offset 0 is the head, never a successor)
 * ...  key bytes, then value bytes
 * </pre>
 */
final class MemTable {
    static final int MAX_HEIGHT = 12;
    private static final int HEADER = 24;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final VarHandle NEXT = ValueLayout.JAVA_INT.varHandle();

    private final Arena arena;
    private final MemorySegment seg;
    private final long capacity;
    /** Bytes used; written by the single writer, read by anyone. */
    private volatile int used;
    private volatile int height = 1;
    private final AtomicInteger refs = new AtomicInteger(1);
    private final long walNumber;
    private long entries;
    private long payloadBytes;
    private final int[] prev = new int[MAX_HEIGHT];

    MemTable(long capacityBytes, long walNumber) {
        if (capacityBytes > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("memtable capacity " + capacityBytes + " exceeds 2 GiB");
        }
        this.arena = Arena.ofShared();
        this.capacity = capacityBytes;
        this.seg = arena.allocate(capacityBytes, 8);
        this.walNumber = walNumber;
        // head node: full height, empty key
        seg.set(INT, 0, MAX_HEIGHT);
        this.used = align(HEADER + 4 * MAX_HEIGHT);
    }

    /** Bytes one entry takes, an upper bound, for room checks. */
    static long nodeBytes(int keyLength, int valueLength) {
        return align(HEADER + 4L * MAX_HEIGHT + keyLength + Math.max(0, valueLength));
    }

    private static int align(long n) {
        return (int) ((n + 7) & ~7L);
    }

    long walNumber() {
        return walNumber;
    }

    long usedBytes() {
        return used;
    }

    long remainingBytes() {
        return capacity - used;
    }

    boolean isEmpty() {
        return entries == 0 && used == align(HEADER + 4 * MAX_HEIGHT) && nextAt(0, 0) == 0;
    }

    long entryCount() {
        return entries;
    }

    long payloadBytes() {
        return payloadBytes;
    }

    // ---- references: the segment is freed when the last one goes ----

    boolean tryRef() {
        while (true) {
            int r = refs.get();
            if (r <= 0) {
                return false;
            }
            if (refs.compareAndSet(r, r + 1)) {
                return true;
            }
        }
    }

    void unref() {
        int r = refs.decrementAndGet();
        if (r == 0) {
            ResourceCloser.closeArena(arena);
        } else if (r < 0) {
            throw new IllegalStateException("memtable released more often than referenced");
        }
    }

    // ---- writer side (one thread at a time) ----

    /** Inserts an entry; {@code value == null} is a tombstone. The caller checked the room. */
    void add(byte[] key, byte[] value, long seq) {
        int h = randomHeight();
        int vlen = value == null ? -1 : value.length;
        int size = align(HEADER + 4L * h + key.length + Math.max(0, vlen));
        int node = used;
        if ((long) node + size > capacity) {
            throw new IllegalStateException("memtable full: " + node + " + " + size + " > " + capacity);
        }
        seg.set(INT, node, h);
        seg.set(INT, node + 4, key.length);
        seg.set(INT, node + 8, vlen);
        seg.set(ValueLayout.JAVA_LONG, node + 16, seq);
        int keyOff = node + HEADER + 4 * h;
        MemorySegment.copy(key, 0, seg, ValueLayout.JAVA_BYTE, keyOff, key.length);
        if (vlen > 0) {
            MemorySegment.copy(value, 0, seg, ValueLayout.JAVA_BYTE, keyOff + key.length, vlen);
        }
        // find predecessors at every level
        int x = 0;
        int top = height;
        MemorySegment keySeg = MemorySegment.ofArray(key);
        for (int level = MAX_HEIGHT - 1; level >= 0; level--) {
            if (level < top) {
                while (true) {
                    int next = nextAt(x, level);
                    if (next != 0 && compareNode(next, keySeg, key.length, seq) < 0) {
                        x = next;
                    } else {
                        break;
                    }
                }
            }
            prev[level] = x; // above the current height the predecessor is the head
        }
        for (int level = 0; level < h; level++) {
            seg.set(INT, node + HEADER + 4L * level, nextAt(prev[level], level));
            NEXT.setRelease(seg, (long) prev[level] + HEADER + 4L * level, node);
        }
        if (h > top) {
            height = h;
        }
        used = node + size;
        entries++;
        payloadBytes += key.length + Math.max(0, vlen);
    }

    private static int randomHeight() {
        int h = 1;
        ThreadLocalRandom r = ThreadLocalRandom.current();
        while (h < MAX_HEIGHT && (r.nextInt() & 3) == 0) {
            h++;
        }
        return h;
    }

    // ---- reader side ----

    private int nextAt(int node, int level) {
        return (int) NEXT.getAcquire(seg, (long) node + HEADER + 4L * level);
    }

    /** Compares the node's (key, seq) with (key, seq): user key ascending, then sequence descending. */
    private int compareNode(int node, MemorySegment key, int keyLength, long seq) {
        int h = seg.get(INT, node);
        int klen = seg.get(INT, node + 4);
        long off = node + HEADER + 4L * h;
        long mm = MemorySegment.mismatch(seg, off, off + klen, key, 0, keyLength);
        if (mm == -1) {
            long nodeSeq = seg.get(ValueLayout.JAVA_LONG, node + 16);
            return Long.compare(seq, nodeSeq);
        }
        if (mm == klen) {
            return -1;
        }
        if (mm == keyLength) {
            return 1;
        }
        return Integer.compare(seg.get(ValueLayout.JAVA_BYTE, off + mm) & 0xFF, key.get(ValueLayout.JAVA_BYTE, mm) & 0xFF);
    }

    /** The first node at or after (key, seq), or 0. */
    private int seekNode(MemorySegment key, int keyLength, long seq) {
        int x = 0;
        for (int level = height - 1; level >= 0; level--) {
            while (true) {
                int next = nextAt(x, level);
                if (next != 0 && compareNode(next, key, keyLength, seq) < 0) {
                    x = next;
                } else {
                    break;
                }
            }
        }
        return nextAt(x, 0);
    }

    /**
     * Looks {@code key} up as of {@code seq}: the newest version with sequence at most {@code seq}.
     * Returns {@link LookupResult#NOT_FOUND} when this memtable has none.
     */
    LookupResult get(byte[] key, long seq) {
        MemorySegment keySeg = MemorySegment.ofArray(key);
        int node = seekNode(keySeg, key.length, seq);
        if (node == 0) {
            return LookupResult.NOT_FOUND;
        }
        int h = seg.get(INT, node);
        int klen = seg.get(INT, node + 4);
        long off = node + HEADER + 4L * h;
        if (klen != key.length || MemorySegment.mismatch(seg, off, off + klen, keySeg, 0, klen) != -1) {
            return LookupResult.NOT_FOUND;
        }
        int vlen = seg.get(INT, node + 8);
        if (vlen < 0) {
            return LookupResult.DELETED;
        }
        byte[] v = new byte[vlen];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, off + klen, v, 0, vlen);
        return LookupResult.found(v);
    }

    /** An iterator over every entry in order; not thread-safe, many may run at once. */
    InternalIterator iterator() {
        return new Iter();
    }

    private final class Iter implements InternalIterator {
        private int node;

        @Override
        public void seekToFirst() {
            node = nextAt(0, 0);
        }

        @Override
        public void seek(byte[] key, long seq) {
            node = seekNode(MemorySegment.ofArray(key), key.length, seq);
        }

        @Override
        public boolean valid() {
            return node != 0;
        }

        @Override
        public void next() {
            node = nextAt(node, 0);
        }

        @Override
        public byte[] key() {
            int h = seg.get(INT, node);
            int klen = seg.get(INT, node + 4);
            byte[] k = new byte[klen];
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, node + HEADER + 4L * h, k, 0, klen);
            return k;
        }

        @Override
        public int compareKey(byte[] other) {
            int h = seg.get(INT, node);
            int klen = seg.get(INT, node + 4);
            long off = node + HEADER + 4L * h;
            long mm = MemorySegment.mismatch(seg, off, off + klen, MemorySegment.ofArray(other), 0, other.length);
            if (mm == -1) {
                return 0;
            }
            if (mm == klen) {
                return -1;
            }
            if (mm == other.length) {
                return 1;
            }
            return Integer.compare(seg.get(ValueLayout.JAVA_BYTE, off + mm) & 0xFF, other[(int) mm] & 0xFF);
        }

        @Override
        public long seq() {
            return seg.get(ValueLayout.JAVA_LONG, node + 16);
        }

        @Override
        public boolean isTombstone() {
            return seg.get(INT, node + 8) < 0;
        }

        @Override
        public byte[] value() {
            int h = seg.get(INT, node);
            int klen = seg.get(INT, node + 4);
            int vlen = seg.get(INT, node + 8);
            byte[] v = new byte[Math.max(0, vlen)];
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, node + HEADER + 4L * h + klen, v, 0, v.length);
            return v;
        }

        @Override
        public void close() {
        }
    }
}
