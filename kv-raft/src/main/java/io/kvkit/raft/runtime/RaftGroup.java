package io.kvkit.raft.runtime;

import io.kvkit.raft.ConfChange;
import io.kvkit.raft.ConfState;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A handle on this node's member of one Raft group. Thread-safe; every method returns at once.
 *
 * <p>Futures complete on runtime threads (a proposal's reply on the group's apply thread, reads
 * and failures on its worker thread): dependent actions that block or take long must use the
 * {@code *Async} variants of {@link CompletableFuture}, or they hold up every group sharing
 * that thread.
 */
public final class RaftGroup {

    private final GroupReplica replica;
    private final RaftNode node;

    RaftGroup(GroupReplica replica, RaftNode node) {
        this.replica = replica;
        this.node = node;
    }

    public long groupId() {
        return replica.groupId();
    }

    /**
     * Proposes {@code command}. The future completes with the state machine's reply once the
     * command is committed and applied on this node; or fails with {@link NotLeaderException}
     * (nothing was done: this node is not the leader and proposal forwarding is off),
     * {@link ProposalQueueFullException} (nothing was done), {@link io.kvkit.raft.ProposalDroppedException}
     * (the leader refused it, e.g. during a leadership transfer: nothing was done),
     * {@link ProposalOutcomeUnknownException} (accepted, but leadership changed or the request timed
     * out before this node saw it committed), or {@link RaftGroupClosedException}.
     */
    public CompletableFuture<byte[]> propose(byte[] command) {
        Objects.requireNonNull(command, "command");
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        if (replica.isClosed()) {
            f.completeExceptionally(closed());
            return f;
        }
        if (!replica.proposals.offer(new ProposalQueue.Proposal(command, f))) {
            f.completeExceptionally(new ProposalQueueFullException(groupId(), replica.proposals.limit()));
            return f;
        }
        replica.wakeForProposalsOrReads();
        if (replica.isClosed()) {
            f.completeExceptionally(closed()); // raced with stop: the worker may never take it
        }
        return f;
    }

    /**
     * Completes when this node's state machine may serve a read at {@code consistency} (see
     * {@link ReadConsistency}); the caller then reads the state machine directly.
     */
    public CompletableFuture<Void> read(ReadConsistency consistency) {
        Objects.requireNonNull(consistency, "consistency");
        CompletableFuture<Void> f = new CompletableFuture<>();
        if (replica.isClosed()) {
            f.completeExceptionally(closed());
            return f;
        }
        if (consistency == ReadConsistency.STALE) {
            f.complete(null);
            return f;
        }
        replica.reads.offer(new ReadIndexBatcher.ReadRequest(consistency, f));
        replica.wakeForProposalsOrReads();
        if (replica.isClosed()) {
            f.completeExceptionally(closed());
        }
        return f;
    }

    /**
     * Proposes a single-server membership change on the leader; completes with the membership
     * after it once it is applied here. Fails like {@link #propose}.
     */
    public CompletableFuture<ConfState> proposeConfChange(ConfChange change) {
        Objects.requireNonNull(change, "change");
        CompletableFuture<ConfState> f = new CompletableFuture<>();
        replica.post(() -> replica.proposeConfChange(change, f));
        if (replica.isClosed()) {
            f.completeExceptionally(closed());
        }
        return f;
    }

    /** Asks the leader to hand leadership to {@code target}; completes once this node sees it leading. */
    public CompletableFuture<Void> transferLeadership(long target) {
        if (target <= 0) {
            throw new IllegalArgumentException("target node id must be > 0, got " + target);
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        replica.post(() -> replica.transferLeadership(target, f));
        if (replica.isClosed()) {
            f.completeExceptionally(closed());
        }
        return f;
    }

    /** This member's view as of its worker's latest round. */
    public GroupStatus status() {
        return replica.status();
    }

    /**
     * This member's view of the membership (committed) and, on the leader, of each member's
     * replication progress, as of its worker's latest round.
     */
    public GroupMembership membership() {
        return replica.membership();
    }

    /**
     * On the leader: each member's (voters' and learners', this node's own included) match index
     * (the highest log index known to be in its log), as of the worker's latest round; an empty
     * map on a member that is not the leader. For deciding whether a member is caught up (e.g.
     * before {@link #transferLeadership}); the same as {@code membership().matchIndex()}.
     */
    public java.util.Map<Long, Long> matchIndexes() {
        GroupMembership m = replica.membership();
        return m == null ? java.util.Map.of() : m.matchIndex();
    }

    /** The state machine this group applies to. */
    public GroupStateMachine stateMachine() {
        return replica.stateMachine();
    }

    GroupReplica replica() {
        return replica;
    }

    private RaftGroupClosedException closed() {
        return new RaftGroupClosedException(groupId(), node.isClosed() ? "node " + node.nodeId() + " is closed"
                : "the group was stopped on node " + node.nodeId());
    }

    @Override
    public String toString() {
        return "RaftGroup{" + status() + "}";
    }
}
