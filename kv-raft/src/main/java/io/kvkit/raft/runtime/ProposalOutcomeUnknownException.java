package io.kvkit.raft.runtime;

/**
 * The proposal was accepted into the leader's log but its fate is unknown: leadership changed,
 * the request timed out, or the node stopped before the entry was known committed. The command
 * may or may not be applied; a retry must be idempotent (or checked first).
 */
public final class ProposalOutcomeUnknownException extends RuntimeException {
    public ProposalOutcomeUnknownException(String reason) {
        super(reason + "; the proposal may still be committed and applied: its outcome is unknown", null, false, false);
    }
}
