package io.kvkit.raft;

/** The role a node plays in its current term. */
public enum Role {
    FOLLOWER, PRE_CANDIDATE, CANDIDATE, LEADER
}
