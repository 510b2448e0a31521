package io.kvkit.server.node;

import io.kvkit.raft.storage.FileSnapshotStore;
import io.kvkit.raft.storage.RaftLogStorage;
import io.kvkit.raft.storage.RaftLogStore;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link RaftLogStore} that times its {@link #sync()} calls (the Raft log's fsyncs, one per
 * worker round) against a threshold, for the slow-node score: per window, how many syncs there
 * were and how many took longer than the threshold and than half of it. Those two counts decide
 * "p99 above the threshold" and "p99 below half of it" exactly, with no histogram (see
 * {@link SlowNodeDetector}). Everything else is passed through.
 */
final class TimedRaftLogStore implements RaftLogStore {

    /** The syncs of one window: all of them, those over the threshold, those over half of it. */
    record SyncWindow(long syncs, long overThreshold, long overHalfThreshold, long maxNanos) {
    }

    private final RaftLogStore store;
    private final long thresholdNanos;
    private final AtomicLong syncs = new AtomicLong();
    private final AtomicLong over = new AtomicLong();
    private final AtomicLong overHalf = new AtomicLong();
    private final AtomicLong maxNanos = new AtomicLong();
    private final AtomicLong slowSyncsTotal = new AtomicLong();

    TimedRaftLogStore(RaftLogStore store, long thresholdNanos) {
        this.store = Objects.requireNonNull(store, "store");
        if (thresholdNanos <= 0) {
            throw new IllegalArgumentException("thresholdNanos must be > 0, got " + thresholdNanos);
        }
        this.thresholdNanos = thresholdNanos;
    }

    @Override
    public void sync() {
        long start = System.nanoTime();
        try {
            store.sync();
        } finally {
            record(System.nanoTime() - start);
        }
    }

    /** Counts one sync that took {@code nanos}. */
    void record(long nanos) {
        if (nanos > thresholdNanos) {
            over.incrementAndGet();
            slowSyncsTotal.incrementAndGet();
        }
        if (nanos > thresholdNanos / 2) {
            overHalf.incrementAndGet();
        }
        maxNanos.accumulateAndGet(nanos, Math::max);
        syncs.incrementAndGet(); // last: a window never counts more slow syncs than syncs
    }

    /**
     * The syncs since the previous call, and starts a new window. A sync finishing during the
     * call may land in either window (counted once), which is all a latency window needs.
     */
    SyncWindow takeWindow() {
        long n = syncs.getAndSet(0);
        long o = over.getAndSet(0);
        long h = overHalf.getAndSet(0);
        long m = maxNanos.getAndSet(0);
        return new SyncWindow(Math.max(n, h), Math.min(o, h), h, m);
    }

    /** Syncs over the threshold since start. */
    long slowSyncsTotal() {
        return slowSyncsTotal.get();
    }

    @Override
    public RaftLogStorage open(long groupId) {
        return store.open(groupId);
    }

    @Override
    public Set<Long> groupIds() {
        return store.groupIds();
    }

    @Override
    public FileSnapshotStore fileSnapshots() {
        return store.fileSnapshots(); // a wrapper that hid it would turn file snapshots off for every partition
    }

    @Override
    public void delete(long groupId) {
        store.delete(groupId);
    }

    @Override
    public void close() {
        store.close();
    }
}
