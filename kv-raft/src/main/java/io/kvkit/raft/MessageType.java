package io.kvkit.raft;

/** Raft message kinds. The {@code LOCAL_*} kinds never cross the network. */
public enum MessageType {
    /** Local: start an election (or pre-election). */
    LOCAL_HUP,
    /** Local: the leader should heartbeat. */
    LOCAL_BEAT,
    /** Local: the leader should check that a quorum is active. */
    LOCAL_CHECK_QUORUM,
    /** A client proposal; forwarded by followers to the leader. */
    PROPOSE,
    APPEND,
    APPEND_RESPONSE,
    VOTE,
    VOTE_RESPONSE,
    PRE_VOTE,
    PRE_VOTE_RESPONSE,
    SNAPSHOT,
    HEARTBEAT,
    HEARTBEAT_RESPONSE,
    /** Local report from the transport: a peer could not be reached. */
    UNREACHABLE,
    /** Local report from the transport: a snapshot send finished ({@code reject} = failed). */
    SNAPSHOT_STATUS,
    TRANSFER_LEADER,
    TIMEOUT_NOW,
    READ_INDEX,
    READ_INDEX_RESPONSE;

    /** Whether this kind is only ever created and consumed inside one node. */
    public boolean isLocal() {
        return this == LOCAL_HUP || this == LOCAL_BEAT || this == LOCAL_CHECK_QUORUM
                || this == UNREACHABLE || this == SNAPSHOT_STATUS;
    }

    public boolean isResponse() {
        return this == APPEND_RESPONSE || this == VOTE_RESPONSE || this == PRE_VOTE_RESPONSE
                || this == HEARTBEAT_RESPONSE || this == READ_INDEX_RESPONSE;
    }
}
