package io.kvkit.raft.runtime;

import io.kvkit.raft.ConfChange;
import io.kvkit.raft.ConfState;
import io.kvkit.raft.Entry;
import io.kvkit.raft.EntryType;
import io.kvkit.raft.Message;
import io.kvkit.raft.MessageType;
import io.kvkit.raft.ProposalDroppedException;
import io.kvkit.raft.RaftCore;
import io.kvkit.raft.ReadState;
import io.kvkit.raft.Ready;
import io.kvkit.raft.Role;
import io.kvkit.raft.Snapshot;
import io.kvkit.raft.storage.FileSnapshotStore;
import io.kvkit.raft.storage.LocatedFileSnapshot;
import io.kvkit.raft.storage.RaftLogStorage;
import io.kvkit.raft.storage.SnapshotManifest;
import io.kvkit.raft.tracker.Progress;
import io.kvkit.raft.tracker.ProgressState;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One group's member on this node, as its worker drives it. Everything not marked otherwise is
 * touched by the group's worker thread only: the core, the storage, the pending requests. Other
 * threads reach it through the hand-offs: the inbox (messages and control actions), the
 * {@link ProposalQueue}, the {@link ReadIndexBatcher}, and, towards the apply thread, the
 * {@link ApplyQueue} and {@link AppliedIndexWaiters}.
 */
final class GroupReplica {

    /**
     * Context of the heartbeat a leader sends when it quiesces its group (the core copies it into
     * the answers). Heartbeat rounds of the core are numbered from 1, so a negative context is
     * never one of them, and the leader's core ignores it in the answers.
     */
    static final long QUIESCE_CONTEXT = -1;

    /**
     * Context of the {@code HEARTBEAT_RESPONSE} a member sends its peers when it stops on a node
     * that stays up: quiesced peers would otherwise wait forever for a leader that is gone (node
     * liveness does not see it). Cores ignore a heartbeat response on a follower and a negative
     * context on a leader; the runtime wakes the group.
     */
    static final long WAKE_CONTEXT = -2;

    private record PendingProposal(CompletableFuture<byte[]> future, long term, boolean forwarded, long deadlineTick) {
    }

    private record PendingConfChange(CompletableFuture<ConfState> future, long term, long deadlineTick) {
    }

    private record PendingTransfer(long target, CompletableFuture<Void> future, long deadlineTick) {
    }

    private final long groupId;
    private final RaftNode node;
    private final Worker worker;
    private final RaftCore core;
    private final RaftLogStorage storage;
    private final GroupStateMachine stateMachine;
    private final RaftNodeConfig config;
    /** Where this group's file-backed snapshots live; null when its machine snapshots to a byte array. */
    private final FileSnapshotStore files;
    /**
     * Indexes of received file snapshots handed to the apply stage and not restored yet (worker
     * adds, apply thread removes): their directories must outlive newer snapshots until then.
     */
    private final ConcurrentLinkedQueue<Long> restoresPending = new ConcurrentLinkedQueue<>();

    // hand-offs, any thread
    private final ConcurrentLinkedQueue<Object> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inboxMessages = new AtomicInteger();
    final AtomicBoolean scheduled = new AtomicBoolean();
    final ProposalQueue proposals;
    final ReadIndexBatcher reads = new ReadIndexBatcher();
    final AppliedIndexWaiters appliedWaiters;
    final ApplyQueue applyQueue;
    private volatile GroupStatus status;
    /** The committed membership and, as leader, each member's match index, for other threads. Read by {@link RaftGroup#membership}. */
    private volatile GroupMembership publishedMembership;
    private volatile boolean closed;

    // worker thread only
    private final Map<Long, PendingProposal> pending = new HashMap<>();
    private final Map<Long, PendingConfChange> pendingConfChanges = new HashMap<>();
    private final List<PendingTransfer> pendingTransfers = new ArrayList<>();
    private final MembershipHistory membership;
    private long nextProposalId;
    private long lastTerm;
    private Role lastRole;
    boolean dirty;
    /** Not ticking: idle leader and caught-up followers agreed to stop until something happens. */
    private boolean quiesced;
    /** The leader when this member quiesced (itself on the leader). */
    private long quiescedLeader;
    /** Consecutive ticks this leader had nothing to do. */
    private int idleTicks;

    /** Command bytes handed to the apply stage and not yet applied (worker adds, apply thread subtracts). */
    private final AtomicLong applyBacklogBytes = new AtomicLong();
    /** Set by the worker when the backlog held entries back; the apply thread then wakes it once. */
    private final AtomicBoolean applyHeldBack = new AtomicBoolean();

    // apply thread only
    private long appliedOnApplyThread;
    private long lastSnapshotIndex;

