package io.kvkit.raft.netty;

import java.util.concurrent.atomic.LongAdder;

/** The live counters behind {@link SnapshotStreamStats}, written from event loops and the staging thread. */
final class SnapshotStreamCounters {
    final LongAdder bytesSent = new LongAdder();
    final LongAdder bytesReceived = new LongAdder();
    final LongAdder transfersStarted = new LongAdder();
    final LongAdder transfersSucceeded = new LongAdder();
    final LongAdder transfersFailed = new LongAdder();
    final LongAdder coalesced = new LongAdder();
    final LongAdder throttledNanos = new LongAdder();
    final LongAdder snapshotsReceived = new LongAdder();
    final LongAdder offersRefused = new LongAdder();
    final LongAdder transfersRejected = new LongAdder();

    SnapshotStreamStats snapshot() {
        return new SnapshotStreamStats(bytesSent.sum(), bytesReceived.sum(), transfersStarted.sum(), transfersSucceeded.sum(),
                transfersFailed.sum(), coalesced.sum(), throttledNanos.sum() / 1_000_000, snapshotsReceived.sum(),
                offersRefused.sum(), transfersRejected.sum());
    }
}
