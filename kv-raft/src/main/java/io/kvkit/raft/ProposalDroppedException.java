package io.kvkit.raft;

/** A proposal was not accepted; the reason says why and whether a retry elsewhere can help. */
public final class ProposalDroppedException extends RuntimeException {
    public ProposalDroppedException(String reason) {
        super(reason, null, false, false);
    }
}
