package io.kvkit.server.node;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * This node's current {@link Routes} and what it has learned about partition leaders it does not
 * host (from NOT_LEADER answers of its peers). Routes only move forward in epoch: an older table
 * fetched late never replaces a newer one.
 */
final class ClusterView {
    private final AtomicReference<Routes> routes;
    private final AtomicLongArray leaderHints;

    ClusterView(Routes initial) {
        this.routes = new AtomicReference<>(initial);
        this.leaderHints = new AtomicLongArray(initial.partitionCount());
    }

    Routes routes() {
        return routes.get();
    }

    /** Adopts {@code next} if it is newer than what the node holds; true if it did. */
    boolean offer(Routes next) {
        if (next.partitionCount() != leaderHints.length()) {
            throw new IllegalArgumentException("a routing table with " + next.partitionCount()
                    + " partitions does not fit this cluster of " + leaderHints.length());
        }
        Routes prev;
        do {
            prev = routes.get();
            if (next.epoch() <= prev.epoch()) {
                return false;
            }
        } while (!routes.compareAndSet(prev, next));
        return true;
    }

    long leaderHint(int partition) {
        return leaderHints.get(partition);
    }

    void noteLeader(int partition, long nodeId) {
        if (nodeId > 0) {
            leaderHints.set(partition, nodeId);
        }
    }
}
