package io.kvkit.raft.storage;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.Entry;
import io.kvkit.raft.HardState;
import io.kvkit.raft.Snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.SoftReference;
import java.nio.file.Path;
import java.util.List;

/**
 * One group's view of a {@link SharedRaftLogStore}: its {@link RaftLogStorage}. Reads answer
 * from the in-memory {@link GroupEntryIndex} and the segments; writes append records to the
 * shared tail; {@link #sync()} is the store's group commit. Its fields are guarded by the
 * store's lock; the view must be used by one thread at a time (the group's).
 */
final class SharedGroupLog implements RaftLogStorage {
    private final SharedRaftLogStore store;
    final long groupId;

    // guarded by store.lock
    final GroupEntryIndex index = new GroupEntryIndex();
    HardState hardState = HardState.EMPTY;
    /** Segment holding the latest hard state record (it must survive until superseded), -1 if none. */
    long hardStateSegment = -1;
    /**
     * Segment holding the latest snapshot marker, -1 if none. It must survive too: without it,
     * replay would take the snapshot file for one whose marker was never written.
     */
    long snapshotMarkerSegment = -1;
    long snapshotIndex;
    long snapshotTerm;
    ConfState snapshotConf = ConfState.EMPTY;
    Path snapshotFile;
    /** The snapshot's data may be large: the JVM may drop them, they are re-read from the file. */
    SoftReference<Snapshot> snapshotCache = new SoftReference<>(null);
    boolean deleted;
    /** Replay only: the highest snapshot marker seen. */
    long markerIndex;

    SharedGroupLog(SharedRaftLogStore store, long groupId) {
        this.store = store;
        this.groupId = groupId;
    }

    @Override
    public InitialState initialState() {
        store.lock.lock();
        try {
            ensureLive();
            return new InitialState(hardState, snapshotConf);
        } finally {
            store.lock.unlock();
        }
    }

    @Override
    public List<Entry> entries(long lo, long hi, long maxBytes) {
        store.lock.lock();
        try {
            ensureLive();
            if (lo < firstIndexLocked()) {
                throw new LogCompactedException(lo, firstIndexLocked());
            }
            if (hi > lastIndexLocked() + 1) {
                throw new LogUnavailableException(hi - 1, lastIndexLocked());
            }
            if (lo >= hi) {
                return List.of();
            }
            long end = lo;
            long bytes = 0;
            while (end < hi) {
                long size = index.length(end) - SharedLogFormat.ENTRY_PREFIX_BYTES + Entry.OVERHEAD_BYTES;
                if (end > lo && bytes + size > maxBytes) {
                    break;
                }
                bytes += size;
                end++;
            }
            return store.readEntries(this, lo, end);
        } finally {
            store.lock.unlock();
        }
    }

    @Override
    public long term(long i) {
        store.lock.lock();
        try {
            ensureLive();
            if (i == snapshotIndex) {
                return snapshotTerm;
            }
            if (i < firstIndexLocked()) {
                throw new LogCompactedException(i, firstIndexLocked());
            }
            if (i > lastIndexLocked()) {
                throw new LogUnavailableException(i, lastIndexLocked());
            }
            return index.term(i);
        } finally {
            store.lock.unlock();
        }
    }

    @Override
    public long firstIndex() {
        store.lock.lock();
        try {
            ensureLive();
            return firstIndexLocked();
        } finally {
            store.lock.unlock();
        }
    }

    @Override
    public long lastIndex() {
        store.lock.lock();
        try {
            ensureLive();
            return lastIndexLocked();
        } finally {
            store.lock.unlock();
        }
    }

    private long firstIndexLocked() {
        return snapshotIndex + 1;
    }

    private long lastIndexLocked() {
        return index.isEmpty() ? snapshotIndex : index.lastIndex();
    }

    @Override
    public Snapshot snapshot() {
        Path file;
        store.lock.lock();
        try {
            ensureLive();
            if (snapshotIndex == 0) {
                return Snapshot.EMPTY;
            }
            Snapshot s = snapshotCache.get();
            if (s != null) {
                return s;
            }
            file = snapshotFile;
        } finally {
            store.lock.unlock();
        }
        // read outside the lock (it may be large); only this group's thread replaces the file
        Snapshot s = store.readSnapshotFile(file);
        store.lock.lock();
        try {
            if (file.equals(snapshotFile)) {
                snapshotCache = new SoftReference<>(s);
            }
            return s;
        } finally {
            store.lock.unlock();
        }
    }