    GroupReplica(long groupId, RaftNode node, Worker worker, RaftCore core, RaftLogStorage storage,
                 GroupStateMachine stateMachine, long proposalIdBase) {
        this.groupId = groupId;
        this.node = node;
        this.worker = worker;
        this.core = core;
        this.storage = storage;
        this.stateMachine = stateMachine;
        this.config = node.config();
        this.files = stateMachine.snapshotsToFiles() ? node.store().fileSnapshots() : null;
        this.proposals = new ProposalQueue(config.maxPendingProposalsPerGroup());
        this.appliedWaiters = new AppliedIndexWaiters(core.appliedIndex());
        this.applyQueue = new ApplyQueue(node.applyPool(), this::applyFailed);
        this.membership = new MembershipHistory(core.appliedIndex(), core.confState());
        this.nextProposalId = proposalIdBase;
        this.appliedOnApplyThread = core.appliedIndex();
        this.lastSnapshotIndex = storage.snapshot().index();
        this.lastTerm = core.term();
        this.lastRole = core.role();
        publishStatus();
    }

    long groupId() {
        return groupId;
    }

    RaftCore core() {
        return core;
    }

    RaftLogStorage storage() {
        return storage;
    }

    GroupStateMachine stateMachine() {
        return stateMachine;
    }

    Worker worker() {
        return worker;
    }

    boolean isClosed() {
        return closed;
    }

    GroupStatus status() {
        GroupStatus s = status;
        return new GroupStatus(s.groupId(), s.nodeId(), s.role(), s.term(), s.leader(), s.commitIndex(),
                appliedWaiters.applied(), s.lastIndex(), s.quiesced());
    }

    // ------------------------------------------------------------------ any thread

    /** A message from the transport; false if the inbox is full (the message is dropped). */
    boolean offerMessage(Message m) {
        if (inboxMessages.incrementAndGet() > config.maxInboxMessagesPerGroup()) {
            inboxMessages.decrementAndGet();
            return false;
        }
        inbox.add(m);
        worker.schedule(this);
        return true;
    }

    /** Runs {@code action} on the worker thread, in inbox order. */
    void post(Runnable action) {
        inbox.add(action);
        worker.schedule(this);
    }

    void wakeForProposalsOrReads() {
        worker.schedule(this);
    }

    // ------------------------------------------------------------------ worker: inputs

    /** Takes what arrived since the last round; returns whether anything was fed to the core. */
    boolean processInputs() {
        scheduled.set(false); // cleared first: inputs arriving from now on schedule us again
        if (closed) {
            return false;
        }
        int max = config.maxEventsPerRound();
        int n = 0;
        Object o;
        while (n < max && (o = inbox.poll()) != null) {
            n++;
            if (o instanceof Message m) {
                inboxMessages.decrementAndGet();
                boolean quiesceHeartbeat = m.type() == MessageType.HEARTBEAT && m.context() == QUIESCE_CONTEXT;
                // A heartbeat response needs no ticks from the leader (anything it triggers is a
                // message, which wakes the follower); it arrives late when the leader quiesced
                // just after a regular heartbeat, and must not wake it then.
                if (!quiesceHeartbeat && (m.type() != MessageType.HEARTBEAT_RESPONSE || m.context() == WAKE_CONTEXT)) {
                    wake();
                }
                if (m.type() == MessageType.SNAPSHOT && m.snapshot() != null && LocatedFileSnapshot.isLocated(m.snapshot().data())) {
                    m = takeReceivedFiles(m);
                    if (m == null) {
                        continue;
                    }
                }
                stepSafely(m);
                if (quiesceHeartbeat) {
                    maybeQuiesceAsFollower(m);
                }
            } else {
                wake();
                ((Runnable) o).run();
            }
            if (closed) {
                return true;
            }
        }
        List<ProposalQueue.Proposal> props = new ArrayList<>();
        proposals.drainTo(props, max);
        if (!props.isEmpty()) {
            wake();
            handleProposals(props);
        }
        List<ReadIndexBatcher.ReadRequest> rs = new ArrayList<>();
        reads.drainTo(rs, max);
        if (!rs.isEmpty()) {
            wake();
            handleReads(rs);
        }
        if (!inbox.isEmpty() || !proposals.isEmpty() || reads.hasIncoming()) {
            worker.schedule(this); // more than one round's share: come back next round
        }
        return n > 0 || !props.isEmpty() || !rs.isEmpty();
    }

    /**
     * A SNAPSHOT message whose files a transport received (or, in-process, the sender holds):
     * takes them into this group's incoming snapshot directory, checked against the manifest,
     * and returns the message as the core must see it (the plain manifest as data); null if the
     * message is dropped (the leader sends the snapshot again). A snapshot the core will refuse
     * as stale (at or below the commit index) is stepped without taking its files.
     */
    private Message takeReceivedFiles(Message m) {
        Snapshot s = m.snapshot();
        LocatedFileSnapshot loc;
        try {
            loc = LocatedFileSnapshot.decode(s.data(), "snapshot message from node " + m.from());
            if (files == null) {
                throw new IllegalArgumentException("this group's state machine snapshots to a byte array, not to files");
            }
            if (s.index() > core.commitIndex()) {
                files.adopt(groupId, s.index(), loc.directory(), loc.manifest(), loc.movable());
            }
        } catch (RuntimeException e) {
            node.log().log(System.Logger.Level.WARNING, "group " + groupId + " on node " + node.nodeId()
                    + ": dropped the file snapshot " + s.index() + "/" + s.term() + " from node " + m.from() + ": " + e);
            return null;
        }
        return m.toBuilder().snapshot(new Snapshot(s.index(), s.term(), s.confState(), loc.manifest().encode())).build();
    }

