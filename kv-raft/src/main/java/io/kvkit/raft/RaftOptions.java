package io.kvkit.raft;

/**
 * Every setting of one Raft group member, with its default and unit in its name.
 *
 * @param nodeId                      this node's id (&gt; 0, unique in the group for all time: never reuse
 *                                    a removed node's id)
 * @param electionTimeoutTicks        followers campaign after a random timeout in
 *                                    [electionTimeoutTicks, 2*electionTimeoutTicks); default 10
 * @param heartbeatIntervalTicks      leader heartbeat period; default 1; must be &lt; electionTimeoutTicks
 * @param preVote                     run a pre-election before bumping the term; default true
 * @param checkQuorum                 a leader that has not heard from a quorum within an election
 *                                    timeout steps down, and followers that heard from a leader
 *                                    within one ignore vote requests; default true
 * @param readOnlyMode                how leader reads are confirmed; default SAFE
 * @param leaseClockDriftMarginTicks  LEASE_BASED only: the lease lasts electionTimeoutTicks minus
 *                                    this many ticks after the heartbeat round that confirmed it was
 *                                    sent; tolerates a relative tick-rate drift of
 *                                    margin/electionTimeout between nodes; default 2
 * @param maxMessageBytes             entry bytes per APPEND message (at least one entry is always
 *                                    sent); default 1 MiB
 * @param maxInflightMessages         APPEND messages in flight per follower in the replicate state;
 *                                    default 256
 * @param maxInflightBytes            entry bytes in flight per follower; 0 = unlimited; default 32 MiB
 * @param maxUncommittedEntriesBytes  leader refuses proposals while this many entry bytes are
 *                                    uncommitted; 0 = unlimited; default 64 MiB
 * @param maxCommittedBytesPerReady   bound on committed entry bytes handed out in one Ready (at
 *                                    least one entry); default 64 MiB
 * @param stepDownOnRemoval           a leader that applies its own removal steps down and sends
 *                                    TIMEOUT_NOW to its most up-to-date voter; default true
 * @param disableProposalForwarding   followers drop proposals instead of forwarding; default false
 * @param randomSeed                  seed of the election-timeout randomness
 */
