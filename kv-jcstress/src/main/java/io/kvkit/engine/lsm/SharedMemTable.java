package io.kvkit.engine.lsm;

/**
 * Off-heap memtables shared by the jcstress states of one test JVM, with the engine's write
 * discipline: one writer at a time, consecutive sequence numbers, and a published sequence number
 * written after the insert, as {@code LsmEngine.leadGroup} does with {@code visibleSeq}.
 *
 * <p>Why shared: a memtable takes a 1 MiB chunk of off-heap memory, jcstress keeps thousands of
 * states alive and counts only heap when it sizes its batches, so a memtable per state would
 * allocate gigabytes. Each state instead takes a reference on the current memtable and uses keys of
 * its own ({@code TestKeys}); once the memtable passes {@link #ROTATE_AT_BYTES} the next state gets a
 * fresh one, and the old one goes back to the chunk pool when its last state lets go, exactly the
 * life cycle of an engine's memtable. The skip list the tests race on is therefore a realistic one:
 * thousands of nodes, towers of every height, inserts all over the key space.
 *
 * <p>Writers (state constructors, which jcstress runs on two threads at once, and writer actors)
 * go through {@link #add}, which holds this object's monitor: that is the single-writer rule the
 * engine enforces with its group-commit leader. Readers take no lock, as in the engine.
 */
final class SharedMemTable {
    static final SharedMemTable INSTANCE = new SharedMemTable();

    /** A new memtable is started once the current one uses this many bytes. */
    static final long ROTATE_AT_BYTES = 2L << 20;
    /** Bloom filter words per memtable: about 20,000 keys fill 1 % of its bits, so a missing bit shows. */
    private static final int BLOOM_WORDS = 1 << 16;

    private final ChunkPool pool = new ChunkPool(16);
    private MemTable current;
    private long lastSeq;
    private volatile long published;

    private SharedMemTable() {
    }

    /** The current memtable with a reference taken for the caller, who must {@link MemTable#unref()} it once. */
    synchronized MemTable acquire() {
        if (current == null || current.usedBytes() >= ROTATE_AT_BYTES) {
            if (current != null) {
                current.unref();
            }
            current = new MemTable(pool, 0, BLOOM_WORDS);
        }
        if (!current.tryRef()) {
            throw new IllegalStateException("the current shared memtable was released");
        }
        return current;
    }

    /**
     * Inserts one entry ({@code value == null}: a tombstone) under the next sequence number, then
     * publishes that number, as the group-commit leader does. Returns the sequence number.
     */
    synchronized long add(MemTable mem, byte[] key, byte[] value) {
        long seq = ++lastSeq;
        mem.add(key, value, seq);
        published = seq;
        return seq;
    }

    /** The newest published sequence number (a volatile read, as {@code LsmEngine.readSeq}). */
    long published() {
        return published;
    }
}
