package io.kvkit.engine.lsm;

/**
 * Iterates internal entries — (user key, sequence, put or tombstone, value) — in user key order,
 * newest version first within a key. Not thread-safe.
 */
interface InternalIterator extends AutoCloseable {
    void seekToFirst();

    /** Positions at the first entry at or after (key, seq) in internal order. */
    void seek(byte[] key, long seq);

    boolean valid();

    void next();

    /** The current user key, as a fresh array. */
    byte[] key();

    /** Compares the current user key with {@code other}, unsigned lexicographic. */
    int compareKey(byte[] other);

    long seq();

    boolean isTombstone();

    /** The current value, as a fresh array (empty for a tombstone). */
    byte[] value();

    @Override
    void close();
}
