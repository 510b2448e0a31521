package io.kvkit.raft.netty;

/**
 * Paces the snapshot bytes a node sends, all peers together, at {@code bytesPerSecond}. A chunk
 * is sent only once its bytes are paid for — {@link #reserve} returns how long to wait — so a
 * transfer of S bytes takes at least S / rate, and idle time earns no burst. Thread-safe (peers
 * live on different event loops).
 */
final class SnapshotRateLimiter {
    private final long bytesPerSecond;
    /** When the bytes reserved so far are paid for (System.nanoTime scale). */
    private long paidUntilNanos;

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
        long start = paidUntilNanos - nowNanos > 0 ? paidUntilNanos : nowNanos;
        paidUntilNanos = start + bytes * 1_000_000_000L / bytesPerSecond;
        return Math.max(0, paidUntilNanos - nowNanos);
    }
}
