package io.kvkit.raft.runtime;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.Entry;
import io.kvkit.raft.EntryType;
import io.kvkit.raft.Snapshot;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What one Ready hands to a group's apply stage: a snapshot to restore first (if any), then
 * committed entries in order, with the futures of this node's proposals among them and the
 * membership after each conf change. Run on an apply thread by {@link ApplyQueue}.
 */
final class ApplyBatch implements ApplyQueue.Task {

    private final GroupReplica group;
    private final Snapshot snapshot;
    private final List<Entry> entries;
    private final long bytes;
    /** Per entry: the proposal future to complete (command entries) or null. */
    private final CompletableFuture<byte[]>[] replies;
    /** Per entry: the membership after it (conf change entries) or null. */
    private final ConfState[] memberships;
    /** Per entry: a membership change future to complete, or null. */
    private final CompletableFuture<ConfState>[] confReplies;

    @SuppressWarnings("unchecked")
    ApplyBatch(GroupReplica group, Snapshot snapshot, List<Entry> entries, long bytes) {
        this.group = group;
        this.bytes = bytes;
        this.snapshot = snapshot;
        this.entries = entries;
        this.replies = new CompletableFuture[entries.size()];
        this.memberships = new ConfState[entries.size()];
        this.confReplies = new CompletableFuture[entries.size()];
    }

    void reply(int i, CompletableFuture<byte[]> f) {
        replies[i] = f;
    }

    void membership(int i, ConfState cs, CompletableFuture<ConfState> f) {
        memberships[i] = cs;
        confReplies[i] = f;
    }

    @Override
    public void run() {
        GroupStateMachine sm = group.stateMachine();
        if (snapshot != null) {
            group.restoreOnApplyThread(snapshot);
            group.appliedBySnapshot(snapshot.index());
        }
        long applied = group.appliedOnApplyThread();
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (e.index() <= applied) {
                // already in the state machine (its durable applied index was ahead of the core's)
                completeUnknown(i);
                continue;
            }
            if (e.type() == EntryType.CONF_CHANGE) {
                sm.applyMembership(e.index(), memberships[i]);
                if (confReplies[i] != null) {
                    confReplies[i].complete(memberships[i]);
                }
            } else if (e.data().length > 0) {
                byte[] reply;
                try {
                    reply = sm.apply(e.index(), ProposalHeader.command(e.data()));
                } catch (RuntimeException ex) {
                    if (replies[i] != null) {
                        replies[i].completeExceptionally(ex);
                    }
                    applied = e.index();
                    continue;
                }
                if (replies[i] != null) {
                    replies[i].complete(reply);
                }
            }
            applied = e.index();
        }
        group.appliedOnApplyThread(applied, entries.size(), bytes);
    }

    private void completeUnknown(int i) {
        if (replies[i] != null) {
            replies[i].completeExceptionally(new ProposalOutcomeUnknownException(
                    "entry " + entries.get(i).index() + " was already applied before this node restarted"));
        }
    }

    @Override
    public void abandon() {
        RaftGroupClosedException why = new RaftGroupClosedException(group.groupId(), "stopped before the entry was applied");
        for (int i = 0; i < entries.size(); i++) {
            if (replies[i] != null) {
                replies[i].completeExceptionally(why);
            }
            if (confReplies[i] != null) {
                confReplies[i].completeExceptionally(why);
            }
        }
    }
}
