package io.kvkit.raft;

/** How a leader confirms it may serve a read. */
public enum ReadOnlyMode {
    /**
     * ReadIndex: the leader records its commit index and confirms with a quorum heartbeat round
     * that it is still leader. Needs no clock assumption.
     */
    SAFE,
    /**
     * Lease reads: while a quorum acknowledged a heartbeat round sent less than
     * {@code electionTimeoutTicks - leaseClockDriftMarginTicks} ticks ago, the leader answers at
     * once without a round trip. Requires CheckQuorum, and assumes every node's ticks run at the
     * same rate within the margin (see {@link RaftOptions#leaseClockDriftMarginTicks()}). When the
     * lease is not held the leader falls back to {@link #SAFE}.
     */
    LEASE_BASED
}
