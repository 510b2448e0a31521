package io.kvkit.raft;

import io.kvkit.raft.storage.LogCompactedException;
import io.kvkit.raft.storage.LogUnavailableException;
import io.kvkit.raft.storage.RaftLogStorage;

import java.util.ArrayList;
import java.util.List;

/**
 * The log as the core sees it: the durable part in {@link RaftLogStorage} plus the unstable
 * tail (entries and possibly a snapshot) that the host has not yet been asked to persist.
 * Unstable entries starting at {@code offset} supersede any storage entries at or after it.
 */
final class RaftLog {
    private final RaftLogStorage storage;
    private Snapshot unstableSnapshot;
    private final ArrayList<Entry> unstable = new ArrayList<>();
    private long offset;
    private long committed;
    private long applied;

    RaftLog(RaftLogStorage storage, long appliedHint, long commit) {
        this.storage = storage;
        this.offset = storage.lastIndex() + 1;
        long first = storage.firstIndex();
        this.applied = Math.max(appliedHint, first - 1);
        if (applied > lastIndex()) {
            throw new IllegalArgumentException("applied index " + applied + " is past the last log index "
                    + lastIndex() + ": the state machine is ahead of the log it was built from");
        }
        // The commit index is volatile state in Raft: a host may apply committed entries before
        // the Ready that raised the commit index is synced (they are durable themselves), so a
        // restart can find the state machine ahead of the persisted commit. What it applied was
        // committed, and is in the log: the commit index is at least that.
        this.committed = Math.max(Math.max(commit, first - 1), applied);
        if (committed > lastIndex()) {
            throw new IllegalStateException("durable commit index " + committed + " is past the last log index "
                    + lastIndex() + ": the log lost entries it had acknowledged");
        }
    }

    long committed() { return committed; }
    long applied() { return applied; }

    long firstIndex() {
        return unstableSnapshot != null ? unstableSnapshot.index() + 1 : storage.firstIndex();
    }

    long lastIndex() {
        if (!unstable.isEmpty()) {
            return offset + unstable.size() - 1;
        }
        if (unstableSnapshot != null) {
            return unstableSnapshot.index();
        }
        return storage.lastIndex();
    }

    /** Highest index durable in storage and still part of this log (0 while a snapshot is pending). */
    long lastStableIndex() {
        if (unstableSnapshot != null) {
            return 0;
        }
        return offset - 1;
    }

    long lastTerm() {
        return term(lastIndex());
    }

    /** Term at {@code i}; throws if compacted or unavailable. */
    long term(long i) {
        long dummy = firstIndex() - 1;
        if (i < dummy) {
            throw new LogCompactedException(i, dummy + 1);
        }
        if (i > lastIndex()) {
            throw new LogUnavailableException(i, lastIndex());
        }
        if (unstableSnapshot != null && i == unstableSnapshot.index()) {
            return unstableSnapshot.term();
        }
        if (i >= offset && !unstable.isEmpty()) {
            return unstable.get((int) (i - offset)).term();
        }
        return storage.term(i);
    }

    /** Term at {@code i}, or 0 if it is compacted or past the end. */
    long termOrZero(long i) {
        if (i < firstIndex() - 1 || i > lastIndex()) {
            return 0;
        }
        return term(i);
    }

    boolean matchTerm(long i, long t) {
        return i >= firstIndex() - 1 && i <= lastIndex() && term(i) == t;
    }

    boolean isUpToDate(long lastI, long lastT) {
        long lt = lastTerm();
        return lastT > lt || (lastT == lt && lastI >= lastIndex());
    }

    /**
     * The follower side of APPEND: returns the last index now known to match the leader's, or -1
     * if the entry at {@code index} does not have term {@code logTerm}.
     */
    long maybeAppend(long index, long logTerm, long leaderCommit, List<Entry> ents) {
        if (!matchTerm(index, logTerm)) {
            return -1;
        }
        long lastNew = index + ents.size();
        long ci = findConflict(ents);
        if (ci != 0) {
            if (ci <= committed) {
                throw new IllegalStateException("entry " + ci + " conflicts with committed entry (committed " + committed + ")");
            }
            append(ents.subList((int) (ci - (index + 1)), ents.size()));
        }
        commitTo(Math.min(leaderCommit, lastNew));
        return lastNew;
    }

    /** First index of {@code ents} that is new or differs in term from the log; 0 if none. */
    private long findConflict(List<Entry> ents) {
        for (Entry e : ents) {
            if (e.index() < firstIndex()) {
                continue; // already compacted, hence committed and matching
            }
            if (!matchTerm(e.index(), e.term())) {
                return e.index();
            }
        }
        return 0;
    }

