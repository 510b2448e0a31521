package io.kvkit.raft.storage;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.Entry;
import io.kvkit.raft.HardState;
import io.kvkit.raft.Snapshot;

import java.io.Closeable;
import java.util.List;

/**
 * The durable log of one Raft group member. The core only reads through it; the host writes
 * the contents of each {@link io.kvkit.raft.Ready} through it, and calls {@link #sync()}
 * before sending the messages that Ready marks as needing persistence.
 *
 * <p>The log is a contiguous range [{@link #firstIndex()}, {@link #lastIndex()}], preceded by
 * the latest snapshot whose index is {@code firstIndex() - 1}; {@link #term(long)} answers for
 * that index too. An empty log has {@code lastIndex() == firstIndex() - 1}.
 */
public interface RaftLogStorage extends Closeable {

    /** Hard state and the latest snapshot's membership. */
    InitialState initialState();

    /**
     * Entries in [lo, hi), stopping early once {@code maxBytes} is exceeded (at least one entry
     * is returned when lo &lt; hi).
     *
     * @throws LogCompactedException   if lo &lt; firstIndex
     * @throws LogUnavailableException if hi &gt; lastIndex + 1
     */
    List<Entry> entries(long lo, long hi, long maxBytes);

    /**
     * Term of the entry at {@code index}, for index in [firstIndex - 1, lastIndex].
     *
     * @throws LogCompactedException   if index &lt; firstIndex - 1
     * @throws LogUnavailableException if index &gt; lastIndex
     */
    long term(long index);

    long firstIndex();

    long lastIndex();

    /** The latest snapshot ({@link Snapshot#EMPTY} if none). */
    Snapshot snapshot();

    /**
     * Appends entries, first removing any existing entries at or after {@code entries.get(0).index()}
     * (truncation on conflict). The first index must be in [firstIndex, lastIndex + 1].
     */
    void append(List<Entry> entries);

    void setHardState(HardState hardState);

    /** Replaces the whole log by {@code snapshot}: the log becomes empty after its index. */
    void applySnapshot(Snapshot snapshot);

    /**
     * Records a snapshot of the state machine as of {@code index} (≤ the commit index, ≥ the
     * current snapshot's) and discards the log up to it.
     */
    Snapshot createSnapshot(long index, ConfState confState, byte[] data);

    /** Makes everything written so far durable. */
    void sync();

    @Override
    void close();
}
