package io.kvkit.raft.runtime;

/**
 * Refused: this member was not the group's leader when the request reached it, so nothing was
 * done. Retrying at {@link #leaderHint()} is safe.
 */
public final class NotLeaderException extends RuntimeException {
    private final long groupId;
    private final long leaderHint;

    public NotLeaderException(long groupId, long nodeId, long leaderHint) {
        super("node " + nodeId + " is not the leader of group " + groupId + "; "
                + (leaderHint == 0 ? "no leader known" : "the leader is node " + leaderHint), null, false, false);
        this.groupId = groupId;
        this.leaderHint = leaderHint;
    }

    public long groupId() {
        return groupId;
    }

    /** The leader this member knows of, or 0 if none (an election may be running). */
    public long leaderHint() {
        return leaderHint;
    }
}
