package io.kvkit.engine.hash;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.function.LongUnaryOperator;

/**
 * The off-heap index: an open-addressing hash table with linear probing whose slots are single
 * 64-bit words, so that one aligned load or store reads or replaces an entry atomically.
 *
 * <pre>
 * slot word: bit 63 tombstone (only while recovering) | bits 48..62 tag (top 15 bits of the key hash)
 *            | bits 32..47 segment low id (1..65535) | bits 0..31 record offset in that segment
 * 0 = empty, 1 = deleted (a slot that once held an entry; probes continue past it)
 * </pre>
 *
 * Linear probing keeps a probe run in one or two cache lines (eight slots per line), which is
 * what a point lookup pays for; the 15-bit tag means a probe only touches the log for a slot
 * whose tag matches (one in 32768 for a different key), so most misses never read the log.
 * Deletes leave a "deleted" mark instead of shifting entries back, because a backward shift
 * would let a concurrent lock-free reader walk past a key that is present. Marks are cleared
 * when the table is rebuilt.
 *
 * <p>Concurrency: one writer at a time (the engine's write lock); any number of readers without
 * locks. Writers publish slots with release stores and readers load them with acquire loads.
 * Growing builds a new table while readers keep using the old one; the engine then publishes
 * the new table and frees the old one, whose readers get an {@link IllegalStateException} and
 * retry on the new table.
 */
final class HashIndex implements AutoCloseable {
    static final long EMPTY = 0L;
    static final long DELETED = 1L;
    static final long TOMBSTONE_BIT = 1L << 63;
    static final long TAG_MASK = 0x7FFFL << 48;
    static final int SLOT_BYTES = 8;
    /** Largest load (live plus deleted marks) before the table is rebuilt. */
    static final double MAX_LOAD = 0.75;

    private static final VarHandle SLOT = ValueLayout.JAVA_LONG.varHandle();

    private final Arena arena;
    private final MemorySegment slots;
    final long capacity;
    final long mask;
    /** Entries (writer-owned; readers never look at it). */
    long live;
    /** Deleted marks (writer-owned). */
    long deleted;

    HashIndex(long capacity) {
        if (Long.bitCount(capacity) != 1 || capacity < 16) {
            throw new IllegalArgumentException("index capacity must be a power of two >= 16, not " + capacity);
        }
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.arena = Arena.ofShared();
        this.slots = arena.allocate(capacity * SLOT_BYTES, 64); // zeroed: every slot empty
    }

    /** The smallest table that holds {@code keys} entries below the maximum load. */
    static long capacityFor(long keys) {
        long needed = (long) Math.ceil(Math.max(keys, 1) / MAX_LOAD) + 1;
        return Math.max(16, Long.highestOneBit(needed - 1) << 1);
    }

    static long tagOf(long hash) {
        return (hash >>> 49) << 48;
    }

    static long pack(long hash, int lowId, long offset) {
        return tagOf(hash) | ((long) lowId << 32) | offset;
    }

    static int lowId(long word) {
        return (int) (word >>> 32) & 0xFFFF;
    }

    static long offset(long word) {
        return word & 0xFFFF_FFFFL;
    }

    /** True for a word that names a record (not empty, not a deleted mark). */
    static boolean isEntry(long word) {
        return word > DELETED || word < 0;
    }

    long home(long hash) {
        return hash & mask;
    }

    long get(long slot) {
        return (long) SLOT.getAcquire(slots, slot * SLOT_BYTES);
    }

    void set(long slot, long word) {
        SLOT.setRelease(slots, slot * SLOT_BYTES, word);
    }

    long memoryBytes() {
        return capacity * SLOT_BYTES;
    }

    /** Whether one more entry would pass the maximum load. */
    boolean needsRebuild() {
        return live + deleted + 1 > (long) (capacity * MAX_LOAD);
    }

    /** Puts an entry for a key known to be absent (rebuilds and checkpoint loads). */
    void insertAbsent(long hash, long word) {
        long i = hash & mask;
        while (get(i) != EMPTY) {
            i = (i + 1) & mask;
        }
        set(i, word);
        live++;
    }

    /** Copies every entry into {@code target}, hashing each through {@code hashOfWord}. */
    void rehashInto(HashIndex target, LongUnaryOperator hashOfWord) {
        for (long i = 0; i < capacity; i++) {
            long w = get(i);
            if (isEntry(w)) {
                target.insertAbsent(hashOfWord.applyAsLong(w), w);
            }
        }
    }

    /** Raw access for index checkpoints. */
    MemorySegment slots() {
        return slots;
    }

    /** Frees the table; readers still on it get an IllegalStateException. */
    @Override
    public void close() {
        while (true) {
            try {
                arena.close();
                return;
            } catch (IllegalStateException e) {
                if (!arena.scope().isAlive()) {
                    return;
                }
                Thread.onSpinWait();
            }
        }
    }
}
