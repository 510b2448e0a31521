package io.kvkit.raft.runtime;

/**
 * Turns the monotonic clock into Raft ticks for one worker: how many ticks are due now, with
 * the ticks missed during a pause (GC, SIGSTOP, an overloaded machine) delivered at once, but at
 * most {@code maxCatchUpTicks}; the rest are dropped and the tick phase restarts from now. The
 * cap is harmless as long as it is at least an election timeout: every timer has fired by then
 * (a follower campaigns, a leader checks its quorum, a lease has expired), and more ticks change
 * nothing. Driven by {@link System#nanoTime()} only, never by wall-clock time. Not thread-safe.
 */
final class TickClock {
    private final long tickNanos;
    private final int maxCatchUpTicks;
    private long nextTickAt;

    TickClock(long tickNanos, int maxCatchUpTicks, long nowNanos) {
        if (tickNanos <= 0 || maxCatchUpTicks < 1) {
            throw new IllegalArgumentException("tick must be > 0 ns and the catch-up cap >= 1, got " + tickNanos
                    + " ns and " + maxCatchUpTicks);
        }
        this.tickNanos = tickNanos;
        this.maxCatchUpTicks = maxCatchUpTicks;
        this.nextTickAt = nowNanos + tickNanos;
    }

    /** The ticks due at {@code nowNanos} (0 if none), each counted once. */
    int due(long nowNanos) {
        if (nowNanos - nextTickAt < 0) {
            return 0;
        }
        long due = (nowNanos - nextTickAt) / tickNanos + 1;
        if (due > maxCatchUpTicks) {
            nextTickAt = nowNanos + tickNanos;
            return maxCatchUpTicks;
        }
        nextTickAt += due * tickNanos;
        return (int) due;
    }

    /** Nanoseconds from {@code nowNanos} until the next tick is due (≤ 0 if it is due). */
    long nanosUntilNextTick(long nowNanos) {
        return nextTickAt - nowNanos;
    }
}
