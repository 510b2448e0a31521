package io.kvkit.raft;

/**
 * Safety rules of the protocol that tests can switch off one at a time (package-private, set only
 * by mutation tests) to prove that the simulation notices when one is broken.
 */
enum SafetyRule {
    /** Commit by counting replicas only entries of the leader's current term (Raft §5.4.2). */
    COMMIT_ONLY_CURRENT_TERM,
    /** Grant a vote only to a candidate whose log is at least as up to date (Raft §5.4.1). */
    VOTE_REQUIRES_UP_TO_DATE_LOG,
    /** A leader answers ReadIndex only after it has committed an entry of its own term. */
    READ_INDEX_AFTER_FIRST_COMMIT,
    /** A node does not grant two different votes in one term. */
    ONE_VOTE_PER_TERM,
    /** Under lease reads a restarted node sits out one election timeout before voting. */
    LEASE_RESTART_GUARD,
    /** A lease is only as long as electionTimeout minus the drift margin, from the round's send time. */
    LEASE_SHORTER_THAN_ELECTION_TIMEOUT
}
