package io.kvkit.raft.quorum;

/** The state of an election as far as the votes received tell. */
public enum VoteResult {
    /** Not decided: enough voters have not answered to know either way. */
    PENDING,
    /** Lost: even if every silent voter granted, there is no quorum. */
    LOST,
    /** Won: a quorum granted. */
    WON
}
