package io.kvkit.raft.runtime;

/**
 * A {@link ReadConsistency#FOLLOWER} read was refused because this member's state machine is
 * too far behind the read index the leader gave: read from the leader instead.
 */
public final class FollowerLaggingException extends RuntimeException {
    private final long leaderHint;

    public FollowerLaggingException(long groupId, long nodeId, long leaderHint, long appliedIndex, long readIndex,
                                    long maxLagEntries) {
        super("follower read on node " + nodeId + " in group " + groupId + " refused: applied index " + appliedIndex
                + " is " + (readIndex - appliedIndex) + " entries behind read index " + readIndex
                + " (followerReadMaxLagEntries = " + maxLagEntries + "); read from the leader, node " + leaderHint,
                null, false, false);
        this.leaderHint = leaderHint;
    }

    /** The leader known when the read was refused, or 0. */
    public long leaderHint() {
        return leaderHint;
    }
}
