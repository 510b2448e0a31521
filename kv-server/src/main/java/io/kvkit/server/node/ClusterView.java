package io.kvkit.server.node;

import io.kvkit.server.meta.ClusterState;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * This node's newest {@link ClusterState} (and the {@link Routes} derived from it), and what it
 * has learned about partition leaders it does not host (from NOT_LEADER answers of its peers).
 * The state only moves forward in epoch: an older one fetched late never replaces a newer one.
 */
final class ClusterView {
    private record Held(ClusterState state, Routes routes) {
    }

    private final AtomicReference<Held> held;
    private final AtomicLongArray leaderHints;
    private final List<Consumer<ClusterState>> listeners = new CopyOnWriteArrayList<>();

    ClusterView(ClusterState initial) {
        this.held = new AtomicReference<>(new Held(initial, Routes.of(initial)));
        this.leaderHints = new AtomicLongArray(initial.partitionCount());
    }

    Routes routes() {
        return held.get().routes();
    }

    ClusterState state() {
        return held.get().state();
    }

    /**
     * Called after each adoption of a newer state, on the adopting thread (the meta group's apply
     * thread, or the upkeep thread): must be quick and must not block.
     */
    void addListener(Consumer<ClusterState> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Adopts {@code next} if it is newer than what the node holds; true if it did. */
    boolean offer(ClusterState next) {
        if (next.partitionCount() != leaderHints.length()) {
            throw new IllegalArgumentException("a cluster state with " + next.partitionCount()
                    + " partitions does not fit this cluster of " + leaderHints.length());
        }
        Held prev;
        Held candidate = null;
        do {
            prev = held.get();
            if (next.epoch() <= prev.state().epoch()) {
                return false;
            }
            if (candidate == null) {
                candidate = new Held(next, Routes.of(next));
            }
        } while (!held.compareAndSet(prev, candidate));
        for (Consumer<ClusterState> l : listeners) {
            l.accept(next);
        }
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
