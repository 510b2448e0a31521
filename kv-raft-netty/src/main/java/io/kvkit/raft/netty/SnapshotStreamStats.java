package io.kvkit.raft.netty;

/**
 * Snapshot streaming counters of one {@link NettyTransport} since it started (its other counters
 * are in {@code TransportStats}).
 *
 * @param bytesSent          snapshot bytes written in chunks (encoding bytes, frame overhead excluded)
 * @param bytesReceived      snapshot bytes accepted from chunks
 * @param transfersStarted   outbound transfers begun (an offer sent)
 * @param transfersSucceeded outbound transfers the receiver acknowledged whole
 * @param transfersFailed    outbound transfers that failed: connection lost or never made, refused,
 *                           no progress within the timeout, peer removed, transport closed
 *                           (including those that had not started yet)
 * @param coalesced          SNAPSHOT messages that joined a transfer of the same group to the same
 *                           peer already waiting or running, instead of starting another
 * @param throttledMillis    time chunks waited for the rate limit, summed over peers
 * @param snapshotsReceived  inbound snapshots verified and handed to the listener
 * @param offersRefused      inbound offers refused (larger than maxSnapshotBytes, staging failed)
 * @param transfersRejected  inbound transfers whose connection was closed for a bad chunk
 *                           (checksum, order, size, window); also in inboundConnectionsRejected
 */
public record SnapshotStreamStats(long bytesSent, long bytesReceived, long transfersStarted, long transfersSucceeded,
                                  long transfersFailed, long coalesced, long throttledMillis, long snapshotsReceived,
                                  long offersRefused, long transfersRejected) {
}
