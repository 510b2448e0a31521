package io.kvkit.raft;

/**
 * The replicated application, driven by the host with what the core commits. Implementations
 * must persist {@link #appliedIndex()} atomically with the effects of the entries they apply
 * (or, like in-memory machines, keep nothing and be rebuilt from the latest snapshot on
 * restart), and must apply each index exactly once, in order.
 */
public interface StateMachine {

    /** Applies a committed entry; {@code entry.index()} is {@link #appliedIndex()} + 1. Empty no-op entries and conf changes are passed too. */
    void apply(Entry entry);

    /** The index of the last applied entry (or installed snapshot). */
    long appliedIndex();

    /** Serializes the state as of {@link #appliedIndex()}. */
    byte[] snapshot();

    /** Replaces the state by a snapshot's; afterwards {@link #appliedIndex()} is {@code snapshot.index()}. */
    void restore(Snapshot snapshot);
}
