package io.kvkit.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often and how patiently a call is retried when retrying is safe (see the README:
 * reads, writes under a session, and anything refused before execution). Every call also has a
 * deadline, which wins over the attempts left.
 *
 * @param maxAttempts       attempts per call including the first, at least 1
 * @param initialBackoff    delay before the second attempt (before jitter)
 * @param maxBackoff        the delay doubles per attempt up to this
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, got " + maxAttempts);
        }
        if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("need 0 <= initialBackoff <= maxBackoff, got " + initialBackoff + " and " + maxBackoff);
        }
    }

    /**
     * 20 attempts, 10 ms doubling to 1 s: about 12 s of backoff, more than a Raft election and
     * the default 10 s deadline, so by default the deadline ends a call.
     */
    public static RetryPolicy defaults() {
        return new RetryPolicy(20, Duration.ofMillis(10), Duration.ofSeconds(1));
    }

    /** A single attempt. */
    public static RetryPolicy none() {
        return new RetryPolicy(1, Duration.ZERO, Duration.ZERO);
    }

    /**
     * The delay after failed attempt number {@code attempt} (1-based): exponential, drawn
     * uniformly from [d/2, d] so that clients failing together do not retry together.
     */
    public long backoffNanos(int attempt) {
        long initial = initialBackoff.toNanos();
        long max = maxBackoff.toNanos();
        long d = initial << Math.min(Math.max(attempt - 1, 0), 30);
        if (d <= 0 || d > max) {
            d = max;
        }
        return d / 2 + ThreadLocalRandom.current().nextLong(d / 2 + 1);
    }
}
