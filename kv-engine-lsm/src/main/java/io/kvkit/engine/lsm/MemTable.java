package io.kvkit.engine.lsm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An off-heap skip list of internal entries ordered by user key ascending, then sequence
 * descending, in 1 MiB chunks of off-heap memory taken from a {@link ChunkPool} (a node larger
 * than a chunk gets a segment of its own, spanning several chunk indices).
 *
 * <p>One writer at a time (the group-commit leader) inserts; any number of readers read without
 * locks. A node is fully written before it is linked, and links are published with release
 * stores and read with acquire loads, so a reader reaching a node sees all of it. Nothing is
 * ever removed or modified after it is linked; the chunks go back to the pool when the last
 * reference is released (see {@link #unref()}), so readers must hold a reference.
 *
 * <p>A node's address is an int: chunk index in the high bits, offset in the low 20.
 *
 * <p>Node layout (native byte order, 4-byte aligned), at offset {@code n}:
 * <pre>
 * n+0  int  height (1..MAX_HEIGHT)
 * n+4  int  key length
 * n+8  int  value length, or -1 for a tombstone
 * n+12 int  unused
 * n+16 long sequence
 * n+24 long the key's first 8 bytes, big-endian, zero-padded (most comparisons end here)
 * n+32 int[height] next addresses (0 = end; address 0 is the head, never a successor)
 * ...  key bytes, then value bytes
 * </pre>
 */
final class MemTable {
    static final int MAX_HEIGHT = 12;
    private static final int HEADER = 32;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final VarHandle NEXT = ValueLayout.JAVA_INT.varHandle();

    private static final int MAX_CHUNKS = 2047;
    /** Largest address space a memtable may use (int addresses, one chunk of headroom). */
    static final long MAX_BYTES = (long) MAX_CHUNKS << ChunkPool.CHUNK_SHIFT;

    private final ChunkPool pool;
    /** Segment holding each chunk index; a large node's segment is registered under all its indices. */
    private final MemorySegment[] chunks = new MemorySegment[MAX_CHUNKS + 1];
    /** First chunk index of the segment at each index (differs from the index inside a large segment). */
    private final int[] chunkStart = new int[MAX_CHUNKS + 1];
    private final java.util.List<Arena> largeArenas = new java.util.ArrayList<>();
    private int chunkCount;
    /** Next free address; written by the single writer, read by anyone. */
    private volatile int used;
    private volatile int height = 1;
    private final AtomicInteger refs = new AtomicInteger(1);
    private final long walNumber;
    private long entries;
    private long payloadBytes;
    private final long[] bloom;
    private final int[] prev = new int[MAX_HEIGHT];

    /**
     * @param bloomWords size of the key filter in 64-bit words (0: none). The filter is written by
     *                   the single writer before the sequence numbers of the entries are
     *                   published (a volatile write), so a reader that read the published sequence
     *                   sees every bit of the entries it may read: no false negatives.
     */
    MemTable(ChunkPool pool, long walNumber, int bloomWords) {
        this.pool = pool;
        this.walNumber = walNumber;
        this.bloom = bloomWords > 0 ? new long[bloomWords] : null;
        chunks[0] = pool.take();
        chunkCount = 1;
        // head node: full height, empty key, no successors
        MemorySegment c = chunks[0];
        c.set(INT, 0, MAX_HEIGHT);
        c.set(INT, 4, 0);
        c.set(INT, 8, 0);
        for (int level = 0; level < MAX_HEIGHT; level++) {
            c.set(INT, HEADER + 4L * level, 0);
        }
        this.used = align(HEADER + 4 * MAX_HEIGHT);
    }

    private MemorySegment seg(int addr) {
        return chunks[addr >>> ChunkPool.CHUNK_SHIFT];
    }

    private long local(int addr) {
        return addr - ((long) chunkStart[addr >>> ChunkPool.CHUNK_SHIFT] << ChunkPool.CHUNK_SHIFT);
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

    /** Whether {@code need} more bytes fit the address space. */
    boolean hasRoomFor(long need) {
        return used + need + 2L * ChunkPool.CHUNK_BYTES < MAX_BYTES;
    }

    /** Off-heap bytes held. */
    long memoryBytes() {
        return (long) chunkCount << ChunkPool.CHUNK_SHIFT;
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
            for (int i = 0; i < chunkCount; i++) {
                if (chunkStart[i] == i && chunks[i].byteSize() == ChunkPool.CHUNK_BYTES) {
                    pool.give(chunks[i]);
                }
            }
            for (Arena a : largeArenas) {
                ResourceCloser.closeArena(a);
            }
        } else if (r < 0) {
            throw new IllegalStateException("memtable released more often than referenced");
        }
    }

    // ---- writer side (one thread at a time) ----

    /** Whether the memtable may hold {@code key} (whose {@link BloomFilter#hash} is {@code hash}). */
    boolean mayContain(long hash) {
        if (bloom == null) {
            return true;
        }
        long word = bloom[(int) (((hash >>> 32) * bloom.length) >>> 32)];
        long mask = (1L << (hash & 63)) | (1L << ((hash >>> 6) & 63));
        return (word & mask) == mask;
    }

    /** Inserts an entry; {@code value == null} is a tombstone. */
    void add(byte[] key, byte[] value, long seq) {
        if (bloom != null) {
            long hash = BloomFilter.hash(key);
            bloom[(int) (((hash >>> 32) * bloom.length) >>> 32)] |= (1L << (hash & 63)) | (1L << ((hash >>> 6) & 63));
        }
        int h = randomHeight();
        int vlen = value == null ? -1 : value.length;
        int size = align(HEADER + 4L * h + key.length + Math.max(0, vlen));
        int node = allocate(size);
        MemorySegment seg = seg(node);
        long n = local(node);
        seg.set(INT, n, h);
        seg.set(INT, n + 4, key.length);
        seg.set(INT, n + 8, vlen);
        seg.set(LONG, n + 16, seq);
        seg.set(LONG, n + 24, prefixOf(key));
        long keyOff = n + HEADER + 4L * h;
        MemorySegment.copy(MemorySegment.ofArray(key), 0, seg, keyOff, key.length);
        if (vlen > 0) {
            MemorySegment.copy(MemorySegment.ofArray(value), 0, seg, keyOff + key.length, vlen);
        }
        // find predecessors at every level
        int x = 0;
        int top = height;
        MemorySegment keySeg = MemorySegment.ofArray(key);
        long prefix = prefixOf(key);
        for (int level = MAX_HEIGHT - 1; level >= 0; level--) {
            if (level < top) {
                while (true) {
                    int next = nextAt(x, level);
                    if (next != 0 && compareNode(next, prefix, keySeg, key.length, seq) < 0) {
                        x = next;
                    } else {
                        break;
                    }
                }
            }
            prev[level] = x; // above the current height the predecessor is the head
        }
        for (int level = 0; level < h; level++) {
            seg.set(INT, n + HEADER + 4L * level, nextAt(prev[level], level));
            int p = prev[level];
            NEXT.setRelease(seg(p), local(p) + HEADER + 4L * level, node);
        }
        if (h > top) {
            height = h;
        }
        entries++;
        payloadBytes += key.length + Math.max(0, vlen);
    }

    /** Reserves {@code size} contiguous bytes; returns their address. */
    private int allocate(int size) {
        int addr = used;
        int chunk = (addr - 1) >>> ChunkPool.CHUNK_SHIFT; // the chunk the last allocation ended in
        long chunkEnd = ((long) chunkStart[chunk] << ChunkPool.CHUNK_SHIFT) + chunks[chunk].byteSize();
        if (addr + (long) size <= chunkEnd) {
            used = addr + size;
            return addr;
        }
        int first = (int) ((chunkEnd + ChunkPool.CHUNK_BYTES - 1) >>> ChunkPool.CHUNK_SHIFT);
        int span = (int) ((size + (long) ChunkPool.CHUNK_BYTES - 1) >>> ChunkPool.CHUNK_SHIFT);
        if (first + span > MAX_CHUNKS) {
            throw new IllegalStateException("memtable address space exhausted");
        }
        MemorySegment seg;
        if (span == 1) {
            seg = pool.take();
        } else {
            Arena a = Arena.ofShared();
            largeArenas.add(a);
            seg = a.allocate((long) span << ChunkPool.CHUNK_SHIFT, 64);
        }
        for (int i = first; i < first + span; i++) {
            chunks[i] = seg;
            chunkStart[i] = first;
        }
        chunkCount = first + span;
        addr = first << ChunkPool.CHUNK_SHIFT;
        used = addr + size;
        return addr;
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
        return (int) NEXT.getAcquire(seg(node), local(node) + HEADER + 4L * level);
    }

    /** Compares the node's (key, seq) with (key, seq): user key ascending, then sequence descending. */
    /** The first 8 bytes of a key as an unsigned big-endian number, zero-padded. */
    static long prefixOf(byte[] key) {
        long p = 0;
        for (int i = 0; i < 8; i++) {
            p = (p << 8) | (i < key.length ? key[i] & 0xFF : 0);
        }
        return p;
    }

    private int compareNode(int node, long prefix, MemorySegment key, int keyLength, long seq) {
        MemorySegment seg = seg(node);
        long n = local(node);
        int pc = Long.compareUnsigned(seg.get(LONG, n + 24), prefix);
        if (pc != 0) {
            return pc;
        }
        int h = seg.get(INT, n);
        int klen = seg.get(INT, n + 4);
        long off = n + HEADER + 4L * h;
        long mm = MemorySegment.mismatch(seg, off, off + klen, key, 0, keyLength);
        if (mm == -1) {
            long nodeSeq = seg.get(LONG, n + 16);
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

    /**
     * The first node at or after (key, seq), or 0. Returns the node the last comparison was made
     * against, never a second read of that link: a writer may link a new node there in between,
     * and that node was never compared (found by kv-jcstress, MemTablePublishedSequenceTest).
     */
    private int seekNode(long prefix, MemorySegment key, int keyLength, long seq) {
        int x = 0;
        int next = 0;
        for (int level = height - 1; level >= 0; level--) {
            while (true) {
                next = nextAt(x, level);
                if (next != 0 && compareNode(next, prefix, key, keyLength, seq) < 0) {
                    x = next;
                } else {
                    break;
                }
            }
        }
        return next;
    }

    /**
     * Looks {@code key} up as of {@code seq}: the newest version with sequence at most {@code seq}.
     * Returns {@link LookupResult#NOT_FOUND} when this memtable has none.
     */
    LookupResult get(byte[] key, long seq) {
        MemorySegment keySeg = MemorySegment.ofArray(key);
        int node = seekNode(prefixOf(key), keySeg, key.length, seq);
        if (node == 0) {
            return LookupResult.NOT_FOUND;
        }
        MemorySegment seg = seg(node);
        long n = local(node);
        int h = seg.get(INT, n);
        int klen = seg.get(INT, n + 4);
        long off = n + HEADER + 4L * h;
        if (klen != key.length || MemorySegment.mismatch(seg, off, off + klen, keySeg, 0, klen) != -1) {
            return LookupResult.NOT_FOUND;
        }
        int vlen = seg.get(INT, n + 8);
        if (vlen < 0) {
            return LookupResult.DELETED;
        }
        byte[] v = new byte[vlen];
        MemorySegment.copy(seg, off + klen, MemorySegment.ofArray(v), 0, vlen);
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
            node = seekNode(prefixOf(key), MemorySegment.ofArray(key), key.length, seq);
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
            MemorySegment seg = seg(node);
            long n = local(node);
            int h = seg.get(INT, n);
            int klen = seg.get(INT, n + 4);
            byte[] k = new byte[klen];
            MemorySegment.copy(seg, n + HEADER + 4L * h, MemorySegment.ofArray(k), 0, klen);
            return k;
        }

        @Override
        public int compareKey(byte[] other) {
            MemorySegment seg = seg(node);
            long n = local(node);
            int h = seg.get(INT, n);
            int klen = seg.get(INT, n + 4);
            long off = n + HEADER + 4L * h;
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
            return seg(node).get(LONG, local(node) + 16);
        }

        @Override
        public boolean isTombstone() {
            return seg(node).get(INT, local(node) + 8) < 0;
        }

        @Override
        public byte[] value() {
            MemorySegment seg = seg(node);
            long n = local(node);
            int h = seg.get(INT, n);
            int klen = seg.get(INT, n + 4);
            int vlen = seg.get(INT, n + 8);
            byte[] v = new byte[Math.max(0, vlen)];
            MemorySegment.copy(seg, n + HEADER + 4L * h + klen, MemorySegment.ofArray(v), 0, v.length);
            return v;
        }

        @Override
        public void close() {
        }
    }
}