    private void stepSafely(Message m) {
        try {
            core.step(m);
        } catch (RuntimeException e) {
            // a malformed or unexpected message must not take the worker down with it
            node.log().log(System.Logger.Level.WARNING, "group " + groupId + " dropped message " + m + ": " + e);
        }
    }

    private void handleProposals(List<ProposalQueue.Proposal> props) {
        boolean leader = core.role() == Role.LEADER;
        if (!leader && !(config.forwardProposals() && core.leader() != RaftCore.NONE)) {
            NotLeaderException refused = new NotLeaderException(groupId, node.nodeId(), core.leader());
            for (ProposalQueue.Proposal p : props) {
                p.future().completeExceptionally(refused);
            }
            return;
        }
        List<byte[]> cmds = new ArrayList<>(props.size());
        long firstId = nextProposalId;
        for (ProposalQueue.Proposal p : props) {
            cmds.add(ProposalHeader.wrap(node.nodeId(), nextProposalId++, p.command()));
        }
        try {
            core.proposeAll(cmds);
        } catch (ProposalDroppedException e) {
            RuntimeException refused = leader ? e : new NotLeaderException(groupId, node.nodeId(), core.leader());
            for (ProposalQueue.Proposal p : props) {
                p.future().completeExceptionally(refused);
            }
            return;
        }
        long deadline = worker.tickNow() + config.requestTimeoutTicks();
        long term = core.term();
        for (int i = 0; i < props.size(); i++) {
            pending.put(firstId + i, new PendingProposal(props.get(i).future(), term, !leader, deadline));
        }
        node.counters().proposals.add(props.size());
    }

    private void handleReads(List<ReadIndexBatcher.ReadRequest> rs) {
        // one read index per kind for all the reads of this round: with or without the lease
        List<ReadIndexBatcher.ReadRequest> batch = new ArrayList<>();
        List<ReadIndexBatcher.ReadRequest> leaseBatch = new ArrayList<>();
        for (ReadIndexBatcher.ReadRequest r : rs) {
            switch (r.consistency()) {
                case STALE -> r.future().complete(null);
                case LEASE -> {
                    if (core.hasLease()) {
                        appliedWaiters.await(core.commitIndex(), r.future());
                    } else if (core.role() == Role.LEADER) {
                        leaseBatch.add(r);
                    } else {
                        r.future().completeExceptionally(new NotLeaderException(groupId, node.nodeId(), core.leader()));
                    }
                }
                case LINEARIZABLE -> {
                    if (core.role() == Role.LEADER) {
                        batch.add(r);
                    } else {
                        r.future().completeExceptionally(new NotLeaderException(groupId, node.nodeId(), core.leader()));
                    }
                }
                case FOLLOWER -> batch.add(r);
            }
        }
        long now = worker.tickNow();
        if (!batch.isEmpty()) {
            core.readIndex(reads.open(batch, now, now + config.requestTimeoutTicks(), false), false);
        }
        if (!leaseBatch.isEmpty()) {
            core.readIndex(reads.open(leaseBatch, now, now + config.requestTimeoutTicks(), true), true);
        }
    }

    /** Ticks the core {@code n} times and runs the timers of pending requests. Not while quiesced. */
    void tick(int n, long nowTick) {
        for (int i = 0; i < n; i++) {
            core.tick();
        }
        node.counters().groupTicks.add(n);
        expireRequests(nowTick);
        idleTicks = leaderIdle() ? idleTicks + n : 0;
    }

    // ------------------------------------------------------------------ worker: quiescence

    boolean isQuiesced() {
        return quiesced;
    }

    long quiescedLeader() {
        return quiescedLeader;
    }

    /**
     * Whether this member leads and has nothing to do: every member caught up with the whole log
     * and replicating, everything committed, no request of ours pending, no transfer running.
     */
    private boolean leaderIdle() {
        if (core.role() != Role.LEADER || core.leadTransferee() != RaftCore.NONE) {
            return false;
        }
        long last = core.lastIndex();
        if (core.commitIndex() != last || !pending.isEmpty() || !pendingConfChanges.isEmpty()
                || !pendingTransfers.isEmpty() || !reads.isEmpty() || !proposals.isEmpty() || !inbox.isEmpty()) {
            return false;
        }
        ConfState cs = core.confState();
        return allCaughtUp(cs.voters(), last) && allCaughtUp(cs.learners(), last);
    }

    private boolean allCaughtUp(List<Long> members, long last) {
        for (long m : members) {
            if (m == node.nodeId()) {
                continue;
            }
            Progress p = core.progress(m);
            if (p == null || p.match() != last || p.state() != ProgressState.REPLICATE) {
                return false;
            }
        }
        return true;
    }