    @Override
    public void append(List<Entry> ents) {
        if (ents.isEmpty()) {
            return;
        }
        store.lock.lock();
        try {
            ensureLive();
            long first = ents.getFirst().index();
            if (first > lastIndexLocked() + 1) {
                throw new IllegalArgumentException("append at " + first + " leaves a gap after last index " + lastIndexLocked()
                        + " in group " + groupId);
            }
            int skip = 0;
            if (first < firstIndexLocked()) {
                // the head is already covered by the snapshot
                skip = (int) Math.min(ents.size(), firstIndexLocked() - first);
                if (skip == ents.size()) {
                    return;
                }
            }
            List<Entry> rest = ents.subList(skip, ents.size());
            for (int i = 1; i < rest.size(); i++) {
                if (rest.get(i).index() != rest.get(i - 1).index() + 1) {
                    throw new IllegalArgumentException("entries must be contiguous: got index " + rest.get(i).index()
                            + " after " + rest.get(i - 1).index() + " in group " + groupId);
                }
            }
            index.truncateFrom(rest.getFirst().index());
            store.writeEntries(this, SharedLogFormat.ENTRIES, rest);
        } finally {
            store.lock.unlock();
        }
    }

    @Override
    public void setHardState(HardState hs) {
        store.lock.lock();
        try {
            ensureLive();
            if (hs.equals(hardState)) {
                return;
            }
            store.writeHardState(this, hs);
            hardState = hs;
        } finally {
            store.lock.unlock();
        }
    }

    @Override
    public void applySnapshot(Snapshot s) {
        store.lock.lock();
        try {
            ensureLive();
            if (s.index() < snapshotIndex) {
                throw new IllegalArgumentException("snapshot at " + s.index() + " is older than the current one at "
                        + snapshotIndex + " in group " + groupId);
            }
        } finally {
            store.lock.unlock();
        }
        // the file first, durably: the marker that drops the log must never outlive its snapshot
        Path file = store.writeSnapshotFile(groupId, s);
        installSnapshot(s, file, true);
    }

    @Override
    public Snapshot createSnapshot(long i, ConfState confState, byte[] data) {
        Snapshot s;
        store.lock.lock();
        try {
            ensureLive();
            if (i < snapshotIndex) {
                throw new IllegalArgumentException("snapshot index " + i + " is older than the current snapshot " + snapshotIndex);
            }
            if (i > lastIndexLocked()) {
                throw new IllegalArgumentException("snapshot index " + i + " is past the last index " + lastIndexLocked());
            }
            if (i > hardState.commit()) {
                throw new IllegalArgumentException("snapshot index " + i + " is past the durable commit index " + hardState.commit());
            }
            s = new Snapshot(i, i == snapshotIndex ? snapshotTerm : index.term(i), confState, data);
        } finally {
            store.lock.unlock();
        }
        Path file = store.writeSnapshotFile(groupId, s);
        installSnapshot(s, file, false);
        return s;
    }

    private void installSnapshot(Snapshot s, Path file, boolean replacesLog) {
        Path old;
        store.lock.lock();
        try {
            if (deleted) {
                // the group was deleted while its snapshot was being written
                deleteQuietly(file);
                throw new IllegalStateException("group " + groupId + " was deleted");
            }
            store.writeSnapshotMarker(this, s.index(), s.term(), replacesLog);
            if (replacesLog) {
                index.clear();
            } else {
                index.dropThrough(s.index());
            }
            old = snapshotFile;
            snapshotIndex = s.index();
            snapshotTerm = s.term();
            snapshotConf = s.confState();
            snapshotFile = file;
            snapshotCache = new SoftReference<>(s);
        } finally {
            store.lock.unlock();
        }
        if (old != null && !old.equals(file)) {
            deleteQuietly(old);
        }
    }

    private void deleteQuietly(Path p) {
        try {
            // no directory fsync: an old snapshot that comes back after a crash is removed on open
            java.nio.file.Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("deleting snapshot " + p + " of group " + groupId, e);
        }
    }

    @Override
    public void sync() {
        store.sync();
    }

    /** The store owns the files: closing a view does nothing; close the store. */
    @Override
    public void close() {
    }

    private void ensureLive() {
        store.ensureUsable();
        if (deleted) {
            throw new IllegalStateException("the log of group " + groupId + " was deleted");
        }
    }

    @Override
    public String toString() {
        return "group " + groupId + " log [" + (snapshotIndex + 1) + ", " + lastIndexLocked() + "]";
    }
}
