package io.kvkit.server.node;

/**
 * Whether this node is slow, from its Raft-log fsync times one window at a time, with hysteresis:
 * it becomes slow after {@code windows} consecutive windows whose p99 is above the threshold, and
 * well again after {@code windows} consecutive windows whose p99 is at most half the threshold.
 * A window that does not count towards the change (p99 at or below the threshold while well, above
 * half of it while slow) restarts the streak; a window without any sync changes nothing. Not
 * thread-safe: one caller (the balancer's round).
 *
 * <p>p99 by nearest rank: over n samples it is the ⌈0.99·n⌉-th smallest, so it exceeds a bound
 * exactly when more than n − ⌈0.99·n⌉ samples do. Counting samples over the bound is enough; no
 * histogram is kept.
 */
final class SlowNodeDetector {
    private final int windows;
    private boolean slow;
    private int streak;

    SlowNodeDetector(int windows) {
        if (windows < 1) {
            throw new IllegalArgumentException("windows must be >= 1, got " + windows);
        }
        this.windows = windows;
    }

    /** Whether the p99 of {@code samples} exceeds a bound that {@code overBound} of them exceed. */
    static boolean p99Above(long samples, long overBound) {
        if (samples <= 0) {
            return false;
        }
        long rank = (samples * 99 + 99) / 100; // ⌈0.99·n⌉
        return overBound > samples - rank;
    }

    /** Takes one window's counts; returns whether the node is slow after it. */
    boolean observe(TimedRaftLogStore.SyncWindow w) {
        if (w.syncs() == 0) {
            return slow;
        }
        boolean above = p99Above(w.syncs(), w.overThreshold());
        boolean belowHalf = !p99Above(w.syncs(), w.overHalfThreshold());
        if (!slow) {
            streak = above ? streak + 1 : 0;
            if (streak >= windows) {
                slow = true;
                streak = 0;
            }
        } else {
            streak = belowHalf ? streak + 1 : 0;
            if (streak >= windows) {
                slow = false;
                streak = 0;
            }
        }
        return slow;
    }

    boolean slow() {
        return slow;
    }
}
