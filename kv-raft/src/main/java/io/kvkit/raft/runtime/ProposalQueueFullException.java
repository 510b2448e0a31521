package io.kvkit.raft.runtime;

/** Refused at once (nothing was proposed): the group already has the maximum of proposals in flight. */
public final class ProposalQueueFullException extends RuntimeException {
    public ProposalQueueFullException(long groupId, int limit) {
        super("group " + groupId + " already has " + limit + " proposals in flight (maxPendingProposalsPerGroup); "
                + "retry after some complete", null, false, false);
    }
}