    /**
     * Leader, idle for {@code quiesceAfterIdleTicks}: tells every member to stop ticking (a
     * heartbeat marked {@link #QUIESCE_CONTEXT}, which also carries the commit index) and stops
     * ticking itself. Its lease is expired: it is measured in ticks, which stop now.
     */
    private void quiesceAsLeader() {
        core.expireLease();
        ConfState cs = core.confState();
        List<Long> members = new ArrayList<>(cs.voters());
        members.addAll(cs.learners());
        for (long peer : members) {
            if (peer != node.nodeId()) {
                send(Message.of(MessageType.HEARTBEAT).from(node.nodeId()).to(peer).term(core.term())
                        .commit(core.commitIndex()).context(QUIESCE_CONTEXT).build());
            }
        }
        quiesced = true;
        quiescedLeader = node.nodeId();
        node.counters().quiesced.increment();
    }

    /** Follower, told by its leader to quiesce: does so only if it holds the whole log, committed. */
    private void maybeQuiesceAsFollower(Message m) {
        if (config.quiesceAfterIdleTicks() > 0 && core.role() == Role.FOLLOWER && core.leader() == m.from()
                && core.term() == m.term() && core.commitIndex() == m.commit() && core.lastIndex() == m.commit()
                && pending.isEmpty() && reads.isEmpty() && proposals.isEmpty() && node.liveness().isLive(m.from())) {
            quiesced = true;
            quiescedLeader = m.from();
            node.counters().quiesced.increment();
            publishStatus();
        }
    }

    /** Starts ticking again (any input but the quiesce heartbeat does this, or the leader's node dying). */
    void wake() {
        if (!quiesced) {
            return;
        }
        quiesced = false;
        idleTicks = 0;
        if (core.role() == Role.LEADER) {
            core.expireLease(); // also after waking: no lease from before the pause
        }
        node.counters().woken.increment();
        publishStatus();
    }

    private void expireRequests(long now) {
        if (!pending.isEmpty()) {
            for (Iterator<PendingProposal> it = pending.values().iterator(); it.hasNext(); ) {
                PendingProposal p = it.next();
                if (now >= p.deadlineTick) {
                    it.remove();
                    p.future.completeExceptionally(new ProposalOutcomeUnknownException(
                            "group " + groupId + ": no commit within the request timeout " + config.requestTimeout()));
                }
            }
        }
        if (!pendingTransfers.isEmpty()) {
            for (Iterator<PendingTransfer> it = pendingTransfers.iterator(); it.hasNext(); ) {
                PendingTransfer t = it.next();
                if (now >= t.deadlineTick) {
                    it.remove();
                    t.future.completeExceptionally(new RaftTimeoutException("group " + groupId
                            + ": leadership did not move to node " + t.target + " within " + config.requestTimeout()));
                }
            }
        }
        if (!pendingConfChanges.isEmpty()) {
            for (Iterator<PendingConfChange> it = pendingConfChanges.values().iterator(); it.hasNext(); ) {
                PendingConfChange c = it.next();
                if (now >= c.deadlineTick) {
                    it.remove();
                    c.future.completeExceptionally(new ProposalOutcomeUnknownException("group " + groupId
                            + ": membership change not committed within " + config.requestTimeout()));
                }
            }
        }
        long retry = core.options().electionTimeoutTicks();
        for (ReadIndexBatcher.Batch b : reads.due(now, retry)) {
            if (now >= b.deadlineTick) {
                reads.drop(b);
                RaftTimeoutException why = new RaftTimeoutException("group " + groupId
                        + ": no read index within the request timeout " + config.requestTimeout());
                for (ReadIndexBatcher.ReadRequest r : b.reads) {
                    r.future().completeExceptionally(why);
                }
            } else {
                core.readIndex(reads.reissue(b, now), b.allowLease);
            }
        }
    }

    // ------------------------------------------------------------------ worker: control actions

    void proposeConfChange(ConfChange cc, CompletableFuture<ConfState> f) {
        if (core.role() != Role.LEADER) {
            f.completeExceptionally(new NotLeaderException(groupId, node.nodeId(), core.leader()));
            return;
        }
        try {
            core.proposeConfChange(cc);
        } catch (ProposalDroppedException e) {
            f.completeExceptionally(e);
            return;
        }
        pendingConfChanges.put(core.lastIndex(),
                new PendingConfChange(f, core.term(), worker.tickNow() + config.requestTimeoutTicks()));
    }

    void transferLeadership(long target, CompletableFuture<Void> f) {
        if (core.leader() == target) {
            f.complete(null);
            return;
        }
        if (core.role() != Role.LEADER) {
            f.completeExceptionally(new NotLeaderException(groupId, node.nodeId(), core.leader()));
            return;
        }
        core.transferLeadership(target);
        pendingTransfers.add(new PendingTransfer(target, f, worker.tickNow() + config.requestTimeoutTicks()));
    }

    /** Tells a leader that {@code peer} is unreachable, if it is a member; returns whether it did. */
    boolean reportUnreachable(long peer) {
        if (closed || core.role() != Role.LEADER || !core.confState().isMember(peer)) {
            return false;
        }
        core.reportUnreachable(peer);
        return true;
    }

