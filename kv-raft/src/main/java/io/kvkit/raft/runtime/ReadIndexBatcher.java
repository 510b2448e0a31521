package io.kvkit.raft.runtime;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One group's read requests: client threads {@link #offer} them; the worker takes all that
 * arrived since its last round and asks the core for <em>one</em> read index for the lot
 * (one heartbeat round on the leader, one round trip from a follower), then releases the whole
 * batch when the answer with its context comes back. A batch not answered within the retry
 * interval is asked again under a new context (a read index obtained later is still a safe one);
 * after its deadline it fails.
 */
final class ReadIndexBatcher {

    /** A client's read; {@code future} completes when the local state machine may serve it. */
    record ReadRequest(ReadConsistency consistency, CompletableFuture<Void> future) {
    }

    /** Reads waiting on one read-index request. Worker thread only. */
    static final class Batch {
        long context;
        long issuedTick;
        final long deadlineTick;
        final List<ReadRequest> reads;
        /** Whether a leader holding a lease may answer without a heartbeat round. */
        final boolean allowLease;

        Batch(long context, long issuedTick, long deadlineTick, List<ReadRequest> reads, boolean allowLease) {
            this.context = context;
            this.issuedTick = issuedTick;
            this.deadlineTick = deadlineTick;
            this.reads = reads;
            this.allowLease = allowLease;
        }
    }

    private final ConcurrentLinkedQueue<ReadRequest> incoming = new ConcurrentLinkedQueue<>();
    private final Map<Long, Batch> inFlight = new HashMap<>();
    private long nextContext = 1;

    /** Any thread. */
    void offer(ReadRequest r) {
        incoming.add(r);
    }

    boolean hasIncoming() {
        return !incoming.isEmpty();
    }

    /** Worker: moves up to {@code max} new requests to {@code out}. */
    int drainTo(List<ReadRequest> out, int max) {
        int n = 0;
        ReadRequest r;
        while (n < max && (r = incoming.poll()) != null) {
            out.add(r);
            n++;
        }
        return n;
    }

    /** Worker: starts a batch; returns the context to give {@code RaftCore.readIndex}. */
    long open(List<ReadRequest> reads, long nowTick, long deadlineTick, boolean allowLease) {
        long ctx = nextContext++;
        inFlight.put(ctx, new Batch(ctx, nowTick, deadlineTick, reads, allowLease));
        return ctx;
    }

    /** Worker: the batch answered under {@code context}, or null (already retried or failed). */
    Batch answered(long context) {
        return inFlight.remove(context);
    }

    /** Worker: gives {@code b} a fresh context for a new request; returns it. */
    long reissue(Batch b, long nowTick) {
        inFlight.remove(b.context);
        b.context = nextContext++;
        b.issuedTick = nowTick;
        inFlight.put(b.context, b);
        return b.context;
    }

    /** Worker: batches issued at least {@code retryTicks} ago. */
    List<Batch> due(long nowTick, long retryTicks) {
        List<Batch> out = new ArrayList<>();
        for (Batch b : inFlight.values()) {
            if (nowTick - b.issuedTick >= retryTicks) {
                out.add(b);
            }
        }
        return out;
    }

    /** Worker: removes {@code b} for good. */
    void drop(Batch b) {
        inFlight.remove(b.context);
    }

    /** Worker: every batch in flight, removed. */
    List<Batch> takeAll() {
        List<Batch> all = new ArrayList<>(inFlight.values());
        inFlight.clear();
        return all;
    }

    boolean isEmpty() {
        return inFlight.isEmpty() && incoming.isEmpty();
    }
}
