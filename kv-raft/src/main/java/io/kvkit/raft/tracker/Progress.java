package io.kvkit.raft.tracker;

/**
 * The leader's view of one member. Invariant: {@code match < next}.
 */
public final class Progress {
    private long match;
    private long next;
    private ProgressState state = ProgressState.PROBE;
    private long pendingSnapshot;
    private long snapshotSentAtTick;
    private boolean recentActive;
    private boolean appendFlowPaused;
    private boolean learner;
    private final Inflights inflights;

    public Progress(long match, long next, Inflights inflights, boolean learner) {
        this.match = match;
        this.next = next;
        this.inflights = inflights;
        this.learner = learner;
        checkInvariant();
    }

    public long match() { return match; }
    public long next() { return next; }
    public ProgressState state() { return state; }
    public long pendingSnapshot() { return pendingSnapshot; }
    public long snapshotSentAtTick() { return snapshotSentAtTick; }
    public boolean recentActive() { return recentActive; }
    public boolean learner() { return learner; }
    public Inflights inflights() { return inflights; }
    public boolean appendFlowPaused() { return appendFlowPaused; }

    public void setRecentActive(boolean v) { recentActive = v; }
    public void setLearner(boolean v) { learner = v; }
    public void setAppendFlowPaused(boolean v) { appendFlowPaused = v; }

    private void resetState(ProgressState s) {
        appendFlowPaused = false;
        pendingSnapshot = 0;
        state = s;
        inflights.reset();
    }

    public void becomeProbe() {
        if (state == ProgressState.SNAPSHOT) {
            long ps = pendingSnapshot;
            resetState(ProgressState.PROBE);
            next = Math.max(match + 1, ps + 1);
        } else {
            resetState(ProgressState.PROBE);
            next = match + 1;
        }
        checkInvariant();
    }

    public void becomeReplicate() {
        resetState(ProgressState.REPLICATE);
        next = match + 1;
    }

    public void becomeSnapshot(long snapshotIndex, long nowTick) {
        resetState(ProgressState.SNAPSHOT);
        pendingSnapshot = snapshotIndex;
        snapshotSentAtTick = nowTick;
    }

    /** Accounts for an APPEND with {@code entries} entries of {@code bytes} bytes just sent. */
    public void sentEntries(int entries, long bytes) {
        switch (state) {
            case REPLICATE -> {
                if (entries > 0) {
                    next += entries;
                    inflights.add(next - 1, bytes);
                }
                appendFlowPaused = inflights.full();
            }
            case PROBE -> {
                if (entries > 0) {
                    appendFlowPaused = true;
                }
            }
            case SNAPSHOT -> throw new IllegalStateException("sending entries in state SNAPSHOT");
        }
    }

    /** An acknowledgement of {@code n}: returns whether match advanced. */
    public boolean maybeUpdate(long n) {
        boolean updated = false;
        if (match < n) {
            match = n;
            updated = true;
            appendFlowPaused = false;
        }
        next = Math.max(next, n + 1);
        return updated;
    }

    /**
     * A rejection of the APPEND at {@code rejected}, with the follower's hint of where the logs may
     * agree. Returns false if the rejection is stale (already superseded).
     */
    public boolean maybeDecrTo(long rejected, long matchHint) {
        if (state == ProgressState.REPLICATE) {
            if (rejected <= match) {
                return false;
            }
            next = match + 1;
            return true;
        }
        if (next - 1 != rejected) {
            return false;
        }
        next = Math.max(Math.min(rejected, matchHint + 1), match + 1);
        appendFlowPaused = false;
        checkInvariant();
        return true;
    }

    /** Whether the leader should hold back APPENDs to this member. */
    public boolean isPaused() {
        return switch (state) {
            case PROBE, REPLICATE -> appendFlowPaused;
            case SNAPSHOT -> true;
        };
    }

    private void checkInvariant() {
        if (match >= next) {
            throw new IllegalStateException("progress invariant match < next broken: " + this);
        }
    }

    @Override
    public String toString() {
        return state + " match=" + match + " next=" + next + (learner ? " learner" : "")
                + (state == ProgressState.SNAPSHOT ? " pendingSnap=" + pendingSnapshot : "")
                + (appendFlowPaused ? " paused" : "") + " inflight=" + inflights.count();
    }
}