    /**
     * The largest index ≤ {@code index} whose term is ≤ {@code term}, with that term: the fast
     * backtracking hint (a whole term of mismatching entries is skipped per round trip).
     */
    long[] findConflictByTerm(long index, long t) {
        for (; index > 0; index--) {
            long ourTerm;
            try {
                ourTerm = term(index);
            } catch (LogCompactedException | LogUnavailableException e) {
                return new long[] {index, 0};
            }
            if (ourTerm <= t) {
                return new long[] {index, ourTerm};
            }
        }
        return new long[] {0, 0};
    }

    /** Appends to the unstable tail, truncating whatever follows the first new index. */
    long append(List<Entry> ents) {
        if (ents.isEmpty()) {
            return lastIndex();
        }
        long after = ents.get(0).index();
        if (after - 1 < committed) {
            throw new IllegalStateException("append at " + after + " would overwrite committed entries (committed " + committed + ")");
        }
        if (after == offset + unstable.size()) {
            unstable.addAll(ents);
        } else if (after <= offset) {
            // replaces the unstable tail and supersedes storage entries from `after` on
            offset = after;
            unstable.clear();
            unstable.addAll(ents);
        } else {
            unstable.subList((int) (after - offset), unstable.size()).clear();
            unstable.addAll(ents);
        }
        return lastIndex();
    }

    boolean hasUnstableEntries() {
        return !unstable.isEmpty();
    }

    List<Entry> unstableEntries() {
        return List.copyOf(unstable);
    }

    Snapshot unstableSnapshot() {
        return unstableSnapshot;
    }

    /** The host persisted every unstable entry it was given. */
    void stableEntries() {
        offset += unstable.size();
        unstable.clear();
    }

    void stableSnapshot() {
        unstableSnapshot = null;
    }

    /** Entries in [lo, hi), bounded by {@code maxBytes} (at least one). */
    List<Entry> entries(long lo, long hi, long maxBytes) {
        if (lo < firstIndex()) {
            throw new LogCompactedException(lo, firstIndex());
        }
        if (hi > lastIndex() + 1) {
            throw new LogUnavailableException(hi - 1, lastIndex());
        }
        List<Entry> out = new ArrayList<>();
        if (lo >= hi) {
            return out;
        }
        long bytes = 0;
        if (lo < offset) {
            List<Entry> stored = storage.entries(lo, Math.min(hi, offset), maxBytes);
            for (Entry e : stored) {
                bytes += e.sizeBytes();
                out.add(e);
            }
            if (bytes >= maxBytes || out.size() < Math.min(hi, offset) - lo) {
                return out;
            }
        }
        if (hi > offset) {
            for (long i = Math.max(lo, offset); i < hi; i++) {
                Entry e = unstable.get((int) (i - offset));
                if (!out.isEmpty() && bytes + e.sizeBytes() > maxBytes) {
                    break;
                }
                bytes += e.sizeBytes();
                out.add(e);
            }
        }
        return out;
    }

    boolean hasNextCommittedEntries() {
        return unstableSnapshot == null && applied < Math.min(committed, lastStableIndex());
    }

    /** Committed, durable entries not yet applied, bounded by {@code maxBytes}. */
    List<Entry> nextCommittedEntries(long maxBytes) {
        if (!hasNextCommittedEntries()) {
            return List.of();
        }
        return entries(applied + 1, Math.min(committed, lastStableIndex()) + 1, maxBytes);
    }

    void commitTo(long toCommit) {
        if (committed < toCommit) {
            if (lastIndex() < toCommit) {
                throw new IllegalStateException("commit index " + toCommit + " is past the last index " + lastIndex());
            }
            committed = toCommit;
        }
    }

    /** Commits {@code maxIndex} if it is newer and (unless {@code anyTerm}) of term {@code t}. */
    boolean maybeCommit(long maxIndex, long t, boolean anyTerm) {
        if (maxIndex > committed && (anyTerm || termOrZero(maxIndex) == t)) {
            commitTo(maxIndex);
            return true;
        }
        return false;
    }

    void appliedTo(long i) {
        if (i < applied || i > committed) {
            throw new IllegalStateException("applied index " + i + " out of range [" + applied + ", " + committed + "]");
        }
        applied = i;
    }

    /** Replaces the log by {@code s} (the follower side of SNAPSHOT). */
    void restore(Snapshot s) {
        committed = s.index();
        unstableSnapshot = s;
        unstable.clear();
        offset = s.index() + 1;
    }

    /** After the host installed a snapshot, the state machine stands at its index. */
    void snapshotApplied(long index) {
        applied = Math.max(applied, index);
    }

    RaftLogStorage storage() {
        return storage;
    }
}
