package io.kvkit.raft.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;

/**
 * Reads waiting for one group's state machine to reach an index: the worker registers them, the
 * apply thread advances the applied index. A read is completed exactly once, by whichever side
 * sees the index reached; completion runs outside the lock so that callbacks cannot block the
 * other side.
 */
final class AppliedIndexWaiters {

    private record Waiter(long index, CompletableFuture<Void> future) {
    }

    private final PriorityQueue<Waiter> waiting = new PriorityQueue<>((a, b) -> Long.compare(a.index, b.index));
    private long applied;
    private RuntimeException closedWith;

    AppliedIndexWaiters(long applied) {
        this.applied = applied;
    }

    /** Completes {@code f} once the applied index reaches {@code index} (at once if it has). Any thread. */
    void await(long index, CompletableFuture<Void> f) {
        RuntimeException failure;
        synchronized (this) {
            failure = closedWith;
            if (failure == null && applied < index) {
                waiting.add(new Waiter(index, f));
                return;
            }
        }
        if (failure != null) {
            f.completeExceptionally(failure);
        } else {
            f.complete(null);
        }
    }

    /** The apply thread has applied everything up to {@code index}. */
    void advanceTo(long index) {
        List<Waiter> ready = null;
        synchronized (this) {
            if (index <= applied) {
                return;
            }
            applied = index;
            while (!waiting.isEmpty() && waiting.peek().index <= index) {
                if (ready == null) {
                    ready = new ArrayList<>();
                }
                ready.add(waiting.poll());
            }
        }
        if (ready != null) {
            for (Waiter w : ready) {
                w.future.complete(null);
            }
        }
    }

    synchronized long applied() {
        return applied;
    }

    /** Fails every waiting read and every later one with {@code why}. */
    void close(RuntimeException why) {
        List<Waiter> all;
        synchronized (this) {
            closedWith = why;
            all = new ArrayList<>(waiting);
            waiting.clear();
        }
        for (Waiter w : all) {
            w.future.completeExceptionally(why);
        }
    }
}
