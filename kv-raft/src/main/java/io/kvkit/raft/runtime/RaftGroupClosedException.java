package io.kvkit.raft.runtime;

/** The group (or its whole node) was stopped before the request completed. */
public final class RaftGroupClosedException extends RuntimeException {
    public RaftGroupClosedException(long groupId, String why) {
        super("group " + groupId + " is closed: " + why, null, false, false);
    }
}
