package io.kvkit.raft.storage;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.Entry;
import io.kvkit.raft.HardState;
import io.kvkit.raft.Snapshot;

import java.util.List;

/**
 * A {@link RaftLogStorage} in memory, for tests and for the simulation. Writes are durable at
 * once ({@link #sync()} does nothing); a simulated crash is modelled by the host not writing.
 * Not thread-safe.
 */
public final class MemoryRaftLogStorage extends EntryWindowStorage {

    /**
     * A storage for a founding member of a new group: a snapshot at index 1, term 1 holding the
     * initial membership and an empty state machine (empty data), and that commit in the hard
     * state. Members that join later start from an empty storage and receive a snapshot.
     */
    public static MemoryRaftLogStorage bootstrap(ConfState initialMembers) {
        MemoryRaftLogStorage s = new MemoryRaftLogStorage();
        s.applySnapshot(new Snapshot(1, 1, initialMembers, new byte[0]));
        s.setHardState(new HardState(1, 0, 1));
        return s;
    }

    @Override
    public void append(List<Entry> ents) {
        if (ents.isEmpty()) {
            return;
        }
        long first = ents.get(0).index();
        if (first > lastIndex() + 1) {
            throw new IllegalArgumentException("append at " + first + " leaves a gap after last index " + lastIndex());
        }
        int skip = 0;
        if (first < firstIndex()) {
            // the head is already covered by the snapshot
            skip = (int) (firstIndex() - first);
            if (skip >= ents.size()) {
                return;
            }
            first = firstIndex();
        }
        int keep = (int) (first - firstIndex());
        entries.subList(keep, entries.size()).clear();
        for (int i = skip; i < ents.size(); i++) {
            Entry e = ents.get(i);
            if (e.index() != lastIndex() + 1) {
                throw new IllegalArgumentException("entries must be contiguous: got index " + e.index()
                        + " after " + lastIndex());
            }
            entries.add(e);
        }
    }

    @Override
    public void setHardState(HardState hs) {
        hardState = hs;
    }

    @Override
    public void applySnapshot(Snapshot s) {
        if (s.index() < snapshot.index()) {
            throw new IllegalArgumentException("snapshot at " + s.index() + " is older than the current one at " + snapshot.index());
        }
        snapshot = s;
        entries.clear();
    }

    @Override
    public Snapshot createSnapshot(long index, ConfState confState, byte[] data) {
        if (index < snapshot.index()) {
            throw new IllegalArgumentException("snapshot index " + index + " is older than the current snapshot " + snapshot.index());
        }
        if (index > lastIndex()) {
            throw new IllegalArgumentException("snapshot index " + index + " is past the last index " + lastIndex());
        }
        if (index > hardState.commit()) {
            throw new IllegalArgumentException("snapshot index " + index + " is past the durable commit index " + hardState.commit());
        }
        Snapshot s = new Snapshot(index, term(index), confState, data);
        int drop = (int) (index - snapshot.index());
        entries.subList(0, drop).clear();
        snapshot = s;
        return s;
    }

    @Override
    public void sync() {
    }

    @Override
    public void close() {
    }
}
