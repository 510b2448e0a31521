package io.kvkit.raft.netty;

/**
 * Paces the snapshot bytes a node sends, all peers together, at {@code bytesPerSecond}. A chunk
 * is sent only once its bytes are paid for — {@link #reserve} returns how long to wait — and each
 * reservation falls due its cost after the previous one, so from the start of a busy period the
 * bytes sent never exceed rate x elapsed time, and a transfer of S bytes takes at least S / rate.
 *
 * <p>A reservation made less than {@code maxBurstBytes}' cost after the previous one fell due
 * continues from that due time: time lost between chunks (writing one, waiting for an ack with
 * the window full) is made up, or the stream would fall short of the rate whenever another gate
 * holds it for a moment. After a longer pause it starts from now: idle time earns no burst
 * larger than {@code maxBurstBytes}. Thread-safe (peers live on different event loops).
 */
final class SnapshotRateLimiter {
    private final long bytesPerSecond;
    private final long maxBurstNanos;
    /** When the bytes reserved so far are paid for (System.nanoTime scale). */
    private long paidUntilNanos;
    /** Whether {@link #paidUntilNanos} is set: nanoTime values may be negative, so no value means "never". */
    private boolean reserved;

    /**
     * @param bytesPerSecond 0 = unlimited
     * @param maxBurstBytes  how far behind its schedule the stream may catch up at once (the
     *                       transport uses the window, which bounds a burst anyway)
     */
    SnapshotRateLimiter(long bytesPerSecond, long maxBurstBytes) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("bytesPerSecond must be >= 0 (0 = unlimited), got " + bytesPerSecond);
        }
        if (maxBurstBytes < 0) {
            throw new IllegalArgumentException("maxBurstBytes must be >= 0, got " + maxBurstBytes);
        }
        this.bytesPerSecond = bytesPerSecond;
        this.maxBurstNanos = bytesPerSecond == 0 ? 0 : maxBurstBytes * 1_000_000_000L / bytesPerSecond;
    }

    /** Reserves {@code bytes}; returns the nanoseconds to wait from {@code nowNanos} before sending them (0: now). */
    synchronized long reserve(int bytes, long nowNanos) {
        if (bytesPerSecond == 0) {
            return 0;
        }
        long cost = bytes * 1_000_000_000L / bytesPerSecond;
        long start;
        if (reserved && nowNanos - paidUntilNanos <= Math.max(cost, maxBurstNanos)) {
            start = paidUntilNanos; // on schedule or a little behind: catch up
        } else {
            start = nowNanos; // idle: start afresh, these bytes pay before they leave
        }
        paidUntilNanos = start + cost;
        reserved = true;
        return Math.max(0, paidUntilNanos - nowNanos);
    }
}
