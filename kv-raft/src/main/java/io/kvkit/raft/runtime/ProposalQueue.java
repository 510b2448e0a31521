package io.kvkit.raft.runtime;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hand-off of one group's proposals from client threads (any number) to the group's worker
 * (one thread). Bounded by proposals <em>in flight</em>, not just queued: a slot is taken by
 * {@link #offer} and given back when the proposal's future completes, however it completes, so
 * the bound also covers proposals appended to the log and waiting to commit.
 */
final class ProposalQueue {

    /** A command and the future its reply (or failure) completes. */
    record Proposal(byte[] command, CompletableFuture<byte[]> future) {
    }

    private final ConcurrentLinkedQueue<Proposal> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final int limit;

    ProposalQueue(int limit) {
        this.limit = limit;
    }

    /** Queues {@code p}; false (and nothing queued) if {@code limit} proposals are in flight. Any thread. */
    boolean offer(Proposal p) {
        if (inFlight.incrementAndGet() > limit) {
            inFlight.decrementAndGet();
            return false;
        }
        // registered before the worker can see it, so the slot is returned exactly once
        p.future().whenComplete((r, e) -> inFlight.decrementAndGet());
        queue.add(p);
        return true;
    }

    /** Moves up to {@code max} queued proposals to {@code out}, oldest first. Worker thread only. */
    int drainTo(List<Proposal> out, int max) {
        int n = 0;
        Proposal p;
        while (n < max && (p = queue.poll()) != null) {
            out.add(p);
            n++;
        }
        return n;
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    /** Proposals offered and not yet completed. */
    int inFlight() {
        return inFlight.get();
    }

    int limit() {
        return limit;
    }
}
