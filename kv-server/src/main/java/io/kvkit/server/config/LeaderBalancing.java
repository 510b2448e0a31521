package io.kvkit.server.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How a node moves partition leadership (see {@code io.kvkit.server.node.LeaderBalancer}): to each
 * partition's preferred leader, and away from itself while its Raft-log fsyncs are slow.
 *
 * @param enabled              whether the node balances at all ({@code leader-balance}, default true)
 * @param delay                a partition this node has led for less than this is left alone, so that
 *                             a leadership just won is not moved at once ({@code leader-balance-delay}, default 10 s)
 * @param interval             time between two rounds, and the slow-node measuring window
 *                             ({@code leader-balance-interval}, default 2 s)
 * @param maxTransfersPerRound transfers started per round at most, so that a restart causes no storm
 *                             ({@code leader-balance-max-transfers}, default 2)
 * @param slowNodeThreshold    a window whose p99 Raft-log fsync time exceeds this counts as slow
 *                             ({@code slow-node-threshold}, default 200 ms)
 * @param slowNodeWindows      consecutive slow windows that make the node slow, and consecutive windows
 *                             below half the threshold that make it well again ({@code slow-node-windows}, default 3)
 */
public record LeaderBalancing(boolean enabled, Duration delay, Duration interval, int maxTransfersPerRound,
                              Duration slowNodeThreshold, int slowNodeWindows) {

    public static final Duration DEFAULT_DELAY = Duration.ofSeconds(10);
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
    public static final int DEFAULT_MAX_TRANSFERS_PER_ROUND = 2;
    public static final Duration DEFAULT_SLOW_NODE_THRESHOLD = Duration.ofMillis(200);
    public static final int DEFAULT_SLOW_NODE_WINDOWS = 3;

    public static final Duration MAX_DELAY = Duration.ofHours(1);
    public static final Duration MIN_INTERVAL = Duration.ofMillis(10);
    public static final Duration MAX_INTERVAL = Duration.ofMinutes(10);
    public static final int MAX_TRANSFERS_PER_ROUND = 1024;
    public static final Duration MIN_SLOW_NODE_THRESHOLD = Duration.ofMillis(1);
    public static final Duration MAX_SLOW_NODE_THRESHOLD = Duration.ofMinutes(1);
    public static final int MAX_SLOW_NODE_WINDOWS = 1000;

    /** Checks every value against the ranges above; the loader reports them with the key and origin first. */
    public LeaderBalancing {
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(slowNodeThreshold, "slowNodeThreshold");
        if (delay.isNegative() || delay.compareTo(MAX_DELAY) > 0) {
            throw new IllegalArgumentException("leader-balance-delay " + delay + " is out of range (allowed: 0s..1h)");
        }
        if (interval.compareTo(MIN_INTERVAL) < 0 || interval.compareTo(MAX_INTERVAL) > 0) {
            throw new IllegalArgumentException("leader-balance-interval " + interval + " is out of range (allowed: 10ms..10m)");
        }
        if (maxTransfersPerRound < 1 || maxTransfersPerRound > MAX_TRANSFERS_PER_ROUND) {
            throw new IllegalArgumentException("leader-balance-max-transfers " + maxTransfersPerRound
                    + " is out of range (allowed: 1.." + MAX_TRANSFERS_PER_ROUND + ")");
        }
        if (slowNodeThreshold.compareTo(MIN_SLOW_NODE_THRESHOLD) < 0 || slowNodeThreshold.compareTo(MAX_SLOW_NODE_THRESHOLD) > 0) {
            throw new IllegalArgumentException("slow-node-threshold " + slowNodeThreshold + " is out of range (allowed: 1ms..1m)");
        }
        if (slowNodeWindows < 1 || slowNodeWindows > MAX_SLOW_NODE_WINDOWS) {
            throw new IllegalArgumentException("slow-node-windows " + slowNodeWindows + " is out of range (allowed: 1.."
                    + MAX_SLOW_NODE_WINDOWS + ")");
        }
    }

    public static LeaderBalancing defaults() {
        return new LeaderBalancing(true, DEFAULT_DELAY, DEFAULT_INTERVAL, DEFAULT_MAX_TRANSFERS_PER_ROUND,
                DEFAULT_SLOW_NODE_THRESHOLD, DEFAULT_SLOW_NODE_WINDOWS);
    }

    public LeaderBalancing withEnabled(boolean on) {
        return new LeaderBalancing(on, delay, interval, maxTransfersPerRound, slowNodeThreshold, slowNodeWindows);
    }

    public LeaderBalancing withDelay(Duration d) {
        return new LeaderBalancing(enabled, d, interval, maxTransfersPerRound, slowNodeThreshold, slowNodeWindows);
    }

    public LeaderBalancing withInterval(Duration i) {
        return new LeaderBalancing(enabled, delay, i, maxTransfersPerRound, slowNodeThreshold, slowNodeWindows);
    }

    public LeaderBalancing withMaxTransfersPerRound(int n) {
        return new LeaderBalancing(enabled, delay, interval, n, slowNodeThreshold, slowNodeWindows);
    }

    public LeaderBalancing withSlowNodeThreshold(Duration t) {
        return new LeaderBalancing(enabled, delay, interval, maxTransfersPerRound, t, slowNodeWindows);
    }

    public LeaderBalancing withSlowNodeWindows(int k) {
        return new LeaderBalancing(enabled, delay, interval, maxTransfersPerRound, slowNodeThreshold, k);
    }
}