public record RaftOptions(long nodeId, int electionTimeoutTicks, int heartbeatIntervalTicks, boolean preVote,
                          boolean checkQuorum, ReadOnlyMode readOnlyMode, int leaseClockDriftMarginTicks,
                          long maxMessageBytes, int maxInflightMessages, long maxInflightBytes,
                          long maxUncommittedEntriesBytes, long maxCommittedBytesPerReady,
                          boolean stepDownOnRemoval, boolean disableProposalForwarding, long randomSeed) {

    public RaftOptions {
        if (nodeId <= 0) {
            throw new IllegalArgumentException("nodeId must be > 0, got " + nodeId);
        }
        if (heartbeatIntervalTicks <= 0) {
            throw new IllegalArgumentException("heartbeatIntervalTicks must be > 0, got " + heartbeatIntervalTicks);
        }
        if (electionTimeoutTicks <= heartbeatIntervalTicks) {
            throw new IllegalArgumentException("electionTimeoutTicks (" + electionTimeoutTicks
                    + ") must be > heartbeatIntervalTicks (" + heartbeatIntervalTicks + ")");
        }
        if (readOnlyMode == null) {
            throw new IllegalArgumentException("readOnlyMode must be SAFE or LEASE_BASED, got null");
        }
        if (readOnlyMode == ReadOnlyMode.LEASE_BASED && !checkQuorum) {
            throw new IllegalArgumentException("readOnlyMode LEASE_BASED requires checkQuorum=true: "
                    + "without it a deposed leader never notices and serves stale reads");
        }
        if (leaseClockDriftMarginTicks < 1 || leaseClockDriftMarginTicks >= electionTimeoutTicks) {
            throw new IllegalArgumentException("leaseClockDriftMarginTicks must be in [1, electionTimeoutTicks), got "
                    + leaseClockDriftMarginTicks);
        }
        if (maxMessageBytes <= 0 || maxInflightMessages <= 0 || maxInflightBytes < 0
                || maxUncommittedEntriesBytes < 0 || maxCommittedBytesPerReady <= 0) {
            throw new IllegalArgumentException("size limits must be positive (inflight bytes and uncommitted bytes "
                    + "may be 0 = unlimited): " + this);
        }
    }

    /** Defaults for node {@code nodeId}, seeded by the id. */
    public static RaftOptions defaults(long nodeId) {
        return new RaftOptions(nodeId, 10, 1, true, true, ReadOnlyMode.SAFE, 2,
                1 << 20, 256, 32L << 20, 64L << 20, 64L << 20, true, false, nodeId);
    }

    public RaftOptions withElectionTimeoutTicks(int v) {
        return new RaftOptions(nodeId, v, heartbeatIntervalTicks, preVote, checkQuorum, readOnlyMode, leaseClockDriftMarginTicks, maxMessageBytes, maxInflightMessages, maxInflightBytes, maxUncommittedEntriesBytes, maxCommittedBytesPerReady, stepDownOnRemoval, disableProposalForwarding, randomSeed);
    }

    public RaftOptions withHeartbeatIntervalTicks(int v) {
        return new RaftOptions(nodeId, electionTimeoutTicks, v, preVote, checkQuorum, readOnlyMode, leaseClockDriftMarginTicks, maxMessageBytes, maxInflightMessages, maxInflightBytes, maxUncommittedEntriesBytes, maxCommittedBytesPerReady, stepDownOnRemoval, disableProposalForwarding, randomSeed);
    }

    public RaftOptions withPreVote(boolean v) {
        return new RaftOptions(nodeId, electionTimeoutTicks, heartbeatIntervalTicks, v, checkQuorum, readOnlyMode, leaseClockDriftMarginTicks, maxMessageBytes, maxInflightMessages, maxInflightBytes, maxUncommittedEntriesBytes, maxCommittedBytesPerReady, stepDownOnRemoval, disableProposalForwarding, randomSeed);
    }

    public RaftOptions withCheckQuorum(boolean v) {
        return new RaftOptions(nodeId, electionTimeoutTicks, heartbeatIntervalTicks, preVote, v, readOnlyMode, leaseClockDriftMarginTicks, maxMessageBytes, maxInflightMessages, maxInflightBytes, maxUncommittedEntriesBytes, maxCommittedBytesPerReady, stepDownOnRemoval, disableProposalForwarding, randomSeed);
    }

    public RaftOptions withReadOnlyMode(ReadOnlyMode v) {
        return new RaftOptions(nodeId, electionTimeoutTicks, heartbeatIntervalTicks, preVote, checkQuorum, v, leaseClockDriftMarginTicks, maxMessageBytes, maxInflightMessages, maxInflightBytes, maxUncommittedEntriesBytes, maxCommittedBytesPerReady, stepDownOnRemoval, disableProposalForwarding, randomSeed);
    }

    public RaftOptions withLeaseClockDriftMarginTicks(int v) {
        return new RaftOptions(nodeId, electionTimeoutTicks, heartbeatIntervalTicks, preVote, checkQuorum, readOnlyMode, v, maxMessageBytes, maxInflightMessages, maxInflightBytes, maxUncommittedEntriesBytes, maxCommittedBytesPerReady, stepDownOnRemoval, disableProposalForwarding, randomSeed);
    }

    public RaftOptions withMaxMessageBytes(long v) {
        return new RaftOptions(nodeId, electionTimeoutTicks, heartbeatIntervalTicks, preVote, checkQuorum, readOnlyMode, leaseClockDriftMarginTicks, v, maxInflightMessages, maxInflightBytes, maxUncommittedEntriesBytes, maxCommittedBytesPerReady, stepDownOnRemoval, disableProposalForwarding, randomSeed);
    }

    public RaftOptions withMaxInflightMessages(int v) {
        return new RaftOptions(nodeId, electionTimeoutTicks, heartbeatIntervalTicks, preVote, checkQuorum, readOnlyMode, leaseClockDriftMarginTicks, maxMessageBytes, v, maxInflightBytes, maxUncommittedEntriesBytes, maxCommittedBytesPerReady, stepDownOnRemoval, disableProposalForwarding, randomSeed);
    }

    public RaftOptions withMaxInflightBytes(long v) {
        return new RaftOptions(nodeId, electionTimeoutTicks, heartbeatIntervalTicks, preVote, checkQuorum, readOnlyMode, leaseClockDriftMarginTicks, maxMessageBytes, maxInflightMessages, v, maxUncommittedEntriesBytes, maxCommittedBytesPerReady, stepDownOnRemoval, disableProposalForwarding, randomSeed);
    }

    public RaftOptions withMaxUncommittedEntriesBytes(long v) {
        return new RaftOptions(nodeId, electionTimeoutTicks, heartbeatIntervalTicks, preVote, checkQuorum, readOnlyMode, leaseClockDriftMarginTicks, maxMessageBytes, maxInflightMessages, maxInflightBytes, v, maxCommittedBytesPerReady, stepDownOnRemoval, disableProposalForwarding, randomSeed);
    }

    public RaftOptions withMaxCommittedBytesPerReady(long v) {
        return new RaftOptions(nodeId, electionTimeoutTicks, heartbeatIntervalTicks, preVote, checkQuorum, readOnlyMode, leaseClockDriftMarginTicks, maxMessageBytes, maxInflightMessages, maxInflightBytes, maxUncommittedEntriesBytes, v, stepDownOnRemoval, disableProposalForwarding, randomSeed);
    }

    public RaftOptions withStepDownOnRemoval(boolean v) {
        return new RaftOptions(nodeId, electionTimeoutTicks, heartbeatIntervalTicks, preVote, checkQuorum, readOnlyMode, leaseClockDriftMarginTicks, maxMessageBytes, maxInflightMessages, maxInflightBytes, maxUncommittedEntriesBytes, maxCommittedBytesPerReady, v, disableProposalForwarding, randomSeed);
    }

    public RaftOptions withDisableProposalForwarding(boolean v) {
        return new RaftOptions(nodeId, electionTimeoutTicks, heartbeatIntervalTicks, preVote, checkQuorum, readOnlyMode, leaseClockDriftMarginTicks, maxMessageBytes, maxInflightMessages, maxInflightBytes, maxUncommittedEntriesBytes, maxCommittedBytesPerReady, stepDownOnRemoval, v, randomSeed);
    }

    public RaftOptions withRandomSeed(long v) {
        return new RaftOptions(nodeId, electionTimeoutTicks, heartbeatIntervalTicks, preVote, checkQuorum, readOnlyMode, leaseClockDriftMarginTicks, maxMessageBytes, maxInflightMessages, maxInflightBytes, maxUncommittedEntriesBytes, maxCommittedBytesPerReady, stepDownOnRemoval, disableProposalForwarding, v);
    }

    /** Lease length in the leader's ticks, measured from the send of the confirming heartbeat round. */
    public int leaseTicks() {
        return electionTimeoutTicks - leaseClockDriftMarginTicks;
    }
}
