package io.kvkit.raft.runtime;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.Snapshot;

/**
 * The application replicated by one Raft group, as the runtime drives it. All methods of one
 * group's machine are called on one apply thread at a time, in log order (never concurrently),
 * so an implementation needs no locking against itself; readers on other threads need whatever
 * the implementation provides.
 *
 * <p>Durability: a machine that keeps its state across restarts must persist
 * {@link #appliedIndex()} atomically with the effects of {@link #apply} (PITFALLS #14); an
 * in-memory machine returns 0 from {@code appliedIndex()} when new and is restored from the
 * group's latest snapshot on start.
 */
public interface GroupStateMachine {

    /**
     * Applies a committed command (the bytes given to {@link RaftGroup#propose}) at log
     * {@code index}; the returned reply completes that proposal's future on the node that made
     * it. Must be deterministic. A thrown exception fails that proposal's future and counts as
     * the command's outcome: the index is applied all the same.
     */
    byte[] apply(long index, byte[] command);

    /** A membership change was applied at {@code index}; the default ignores it. */
    default void applyMembership(long index, ConfState membership) {
    }

    /**
     * The last index whose effects this machine holds durably, read once when the group starts
     * (0 for a new or in-memory machine). Indexes without a command (a leader's no-op, a
     * membership change) need not be counted.
     */
    long appliedIndex();

    /**
     * Serializes the whole state as of the last index handed to {@link #apply} (the runtime
     * labels it with the index it has applied so far, which includes any no-op after it).
     */
    byte[] snapshot();

    /**
     * Replaces the whole state by {@code snapshot.data()} as of {@code snapshot.index()}. A
     * founding member starts from a snapshot with empty data: that means the empty state.
     */
    void restore(Snapshot snapshot);
}
