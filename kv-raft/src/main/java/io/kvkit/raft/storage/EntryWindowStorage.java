package io.kvkit.raft.storage;

import io.kvkit.raft.Entry;
import io.kvkit.raft.HardState;
import io.kvkit.raft.Snapshot;

import java.util.ArrayList;
import java.util.List;

/**
 * The read side shared by the storages that keep the entries since the latest snapshot in
 * memory ({@link MemoryRaftLogStorage} and {@link SegmentedRaftLogStorage}): how those entries,
 * the snapshot and the hard state answer the core's reads. Subclasses decide how writes become
 * durable.
 */
abstract class EntryWindowStorage implements RaftLogStorage {
    protected HardState hardState = HardState.EMPTY;
    protected Snapshot snapshot = Snapshot.EMPTY;
    /** entries.get(0) has index snapshot.index() + 1. */
    protected final ArrayList<Entry> entries = new ArrayList<>();

    @Override
    public InitialState initialState() {
        return new InitialState(hardState, snapshot.confState());
    }

    @Override
    public List<Entry> entries(long lo, long hi, long maxBytes) {
        if (lo < firstIndex()) {
            throw new LogCompactedException(lo, firstIndex());
        }
        if (hi > lastIndex() + 1) {
            throw new LogUnavailableException(hi - 1, lastIndex());
        }
        List<Entry> out = new ArrayList<>();
        long bytes = 0;
        for (long i = lo; i < hi; i++) {
            Entry e = entries.get((int) (i - firstIndex()));
            if (!out.isEmpty() && bytes + e.sizeBytes() > maxBytes) {
                break;
            }
            bytes += e.sizeBytes();
            out.add(e);
        }
        return out;
    }

    @Override
    public long term(long index) {
        if (index == snapshot.index()) {
            return snapshot.term();
        }
        if (index < firstIndex()) {
            throw new LogCompactedException(index, firstIndex());
        }
        if (index > lastIndex()) {
            throw new LogUnavailableException(index, lastIndex());
        }
        return entries.get((int) (index - firstIndex())).term();
    }

    @Override
    public long firstIndex() {
        return snapshot.index() + 1;
    }

    @Override
    public long lastIndex() {
        return snapshot.index() + entries.size();
    }

    @Override
    public Snapshot snapshot() {
        return snapshot;
    }

    /** The hard state as last set. */
    public HardState hardState() {
        return hardState;
    }
}
