package io.kvkit.engine.hash;

import java.util.concurrent.ConcurrentHashMap;

/**
 * One point in time that a snapshot or cursor reads at, in a chain ordered oldest to newest.
 *
 * <p>The index only holds each key's newest record. When a writer replaces or removes a key (or
 * compaction moves it) while snapshots are open, it first records the key's previous location in
 * the newest node's {@link #previous} table (if the key is not there yet). A read at node N
 * takes the current location from the index and then walks N, N.next, ...: the first table
 * holding the key has its location as of N. (The first change to a key after N is recorded in
 * the node that was newest at that moment, and no node between N and that one can hold the key.)
 * Closed nodes stay in the chain while an older node is open, because its readers walk through
 * them; the writer keeps recording into the newest node even if it is closed.
 */
final class SnapshotNode {
    /** Location of a key that did not exist at the snapshot. */
    static final long ABSENT = 0L;

    final long sequence;
    final long ordinal;
    /** Segments and their ends at the snapshot (for iteration). */
    final LogSegment[] segments;
    final long[] ends;
    final ConcurrentHashMap<KeyBytes, Long> previous = new ConcurrentHashMap<>();
    volatile SnapshotNode next;
    volatile boolean closed;

    SnapshotNode(long sequence, long ordinal, LogSegment[] segments, long[] ends) {
        this.sequence = sequence;
        this.ordinal = ordinal;
        this.segments = segments;
        this.ends = ends;
    }
}