    void reportSnapshot(long peer, boolean delivered) {
        snapshotsInFlight.computeIfPresent(peer, (p, f) -> f.count > 1 ? new InFlight(f.count - 1, f.sentAtTick) : null);
        core.reportSnapshot(peer, delivered);
    }

    /** SNAPSHOT messages accepted by the transport and not reported on yet, and when the last left. */
    private record InFlight(int count, long sentAtTick) {
    }

    /** By peer; worker thread only. */
    private final Map<Long, InFlight> snapshotsInFlight = new HashMap<>();

    /** Members sent a snapshot that have not caught up with the log since (worker thread only). */
    private final java.util.Set<Long> catchingUp = new java.util.HashSet<>();

    /**
     * A report the transport lost (an in-memory transport drops one when its own inbox is full)
     * must not hold compaction back for ever: after this many election timeouts without a
     * report, the transfer is taken as over. Generous: the Netty transport reports every
     * transfer, failing one that makes no progress for 10 s.
     */
    private static final int SNAPSHOT_REPORT_WAIT_ELECTION_TIMEOUTS = 100;

    /**
     * Apply thread asks: record a state machine snapshot at {@code index} and compact the log.
     * While this leader is sending a snapshot to a follower, compaction waits: the follower needs
     * the entries after the snapshot it receives, and compacting them away would send it
     * another snapshot when this one lands — an endless loop if transfers are slower than
     * compactions (PITFALLS #10). The deferred request is carried out after a later round.
     */
    void compact(long index, byte[] data) {
        if (closed || index <= storage.snapshot().index() || index > storage.lastIndex()) {
            deferredCompaction = null;
            return; // a newer snapshot arrived meanwhile, or the log moved on
        }
        if (sendingSnapshot()) {
            deferredCompaction = new DeferredCompaction(index, data); // the newest request wins
            return;
        }
        deferredCompaction = null;
        long previous = storage.snapshot().index();
        storage.createSnapshot(index, membership.at(index), data);
        if (files != null) {
            // the previous snapshot's record is durable (entries were committed and synced since):
            // keep it and this one, drop older ones
            retainFileSnapshots(previous);
        }
        membership.forgetBefore(index);
        node.counters().snapshotsCreated.increment();
    }

    /** Whether {@code s} is one of this group's file-backed snapshots (its data, a manifest). */
    private boolean isFileSnapshot(Snapshot s) {
        return files != null && s != null && SnapshotManifest.isManifest(s.data());
    }

    /** Deletes file snapshots below {@code keepIndex} and below any received one not yet restored. */
    private void retainFileSnapshots(long keepIndex) {
        Long pendingRestore = restoresPending.peek();
        long keep = pendingRestore == null ? keepIndex : Math.min(keepIndex, pendingRestore);
        try {
            files.retainFrom(groupId, keep);
        } catch (RuntimeException e) {
            // only disk space is at stake: the next compaction tries again
            node.log().log(System.Logger.Level.WARNING, "group " + groupId + " on node " + node.nodeId()
                    + ": cannot delete old file snapshots: " + e);
        }
    }

    /** A compaction held back while a follower receives a snapshot (worker thread only). */
    private record DeferredCompaction(long index, byte[] data) {
    }

    private DeferredCompaction deferredCompaction;

