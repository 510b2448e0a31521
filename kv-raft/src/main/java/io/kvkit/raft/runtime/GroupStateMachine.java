package io.kvkit.raft.runtime;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.Snapshot;

import java.nio.file.Path;

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
 *
 * <p>Snapshots come in two forms. By default a machine serializes its state to one byte array
 * ({@link #snapshot()}, {@link #restore}), which must fit in the heap. A machine whose state
 * may not (a partition of a store) returns true from {@link #snapshotsToFiles()} and writes its
 * state as files instead ({@link #snapshotTo}, {@link #restoreFrom}); the runtime keeps them in
 * the log store's {@link io.kvkit.raft.storage.FileSnapshotStore}, streams them to followers from
 * disk, and the core only sees their small {@link io.kvkit.raft.storage.SnapshotManifest}.
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

    /**
     * Whether this machine snapshots to files ({@link #snapshotTo}, {@link #restoreFrom}) instead
     * of a byte array. Read once when the group starts; the group's log store must then keep file
     * snapshots ({@link io.kvkit.raft.storage.RaftLogStore#fileSnapshots()}). A founding member is
     * still restored with {@link #restore} from a snapshot with empty data (the empty state).
     * The default: false.
     */
    default boolean snapshotsToFiles() {
        return false;
    }

    /**
     * Writes a consistent image of the whole state as of {@link #appliedIndex()} into the empty
     * directory {@code dir} (hard links to immutable files are fine: the runtime never modifies
     * them). The runtime syncs the files, records their sizes and checksums and labels the image
     * with the index it has applied so far. Called on the apply thread, between two applies.
     */
    default void snapshotTo(Path dir) {
        throw new UnsupportedOperationException(getClass().getName() + " snapshots to a byte array (snapshotsToFiles() is false)");
    }

    /**
     * Replaces the whole state by the image in {@code dir} (written by {@link #snapshotTo} on some
     * member, every file verified against its checksum) as of {@code meta.index()}; {@code meta}'s
     * data is the snapshot's manifest. The directory belongs to the runtime and stays as it is
     * until a newer snapshot replaces it: copy or hard-link what must outlive it, never modify it.
     */
    default void restoreFrom(Path dir, Snapshot meta) {
        throw new UnsupportedOperationException(getClass().getName() + " restores from a byte array (snapshotsToFiles() is false)");
    }
}
