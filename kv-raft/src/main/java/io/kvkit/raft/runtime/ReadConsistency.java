package io.kvkit.raft.runtime;

/** How fresh a read served from the local state machine must be; see {@link RaftGroup#read}. */
public enum ReadConsistency {
    /**
     * Linearizable, with no clock assumption: the leader confirms its leadership with a quorum
     * heartbeat round (ReadIndex) and the read waits until its state machine has applied the
     * commit index it recorded. Only on the leader; elsewhere {@link NotLeaderException}.
     */
    LINEARIZABLE,
    /**
     * Linearizable under the lease's clock assumption (see the kv-raft README): a leader holding
     * a lease serves at its commit index without a round trip. Requires the group's
     * {@code RaftOptions.readOnlyMode} to be {@code LEASE_BASED}; without a lease it falls back to
     * {@link #LINEARIZABLE}.
     */
    LEASE,
    /**
     * Linearizable, served by any member: the member asks the leader for a read index and waits
     * until it has applied that far; fails fast with {@link FollowerLaggingException} when it is
     * more than {@code followerReadMaxLagEntries} behind.
     */
    FOLLOWER,
    /** Whatever the local state machine holds now: may be arbitrarily stale. */
    STALE
}