    /**
     * Whether some member is being sent a snapshot or catching up after one: the transport has
     * not reported on one yet, or (as leader) the core still waits for one, or a member that
     * received one has not caught up with the commit index since. The transport's view counts
     * because the core gives up waiting after an election timeout while a large transfer may go
     * on; the catch-up counts because compacting the entries right after the snapshot would
     * send the member another one.
     */
    private boolean sendingSnapshot() {
        if (!snapshotsInFlight.isEmpty()) {
            long waitTicks = (long) SNAPSHOT_REPORT_WAIT_ELECTION_TIMEOUTS * core.options().electionTimeoutTicks();
            snapshotsInFlight.values().removeIf(f -> worker.tickNow() - f.sentAtTick > waitTicks);
            if (!snapshotsInFlight.isEmpty()) {
                return true;
            }
        }
        if (core.role() != Role.LEADER) {
            catchingUp.clear();
            return false;
        }
        // a member that got a snapshot still needs the log after it until it has caught up;
        // one that stopped answering no longer holds compaction back
        catchingUp.removeIf(peer -> {
            Progress pr = core.progress(peer);
            return pr == null || pr.match() >= core.commitIndex()
                    || (!pr.recentActive() && pr.state() != ProgressState.SNAPSHOT);
        });
        if (!catchingUp.isEmpty()) {
            return true;
        }
        ConfState cs = core.confState();
        for (long peer : cs.voters()) {
            Progress pr = core.progress(peer);
            if (pr != null && pr.state() == ProgressState.SNAPSHOT) {
                return true;
            }
        }
        for (long peer : cs.learners()) {
            Progress pr = core.progress(peer);
            if (pr != null && pr.state() == ProgressState.SNAPSHOT) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ worker: Ready

    /**
     * Before the core builds a Ready: how many committed bytes it may hand over, so that the
     * apply stage never holds more than {@code maxApplyBacklogBytes} (plus one entry).
     */
    void budgetCommittedEntries() {
        // flag first, backlog second (the apply thread does the reverse): whichever way they
        // interleave, a full backlog is either seen draining here or reported by the apply thread
        applyHeldBack.set(true);
        long room = config.maxApplyBacklogBytes() - applyBacklogBytes.get();
        if (room > 0) {
            applyHeldBack.set(false);
            core.limitCommittedEntries(room);
        } else {
            core.limitCommittedEntries(0);
        }
    }

    long applyBacklogBytes() {
        return applyBacklogBytes.get();
    }

    /** Step 1: messages that may leave before the writes. */
    void sendEarly(Ready rd) {
        for (Message m : rd.messages()) {
            send(m);
        }
    }

    /** Step 2: this group's writes; the worker syncs the store once for all its groups. */
    void persist(Ready rd) {
        if (rd.snapshot() != null) {
            if (isFileSnapshot(rd.snapshot())) {
                files.promote(groupId, rd.snapshot().index()); // the directory first: the log must never name a missing one
            }
            storage.applySnapshot(rd.snapshot());
        }
        storage.append(rd.entries());
        if (rd.hardState() != null) {
            storage.setHardState(rd.hardState());
        }
    }

    /** Step 3: messages promising what was just made durable. */
    void sendAfterPersist(Ready rd) {
        for (Message m : rd.messagesAfterPersist()) {
            send(m);
        }
    }

    private void send(Message m) {
        if (m.type() == MessageType.SNAPSHOT && isFileSnapshot(m.snapshot())) {
            // the transport streams the files from this node's directory of that snapshot
            Snapshot s = m.snapshot();
            LocatedFileSnapshot loc = new LocatedFileSnapshot(files.directory(groupId, s.index()), false,
                    SnapshotManifest.decode(s.data(), "group " + groupId + " snapshot " + s.index()));
            m = m.toBuilder().snapshot(new Snapshot(s.index(), s.term(), s.confState(), loc.encode())).build();
        }
        if (node.transport().send(m.to(), groupId, m)) {
            node.counters().messagesSent.increment();
            if (m.type() == MessageType.SNAPSHOT) {
                catchingUp.add(m.to());
                InFlight f = snapshotsInFlight.get(m.to());
                snapshotsInFlight.put(m.to(), new InFlight(f == null ? 1 : f.count + 1, worker.tickNow()));
            }
        } else {
            node.counters().messagesDropped.increment();
            if (m.type() == MessageType.SNAPSHOT) {
                // the transport reports only snapshots it accepted: tell the core now, next round
                long to = m.to();
                post(() -> core.reportSnapshot(to, false));
            }
        }
    }

    /** Step 4: hands committed entries (and any snapshot) to the apply stage; answers read states. */
    void handOver(Ready rd) {
        if (rd.snapshot() != null) {
            if (isFileSnapshot(rd.snapshot())) {
                // the log's record of it is durable now (handed over after the sync): older
                // directories can go, but for received ones still waiting to be restored
                restoresPending.add(rd.snapshot().index());
                retainFileSnapshots(rd.snapshot().index());
            }
            membership.reset(rd.snapshot().index(), rd.snapshot().confState());
            node.liveness().watch(rd.snapshot().confState(), System.nanoTime());
            node.counters().snapshotsInstalled.increment();
        }
        List<Entry> committed = rd.committedEntries();
        if (rd.snapshot() != null || !committed.isEmpty()) {
            long bytes = 0;
            for (Entry e : committed) {
                bytes += e.data().length;
            }
            applyBacklogBytes.addAndGet(bytes);
            ApplyBatch batch = new ApplyBatch(this, rd.snapshot(), committed, bytes);
            for (int i = 0; i < committed.size(); i++) {
                Entry e = committed.get(i);
                if (e.type() == EntryType.CONF_CHANGE) {
                    ConfState after = membership.apply(e.index(), ConfChange.decode(e.data()));
                    node.liveness().watch(after, System.nanoTime());
                    PendingConfChange pc = pendingConfChanges.remove(e.index());
                    batch.membership(i, after, pc != null && pc.term == e.term() ? pc.future : null);
                    if (pc != null && pc.term != e.term()) {
                        pc.future.completeExceptionally(new ProposalOutcomeUnknownException(
                                "group " + groupId + ": the membership change's entry was replaced by another leader"));
                    }
                } else if (e.data().length > 0 && ProposalHeader.proposer(e.data()) == node.nodeId()) {
                    PendingProposal p = pending.remove(ProposalHeader.proposalId(e.data()));
                    if (p != null) {
                        batch.reply(i, p.future);
                    }
                }
            }
            applyQueue.submit(batch);
        }
        for (ReadState rs : rd.readStates()) {
            ReadIndexBatcher.Batch b = reads.answered(rs.context());
            if (b == null) {
                continue;
            }
            long applied = appliedWaiters.applied();
            for (ReadIndexBatcher.ReadRequest r : b.reads) {
                if (r.consistency() == ReadConsistency.FOLLOWER && core.role() != Role.LEADER
                        && rs.index() - applied > config.followerReadMaxLagEntries()) {
                    r.future().completeExceptionally(new FollowerLaggingException(groupId, node.nodeId(),
                            core.leader(), applied, rs.index(), config.followerReadMaxLagEntries()));
                } else {
                    appliedWaiters.await(rs.index(), r.future());
                }
            }
        }
    }

    /**
     * After a round: notices leadership changes, settles what they decide, quiesces an idle
     * leader once {@code settled} (it had no Ready this round), publishes status.
     */
    void afterRound(boolean settled) {
        Role role = core.role();
        long term = core.term();
        if (term != lastTerm || role != lastRole) {
            onLeadershipChange(lastRole, role);
            lastTerm = term;
            lastRole = role;
        }
        if (!pendingTransfers.isEmpty()) {
            for (Iterator<PendingTransfer> it = pendingTransfers.iterator(); it.hasNext(); ) {
                PendingTransfer t = it.next();
                if (core.leader() == t.target) {
                    it.remove();
                    t.future.complete(null);
                }
            }
        }
        if (deferredCompaction != null && !sendingSnapshot()) {
            compact(deferredCompaction.index(), deferredCompaction.data());
        }
        int k = config.quiesceAfterIdleTicks();
        if (settled && !quiesced && k > 0 && idleTicks >= k && leaderIdle()) {
            quiesceAsLeader();
        }
        publishStatus();
    }

    private void onLeadershipChange(Role before, Role now) {
        long term = core.term();
        boolean leader = now == Role.LEADER;
        if (!pending.isEmpty()) {
            for (Iterator<PendingProposal> it = pending.values().iterator(); it.hasNext(); ) {
                PendingProposal p = it.next();
                // a leader's own proposal is lost with its leadership; a forwarded one with the term
                if (p.term != term || (!leader && !p.forwarded)) {
                    it.remove();
                    p.future.completeExceptionally(new ProposalOutcomeUnknownException("group " + groupId
                            + ": leadership changed (term " + p.term + " -> " + term + ", role " + now + ")"));
                }
            }
        }
        if (!pendingConfChanges.isEmpty()) {
            for (Iterator<PendingConfChange> it = pendingConfChanges.values().iterator(); it.hasNext(); ) {
                PendingConfChange c = it.next();
                if (c.term != term || !leader) {
                    it.remove();
                    c.future.completeExceptionally(new ProposalOutcomeUnknownException("group " + groupId
                            + ": leadership changed before the membership change was known committed"));
                }
            }
        }
        if (before == Role.LEADER && !leader) {
            // the core forgets a deposed leader's pending ReadIndex requests
            for (ReadIndexBatcher.Batch b : reads.takeAll()) {
                List<ReadIndexBatcher.ReadRequest> again = new ArrayList<>();
                NotLeaderException why = new NotLeaderException(groupId, node.nodeId(), core.leader());
                for (ReadIndexBatcher.ReadRequest r : b.reads) {
                    if (r.consistency() == ReadConsistency.FOLLOWER) {
                        again.add(r);
                    } else {
                        r.future().completeExceptionally(why);
                    }
                }
                if (!again.isEmpty()) {
                    // asked again of the new leader at the next retry (the core is between Readies only
                    // after advance, so a new request waits for the retry timer)
                    reads.open(again, worker.tickNow() - core.options().electionTimeoutTicks(), b.deadlineTick, false);
                }
            }
        }
    }

    private void publishStatus() {
        status = new GroupStatus(groupId, node.nodeId(), core.role(), core.term(), core.leader(), core.commitIndex(),
                0, core.lastIndex(), quiesced);
        publishMembership();
    }

    /**
     * Publishes the committed membership, the commit index and, on the leader, every member's
     * match index (voters and learners, this node included); a new object only when one changed.
     */
    private void publishMembership() {
        ConfState cs = core.confState();
        boolean leader = core.role() == Role.LEADER;
        GroupMembership last = publishedMembership;
        if (last != null && last.commitIndex() == core.commitIndex() && last.confState().equals(cs)
                && sameMatches(last.matchIndex(), cs, leader)) {
            return;
        }
        Map<Long, Long> match = Map.of();
        if (leader) {
            Map<Long, Long> now = new java.util.TreeMap<>();
            for (List<Long> ids : List.of(cs.voters(), cs.learners())) {
                for (long id : ids) {
                    Progress pr = core.progress(id);
                    if (pr != null) {
                        now.put(id, pr.match());
                    }
                }
            }
            match = java.util.Collections.unmodifiableMap(now);
        }
        publishedMembership = new GroupMembership(cs, core.commitIndex(), match);
    }

    private boolean sameMatches(Map<Long, Long> published, ConfState cs, boolean leader) {
        if (!leader) {
            return published.isEmpty();
        }
        if (published.size() != cs.voters().size() + cs.learners().size()) {
            return false;
        }
        for (List<Long> ids : List.of(cs.voters(), cs.learners())) {
            for (long id : ids) {
                Progress pr = core.progress(id);
                Long before = published.get(id);
                if (pr == null || before == null || before != pr.match()) {
                    return false;
                }
            }
        }
        return true;
    }

    GroupMembership membership() {
        return publishedMembership;
    }

    // ------------------------------------------------------------------ apply thread

    long appliedOnApplyThread() {
        return appliedOnApplyThread;
    }

    void appliedBySnapshot(long index) {
        appliedOnApplyThread = index;
        lastSnapshotIndex = index;
    }

    /**
     * Apply thread: {@code count} entries of {@code bytes} handled up to {@code applied}; wakes
     * reads and a worker that held entries back, compacts now and then.
     */
    void appliedOnApplyThread(long applied, int count, long bytes) {
        appliedOnApplyThread = applied;
        appliedWaiters.advanceTo(applied);
        node.counters().entriesApplied.add(count);
        long left = applyBacklogBytes.addAndGet(-bytes);
        if (left <= config.maxApplyBacklogBytes() / 2 && applyHeldBack.compareAndSet(true, false)) {
            post(() -> { }); // the worker builds the next Ready with room for what it held back
        }
        long every = config.snapshotEveryEntries();
        if (every > 0 && applied - lastSnapshotIndex >= every) {
            lastSnapshotIndex = applied;
            byte[] data;
            try {
                data = files == null ? stateMachine.snapshot() : snapshotToFiles(applied);
            } catch (RuntimeException e) {
                // taking a snapshot does not change the state: skip this compaction, keep the
                // log, and try again after another snapshotEveryEntries (the member stays up)
                node.log().log(System.Logger.Level.WARNING, "group " + groupId + " on node " + node.nodeId()
                        + ": the snapshot at index " + applied + " failed, so the log is not compacted this time: " + e, e);
                return;
            }
            post(() -> compact(applied, data));
        }
    }

    /**
     * Apply thread: has the machine write its state into a new directory, seals it as the file
     * snapshot at {@code applied} and returns its manifest (the snapshot's data). A failure
     * leaves no directory behind.
     */
    private byte[] snapshotToFiles(long applied) {
        Path tmp = files.newTempDirectory(groupId);
        try {
            stateMachine.snapshotTo(tmp);
            return files.seal(groupId, tmp, applied).encode();
        } catch (RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
    }

    private static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | RuntimeException e) {
            // a leftover temporary directory is removed when the store next opens
        }
    }

    /** Apply thread: restores the machine from a snapshot the core installed. */
    void restoreOnApplyThread(Snapshot s) {
        if (isFileSnapshot(s)) {
            stateMachine.restoreFrom(files.directory(groupId, s.index()), s);
            restoresPending.remove(s.index());
        } else {
            stateMachine.restore(s);
        }
    }

    /**
     * Apply thread: the state machine threw outside a command (restore, snapshot, membership) or
     * the log held an entry it cannot decode. Its state is unknown, so this member stops; the
     * rest of the node carries on.
     */
    private void applyFailed(Throwable t) {
        node.log().log(System.Logger.Level.ERROR, "group " + groupId + " on node " + node.nodeId()
                + ": applying failed; the member stops", t);
        node.groupFailed(this, t);
    }

    // ------------------------------------------------------------------ stop

    /**
     * Worker: fails everything pending with {@code why}; later requests fail at once. With
     * {@code wakePeers} (this member stops while its node stays up) the other members are told to
     * wake, so that they elect a leader without it if it led.
     */
    void close(RaftGroupClosedException why, boolean wakePeers) {
        if (wakePeers && !closed) {
            ConfState cs = core.confState();
            List<Long> members = new ArrayList<>(cs.voters());
            members.addAll(cs.learners());
            for (long peer : members) {
                if (peer != node.nodeId()) {
                    send(Message.of(MessageType.HEARTBEAT_RESPONSE).from(node.nodeId()).to(peer).term(core.term())
                            .context(WAKE_CONTEXT).build());
                }
            }
        }
        closed = true;
        for (PendingProposal p : pending.values()) {
            p.future.completeExceptionally(why);
        }
        pending.clear();
        for (PendingConfChange c : pendingConfChanges.values()) {
            c.future.completeExceptionally(why);
        }
        pendingConfChanges.clear();
        for (PendingTransfer t : pendingTransfers) {
            t.future.completeExceptionally(why);
        }
        pendingTransfers.clear();
        for (ReadIndexBatcher.Batch b : reads.takeAll()) {
            for (ReadIndexBatcher.ReadRequest r : b.reads) {
                r.future().completeExceptionally(why);
            }
        }
        List<ProposalQueue.Proposal> props = new ArrayList<>();
        proposals.drainTo(props, Integer.MAX_VALUE);
        for (ProposalQueue.Proposal p : props) {
            p.future().completeExceptionally(why);
        }
        List<ReadIndexBatcher.ReadRequest> rs = new ArrayList<>();
        reads.drainTo(rs, Integer.MAX_VALUE);
        for (ReadIndexBatcher.ReadRequest r : rs) {
            r.future().completeExceptionally(why);
        }
        applyQueue.close();
        appliedWaiters.close(why);
        inbox.clear();
    }
}
