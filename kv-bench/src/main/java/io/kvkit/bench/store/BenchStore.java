package io.kvkit.bench.store;

/**
 * One open store under benchmark: a kvkit engine or a peer, behind the few operations the
 * workloads issue. Adapters do what the peer's own users do for the operation (LMDB groups
 * unsynced puts in write transactions, RocksDB writes through its WAL, ...), and say so in
 * their {@link StoreKind#settings}.
 *
 * <p>Threading: {@link #get} and {@link #seekAndRead} may be called from several threads at
 * once; writes ({@link #put}, {@link #delete}, {@link #finishWrites}) come from one writer thread
 * at a time, possibly concurrently with readers. Arrays passed in are reused by the caller
 * after the call returns: an adapter that keeps them must copy them.
 */
public interface BenchStore extends AutoCloseable {

    /** Stores {@code value} under {@code key}; with {@code sync} the write is on stable storage when this returns. */
    void put(byte[] key, byte[] value, boolean sync);

    /** The value under {@code key}, or null. */
    byte[] get(byte[] key);

    /** Removes {@code key} (missing keys are not an error). */
    void delete(byte[] key);

    /**
     * Positions at the first key at or after {@code key} and reads up to {@code entries} pairs
     * from there in key order (db_bench's seek followed by nexts).
     *
     * @return the number of pairs read (key and value both touched)
     * @throws UnsupportedOperationException if the store keeps no key order
     *         ({@link StoreKind#orderedScan()} is false)
     */
    int seekAndRead(byte[] key, int entries);

    /**
     * Makes the writes issued so far by the calling writer thread visible and complete (LMDB
     * commits its open write transaction; most stores have nothing to do). Part of the timed
     * work of a write workload.
     */
    void finishWrites();

    /** Forces everything written so far to stable storage, where the store can (outside timed regions). */
    void sync();

    /** Releases the store; its files stay for the size measurement. */
    @Override
    void close();
}
