package io.kvkit.raft.netty;

/**
 * Paces the snapshot bytes a node sends, all peers together, at {@code bytesPerSecond}. A chunk
 * is sent only once its bytes are paid for — {@link #reserve} returns how long to wait — and each
 * reservation is due at least its cost after the previous one, so a transfer of S bytes takes at
 * least S / rate and no interval carries more than rate x interval bytes. A reservation made
 * within one cost of the previous one's due time continues from that due time (so the time spent
 * writing a chunk does not slow the stream below the rate); after a longer idle time it starts
 * from now (no burst). Thread-safe (peers live on different event loops).
 */
final class SnapshotRateLimiter {
    private final long bytesPerSecond;
    /** When the bytes reserved so far are paid for (System.nanoTime scale). */
    private long paidUntilNanos;
    /** Whether {@link #paidUntilNanos} is set: nanoTime values may be negative, so no value means "never". */
    private boolean reserved;

    /** @param bytesPerSecond 0 = unlimited */
    SnapshotRateLimiter(long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("bytesPerSecond must be >= 0 (0 = unlimited), got " + bytesPerSecond);
        }
        this.bytesPerSecond = bytesPerSecond;
    }

    /** Reserves {@code bytes}; returns the nanoseconds to wait from {@code nowNanos} before sending them (0: now). */
    synchronized long reserve(int bytes, long nowNanos) {
        if (bytesPerSecond == 0) {
            return 0;
        }
        long cost = bytes * 1_000_000_000L / bytesPerSecond;
        long start;
        if (reserved && nowNanos - paidUntilNanos <= cost) {
            // busy, or just caught up: the time since the last bytes were due (spent writing them,
            // waiting for an ack) is not lost, or the rate achieved would fall short of the limit
            start = paidUntilNanos;
        } else {
            start = nowNanos; // idle for longer than these bytes cost: no burst from idle time
        }
        paidUntilNanos = start + cost;
        reserved = true;
        return Math.max(0, paidUntilNanos - nowNanos);
    }
}
