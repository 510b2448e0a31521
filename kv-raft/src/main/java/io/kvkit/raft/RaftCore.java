package io.kvkit.raft;

import io.kvkit.raft.quorum.VoteResult;
import io.kvkit.raft.storage.InitialState;
import io.kvkit.raft.storage.LogCompactedException;
import io.kvkit.raft.storage.LogUnavailableException;
import io.kvkit.raft.storage.RaftLogStorage;
import io.kvkit.raft.tracker.Progress;
import io.kvkit.raft.tracker.ProgressState;
import io.kvkit.raft.tracker.ProgressTracker;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * One member of one Raft group, as a pure, single-threaded, deterministic state machine.
 *
 * <p>Inputs: {@link #tick()}, {@link #step(Message)}, {@link #propose(byte[])},
 * {@link #proposeConfChange(ConfChange)}, {@link #readIndex(long)},
 * {@link #transferLeadership(long)}, {@link #campaign()}, and the transport's reports
 * ({@link #reportUnreachable(long)}, {@link #reportSnapshot(long, boolean)}). Output: a
 * {@link Ready} from {@link #ready()} that the host carries out and confirms with
 * {@link #advance(Ready)}. No input may be given between {@code ready()} and {@code advance()}.
 * The contract is in the package documentation.
 */
public final class RaftCore {
    /** "No node": no leader known, no vote cast. */
    public static final long NONE = 0;
    /** VOTE context marking an election forced by leadership transfer (it bypasses leases). */
    static final long CAMPAIGN_TRANSFER = 1;

    private enum CampaignType { PRE_ELECTION, ELECTION, TRANSFER }

    private final RaftOptions opts;
    private final long id;
    private final RaftLog log;
    private final ProgressTracker trk;
    private final Random random;
    private ReadIndexQueue reads = new ReadIndexQueue();
    /** Mutation testing only: rules switched off. Empty in production. */
    final Set<SafetyRule> disabledRules = EnumSet.noneOf(SafetyRule.class);

    private long term;
    private long vote;
    private long lead;
    private Role role = Role.FOLLOWER;
    private boolean learner;
    private long leadTransferee = NONE;
    private long pendingConfIndex;
    private long uncommittedBytes;
    private boolean leaseRevoked;
    /** Host-set bound on committed entry bytes per Ready (see {@link #limitCommittedEntries}). */
    private long committedEntriesBudgetBytes = Long.MAX_VALUE;

    private int electionElapsed;
    private int heartbeatElapsed;
    private int randomizedElectionTimeout;
    /** Ticks since this core was created; the leader's lease clock. */
    private long tickCount;

    private List<Message> msgs = new ArrayList<>();
    private List<Message> msgsAfterPersist = new ArrayList<>();
    private List<ReadState> readStates = new ArrayList<>();
    private final List<Message> pendingReadIndexMessages = new ArrayList<>();
    private boolean appendBroadcastPending;

    private HardState prevHardState;
    private SoftState prevSoftState;
    private Ready outstanding;

    /**
     * Creates the core from durable state.
     *
     * @param opts         settings
     * @param storage      the durable log; a brand-new group member is bootstrapped through
     *                     {@code storage} (see {@code MemoryRaftLogStorage.bootstrap}) or starts empty
     *                     and waits to receive a snapshot from a leader
     * @param appliedIndex the index the host's state machine has durably applied (0 if it keeps
     *                     nothing across restarts and is rebuilt from the snapshot)
     */
    public RaftCore(RaftOptions opts, RaftLogStorage storage, long appliedIndex) {
        this.opts = opts;
        this.id = opts.nodeId();
        this.random = new Random(opts.randomSeed());
        InitialState init = storage.initialState();
        HardState hs = init.hardState();
        this.log = new RaftLog(storage, appliedIndex, hs.commit());
        this.trk = new ProgressTracker(opts.maxInflightMessages(), opts.maxInflightBytes());
        ConfState cs = init.confState();
        // conf changes between the snapshot and the applied index were applied before the
        // restart: replay them so that membership matches the state machine.
        long from = storage.firstIndex();
        long to = log.applied();
        if (to >= from) {
            for (Entry e : log.entries(from, to + 1, Long.MAX_VALUE)) {
                if (e.type() == EntryType.CONF_CHANGE) {
                    cs = ConfChange.decode(e.data()).applyTo(cs);
                }
            }
        }
        trk.setConfig(cs, log.lastIndex() + 1);
        this.learner = cs.learners().contains(id);
        this.term = hs.term();
        this.vote = hs.vote();
        becomeFollower(term, NONE);
        this.prevHardState = hardState();
        this.prevSoftState = softState();
    }

    // ------------------------------------------------------------------ queries

    public long id() { return id; }
    public long term() { return term; }
    public long vote() { return vote; }
    public long leader() { return lead; }
    public Role role() { return role; }
    public long commitIndex() { return log.committed(); }
    public long appliedIndex() { return log.applied(); }
    public long lastIndex() { return log.lastIndex(); }
    public long firstIndex() { return log.firstIndex(); }
    public long leadTransferee() { return leadTransferee; }
    public boolean isLearner() { return learner; }
    public RaftOptions options() { return opts; }

    public HardState hardState() {
        return new HardState(term, vote, log.committed());
    }

    public SoftState softState() {
        return new SoftState(lead, role);
    }

    /** Membership as of the applied index. */
    public ConfState confState() {
        return trk.confState();
    }

    /** Term of the entry at {@code index}, or 0 if it is compacted or past the end. */
    public long termAt(long index) {
        return log.termOrZero(index);
    }

    /** Entries in [lo, hi) of this node's log (durable and unstable), for inspection and tests. */
    public List<Entry> logEntries(long lo, long hi) {
        return log.entries(lo, hi, Long.MAX_VALUE);
    }

    /** The leader's view of every member; empty map on non-leaders. */
    public Map<Long, String> progressSummary() {
        Map<Long, String> out = new java.util.TreeMap<>();
        if (role == Role.LEADER) {
            trk.progress().forEach((k, v) -> out.put(k, v.toString()));
        }
        return out;
    }

    /** Progress of member {@code peer} as seen by this leader, or null. */
    public Progress progress(long peer) {
        return role == Role.LEADER ? trk.progress().get(peer) : null;
    }

    /** Whether this leader holds a read lease right now (LEASE_BASED mode only). */
    public boolean hasLease() {
        return role == Role.LEADER && opts.readOnlyMode() == ReadOnlyMode.LEASE_BASED && !leaseRevoked
                && leadTransferee == NONE && committedEntryInCurrentTerm()
                && reads.leaseStartTick() != Long.MIN_VALUE
                && tickCount < reads.leaseStartTick() + (disabledRules.contains(SafetyRule.LEASE_SHORTER_THAN_ELECTION_TIMEOUT)
                        ? 2L * opts.electionTimeoutTicks() : opts.leaseTicks());
    }

    // ------------------------------------------------------------------ inputs

    /** Advances logical time by one tick. */
    public void tick() {
        checkNoOutstandingReady();
        tickCount++;
        if (role == Role.LEADER) {
            tickHeartbeat();
        } else {
            tickElection();
        }
    }

    /** Feeds a message received from a peer (or a local message). */
    public void step(Message m) {
        checkNoOutstandingReady();
        stepInternal(m);
    }

    /** Proposes one command. */
    public void propose(byte[] data) {
        proposeAll(List.of(data));
    }

    /**
     * Proposes several commands as consecutive entries in one step (they will also travel in as
     * few APPEND messages as the size limit allows).
     *
     * @throws ProposalDroppedException if this node cannot take the proposal (no leader known,
     *                                  leadership transfer in progress, size limit, ...)
     */
    public void proposeAll(List<byte[]> commands) {
        checkNoOutstandingReady();
        List<Entry> ents = new ArrayList<>(commands.size());
        for (byte[] c : commands) {
            ents.add(Entry.normal(0, 0, c));
        }
        String reason = stepInternal(Message.of(MessageType.PROPOSE).from(id).entries(ents).build());
        if (reason != null) {
            throw new ProposalDroppedException(reason);
        }
    }

    /**
     * Proposes a membership change. Only the leader accepts one, only after it has committed an
     * entry of its term, and only when no earlier change is still unapplied.
     */
    public void proposeConfChange(ConfChange cc) {
        checkNoOutstandingReady();
        Entry e = new Entry(0, 0, EntryType.CONF_CHANGE, cc.encode());
        String reason = stepInternal(Message.of(MessageType.PROPOSE).from(id).entries(List.of(e)).build());
        if (reason != null) {
            throw new ProposalDroppedException(reason);
        }
    }

    /**
     * Asks for a read index. The answer arrives as a {@link ReadState} with the same context in a
     * later Ready (on a follower: after a round trip to the leader). Contexts must be unique among
     * this node's outstanding requests. A request may be dropped (no leader, leader change); the
     * host retries after a timeout.
     */
    public void readIndex(long context) {
        readIndex(context, true);
    }

    /**
     * {@link #readIndex(long)}, choosing whether a leader holding a lease (LEASE_BASED mode) may
     * answer from it; with {@code allowLease = false} the leader always confirms with a heartbeat
     * round, so the answer assumes nothing about clocks. The choice travels with a request a
     * follower forwards.
     */
    public void readIndex(long context, boolean allowLease) {
        checkNoOutstandingReady();
        stepInternal(Message.of(MessageType.READ_INDEX).from(id).context(context).reject(!allowLease).build());
    }

    /** Starts an election now (as if the election timeout had elapsed). */
    public void campaign() {
        checkNoOutstandingReady();
        stepInternal(Message.of(MessageType.LOCAL_HUP).from(id).build());
    }

    /** Asks the leader to hand leadership to {@code transferee}. */
    public void transferLeadership(long transferee) {
        checkNoOutstandingReady();
        stepInternal(Message.of(MessageType.TRANSFER_LEADER).from(transferee).to(id).build());
    }

    /**
     * Host hook: forgets this leader's read lease, and acknowledgements of heartbeat rounds
     * already sent can no longer restore it; the next lease read needs a new round. For hosts that
     * stop ticking a group for a while (quiescence): the lease is measured in this node's ticks,
     * which did not run meanwhile, so a lease from before the pause would outlive it. ReadIndex
     * requests are unaffected. Does nothing on a follower.
     */
    public void expireLease() {
        checkNoOutstandingReady();
        reads.expireLease();
    }

    /**
     * Host hook: the next Readies carry committed entries of at most {@code maxBytes} (at least
     * one entry if {@code maxBytes > 0}; none if 0), on top of
     * {@link RaftOptions#maxCommittedBytesPerReady()}. For hosts that apply asynchronously and
     * bound the entries handed over but not yet applied: everything else (replication,
     * persistence, votes) flows as usual, and the entries, committed and durable, are handed out
     * once the budget allows. {@code Long.MAX_VALUE} removes the bound.
     */
    public void limitCommittedEntries(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("committed entries budget must be >= 0 bytes, got " + maxBytes);
        }
        committedEntriesBudgetBytes = maxBytes;
    }

    public void reportUnreachable(long peer) {
        checkNoOutstandingReady();
        stepInternal(Message.of(MessageType.UNREACHABLE).from(peer).to(id).build());
    }

    public void reportSnapshot(long peer, boolean success) {
        checkNoOutstandingReady();
        stepInternal(Message.of(MessageType.SNAPSHOT_STATUS).from(peer).to(id).reject(!success).build());
    }

    // ------------------------------------------------------------------ ready / advance

    public boolean hasReady() {
        if (outstanding != null) {
            return false;
        }
        flushPending();
        return !softState().equals(prevSoftState) || !hardState().equals(prevHardState)
                || log.hasUnstableEntries() || log.unstableSnapshot() != null
                || (committedEntriesBudgetBytes > 0 && log.hasNextCommittedEntries()) || !msgs.isEmpty() || !msgsAfterPersist.isEmpty()
                || !readStates.isEmpty();
    }

    /** The next batch of work. Call {@link #advance(Ready)} once it has been carried out. */
    public Ready ready() {
        checkNoOutstandingReady();
        flushPending();
        SoftState ss = softState();
        HardState hs = hardState();
        Ready rd = new Ready(ss.equals(prevSoftState) ? null : ss, hs.equals(prevHardState) ? null : hs,
                readStates, log.unstableEntries(), log.unstableSnapshot(),
                committedEntriesBudgetBytes == 0 ? List.of()
                        : log.nextCommittedEntries(Math.min(opts.maxCommittedBytesPerReady(), committedEntriesBudgetBytes)),
                msgs, msgsAfterPersist);
        assert committedAreDurable(rd) : "committed entries must be durable before they are handed out";
        msgs = new ArrayList<>();
        msgsAfterPersist = new ArrayList<>();
        readStates = new ArrayList<>();
        outstanding = rd;
        return rd;
    }

    /**
     * Confirms that {@code rd} was carried out: persisted, sent, applied. Applies the membership
     * changes among its committed entries.
     */
    public void advance(Ready rd) {
        if (rd != outstanding) {
            throw new IllegalStateException("advance() must be given the Ready last returned by ready()");
        }
        outstanding = null;
        if (rd.softState() != null) {
            prevSoftState = rd.softState();
        }
        if (rd.hardState() != null) {
            prevHardState = rd.hardState();
        }
        if (rd.snapshot() != null) {
            log.stableSnapshot();
            log.snapshotApplied(rd.snapshot().index());
        }
        if (!rd.entries().isEmpty()) {
            log.stableEntries();
        }
        if (!rd.committedEntries().isEmpty()) {
            long sz = 0;
            for (Entry e : rd.committedEntries()) {
                sz += e.data().length;
                if (e.type() == EntryType.CONF_CHANGE) {
                    applyConfChange(ConfChange.decode(e.data()));
                }
            }
            log.appliedTo(rd.committedEntries().getLast().index());
            if (role == Role.LEADER) {
                uncommittedBytes = Math.max(0, uncommittedBytes - sz);
            }
        }
        if (role == Role.LEADER) {
            // the leader acknowledges its own entries only once they are durable
            Progress self = trk.progress().get(id);
            if (self != null && self.maybeUpdate(log.lastStableIndex()) && maybeCommit()) {
                releasePendingReadIndexMessages();
                appendBroadcastPending = true;
            }
        }
    }

    private boolean committedAreDurable(Ready rd) {
        if (rd.committedEntries().isEmpty()) {
            return true;
        }
        long last = rd.committedEntries().getLast().index();
        return last <= log.lastStableIndex() && last <= log.committed();
    }

    private void checkNoOutstandingReady() {
        if (outstanding != null) {
            throw new IllegalStateException("a Ready is outstanding: carry it out and call advance() before giving the core new input");
        }
    }

    /** Sends what was batched since the last Ready: new entries and heartbeat rounds for reads. */
    private void flushPending() {
        if (role != Role.LEADER) {
            appendBroadcastPending = false;
            return;
        }
        if (appendBroadcastPending) {
            appendBroadcastPending = false;
            bcastAppend();
        }
        if (reads.roundRequested()) {
            bcastHeartbeat();
        }
    }

    // ------------------------------------------------------------------ role changes

    private void reset(long newTerm) {
        if (term != newTerm) {
            term = newTerm;
            vote = NONE;
            leaseRevoked = false;
        }
        lead = NONE;
        electionElapsed = 0;
        heartbeatElapsed = 0;
        randomizedElectionTimeout = opts.electionTimeoutTicks() + random.nextInt(opts.electionTimeoutTicks());
        abortLeaderTransfer();
        trk.resetVotes();
        long last = log.lastIndex();
        for (Map.Entry<Long, Progress> e : trk.progress().entrySet()) {
            Progress fresh = trk.newProgress(last + 1, e.getValue().learner());
            if (e.getKey() == id) {
                fresh.maybeUpdate(log.lastStableIndex());
            }
            e.setValue(fresh);
        }
        pendingConfIndex = 0;
        uncommittedBytes = 0;
        pendingReadIndexMessages.clear();
        appendBroadcastPending = false;
    }

    private void becomeFollower(long newTerm, long leader) {
        reset(newTerm);
        role = Role.FOLLOWER;
        lead = leader;
    }

    private void becomePreCandidate() {
        if (role == Role.LEADER) {
            throw new IllegalStateException("invalid transition leader -> pre-candidate");
        }
        // Only the vote tally is reset: the term and vote stay until the pre-election is won.
        // Forgetting the leader makes this node grant pre-votes to others (etcd#8334).
        trk.resetVotes();
        role = Role.PRE_CANDIDATE;
        lead = NONE;
    }

    private void becomeCandidate() {
        if (role == Role.LEADER) {
            throw new IllegalStateException("invalid transition leader -> candidate");
        }
        reset(term + 1);
        vote = id;
        role = Role.CANDIDATE;
    }

    private void becomeLeader() {
        if (role == Role.FOLLOWER) {
            throw new IllegalStateException("invalid transition follower -> leader");
        }
        reset(term);
        lead = id;
        role = Role.LEADER;
        // a new leadership starts without pending reads, heartbeat rounds or lease
        reads = new ReadIndexQueue();
        Progress self = trk.progress().get(id);
        self.becomeReplicate();
        self.setRecentActive(true);
        // Conservatively treat the whole log as possibly holding an unapplied conf change.
        pendingConfIndex = log.lastIndex();
        // The no-op entry of this term: committing it commits everything before it and
        // unlocks ReadIndex, leases and membership changes.
        appendEntries(new ArrayList<>(List.of(Entry.normal(0, 0, new byte[0]))));
    }

    // ------------------------------------------------------------------ ticks

    private void tickElection() {
        electionElapsed++;
        if (promotable() && electionElapsed >= randomizedElectionTimeout) {
            electionElapsed = 0;
            stepInternal(Message.of(MessageType.LOCAL_HUP).from(id).build());
        }
    }

    private void tickHeartbeat() {
        heartbeatElapsed++;
        electionElapsed++;
        if (electionElapsed >= opts.electionTimeoutTicks()) {
            electionElapsed = 0;
            if (opts.checkQuorum()) {
                stepInternal(Message.of(MessageType.LOCAL_CHECK_QUORUM).from(id).build());
            }
            if (role == Role.LEADER && leadTransferee != NONE) {
                abortLeaderTransfer();
            }
        }
        if (role != Role.LEADER) {
            return;
        }
        if (heartbeatElapsed >= opts.heartbeatIntervalTicks()) {
            heartbeatElapsed = 0;
            stepInternal(Message.of(MessageType.LOCAL_BEAT).from(id).build());
        }
    }

    private boolean promotable() {
        Progress p = trk.progress().get(id);
        return p != null && !p.learner() && trk.isVoter(id) && log.unstableSnapshot() == null;
    }

    /** Whether this node still honours a leader's lease and so refuses to help elect another. */
    private boolean inLease() {
        if (!opts.checkQuorum()) {
            return false;
        }
        if (lead != NONE && electionElapsed < opts.electionTimeoutTicks()) {
            return true;
        }
        // A restarted node forgot whom it acknowledged: under lease reads it must sit out one
        // election timeout before helping a new leader, or a live lease could be broken.
        return opts.readOnlyMode() == ReadOnlyMode.LEASE_BASED && tickCount < opts.electionTimeoutTicks()
                && !disabledRules.contains(SafetyRule.LEASE_RESTART_GUARD);
    }

    // ------------------------------------------------------------------ step

    /** Returns null if the message was handled, else why it was dropped. */
    private String stepInternal(Message m) {
        if (m.term() == 0) {
            // local message or proposal/read forwarded without term
        } else if (m.term() > term) {
            if (m.type() == MessageType.VOTE || m.type() == MessageType.PRE_VOTE) {
                boolean force = m.context() == CAMPAIGN_TRANSFER;
                if (!force && inLease()) {
                    return "vote ignored: in lease of leader " + lead;
                }
            }
            if (m.type() == MessageType.PRE_VOTE) {
                // never change term in response to a pre-vote
            } else if (m.type() == MessageType.PRE_VOTE_RESPONSE && !m.reject()) {
                // the term is bumped when the pre-election is won
            } else if (m.type() == MessageType.APPEND || m.type() == MessageType.HEARTBEAT
                    || m.type() == MessageType.SNAPSHOT) {
                becomeFollower(m.term(), m.from());
            } else if (m.type() == MessageType.VOTE) {
                // Adopt the term but keep the election timer running: only a leader's message or
                // a granted vote resets it (Raft §5.2). Otherwise candidates with stale logs that
                // keep campaigning could hold back, forever, the nodes that could win.
                int elapsed = electionElapsed;
                int timeout = randomizedElectionTimeout;
                becomeFollower(m.term(), NONE);
                electionElapsed = elapsed;
                randomizedElectionTimeout = timeout;
            } else {
                becomeFollower(m.term(), NONE);
            }
        } else if (m.term() < term) {
            if ((opts.checkQuorum() || opts.preVote())
                    && (m.type() == MessageType.HEARTBEAT || m.type() == MessageType.APPEND)) {
                // A stale leader (e.g. partitioned) learns the newer term from this answer and
                // steps down; without it, a node whose term ran ahead behind a partition could
                // never rejoin when pre-vote keeps others' terms stable.
                send(Message.of(MessageType.APPEND_RESPONSE).to(m.from()).build());
            } else if (m.type() == MessageType.PRE_VOTE) {
                send(Message.of(MessageType.PRE_VOTE_RESPONSE).to(m.from()).term(term).reject(true).build());
            }
            return "stale term " + m.term() + " < " + term;
        }

        switch (m.type()) {
            case LOCAL_HUP -> {
                if (role == Role.LEADER) {
                    return "already leader";
                }
                if (!promotable()) {
                    return "not promotable";
                }
                if (hasUnappliedConfChanges()) {
                    return "unapplied conf change";
                }
                campaign(opts.preVote() ? CampaignType.PRE_ELECTION : CampaignType.ELECTION);
                return null;
            }
            case VOTE, PRE_VOTE -> {
                handleVote(m);
                return null;
            }
            default -> {
                return switch (role) {
                    case LEADER -> stepLeader(m);
                    case CANDIDATE, PRE_CANDIDATE -> stepCandidate(m);
                    case FOLLOWER -> stepFollower(m);
                };
            }
        }
    }

    private void handleVote(Message m) {
        boolean pre = m.type() == MessageType.PRE_VOTE;
        boolean canVote = vote == m.from()
                || (vote == NONE && lead == NONE)
                || (pre && m.term() > term)
                || disabledRules.contains(SafetyRule.ONE_VOTE_PER_TERM);
        boolean upToDate = log.isUpToDate(m.index(), m.logTerm())
                || disabledRules.contains(SafetyRule.VOTE_REQUIRES_UP_TO_DATE_LOG);
        MessageType resp = pre ? MessageType.PRE_VOTE_RESPONSE : MessageType.VOTE_RESPONSE;
        if (canVote && upToDate) {
            // answer with the candidate's term so that it counts the vote
            send(Message.of(resp).to(m.from()).term(m.term()).build());
            if (!pre) {
                electionElapsed = 0;
                vote = m.from();
            }
        } else {
            send(Message.of(resp).to(m.from()).term(term).reject(true).build());
        }
    }

    private void campaign(CampaignType t) {
        long voteTerm;
        MessageType voteMsg;
        if (t == CampaignType.PRE_ELECTION) {
            becomePreCandidate();
            voteMsg = MessageType.PRE_VOTE;
            voteTerm = term + 1;
        } else {
            becomeCandidate();
            voteMsg = MessageType.VOTE;
            voteTerm = term;
        }
        trk.recordVote(id, true);
        if (trk.tallyVotes() == VoteResult.WON) {
            // single-voter group
            if (t == CampaignType.PRE_ELECTION) {
                campaign(CampaignType.ELECTION);
            } else {
                becomeLeader();
            }
            return;
        }
        long li = log.lastIndex();
        long lt = log.lastTerm();
        for (long v : trk.voters().allVoters()) {
            if (v == id) {
                continue;
            }
            send(Message.of(voteMsg).to(v).term(voteTerm).index(li).logTerm(lt)
                    .context(t == CampaignType.TRANSFER ? CAMPAIGN_TRANSFER : 0).build());
        }
    }

    private boolean hasUnappliedConfChanges() {
        if (log.applied() >= log.committed()) {
            return false;
        }
        long lo = log.applied() + 1;
        long hi = Math.min(log.committed(), log.lastIndex()) + 1;
        try {
            for (Entry e : log.entries(lo, hi, Long.MAX_VALUE)) {
                if (e.type() == EntryType.CONF_CHANGE) {
                    return true;
                }
            }
        } catch (LogCompactedException e) {
            return true; // a snapshot is being installed: do not campaign now
        }
        return false;
    }

    // ------------------------------------------------------------------ leader

    private String stepLeader(Message m) {
        switch (m.type()) {
            case LOCAL_BEAT -> {
                bcastHeartbeat();
                return null;
            }
            case LOCAL_CHECK_QUORUM -> {
                if (!trk.quorumActive(id)) {
                    becomeFollower(term, NONE);
                }
                for (Map.Entry<Long, Progress> e : trk.progress().entrySet()) {
                    if (e.getKey() != id) {
                        e.getValue().setRecentActive(false);
                    }
                }
                return null;
            }
            case PROPOSE -> {
                return leaderPropose(m);
            }
            case READ_INDEX -> {
                if (!committedEntryInCurrentTerm()
                        && !disabledRules.contains(SafetyRule.READ_INDEX_AFTER_FIRST_COMMIT)) {
                    // Its commit index may be behind the cluster's until its no-op commits.
                    pendingReadIndexMessages.add(m);
                    return null;
                }
                answerReadIndex(m);
                return null;
            }
            default -> {
            }
        }
        Progress pr = trk.progress().get(m.from());
        if (pr == null) {
            return "no progress for " + m.from();
        }
        switch (m.type()) {
            case APPEND_RESPONSE -> handleAppendResponse(m, pr);
            case HEARTBEAT_RESPONSE -> handleHeartbeatResponse(m, pr);
            case SNAPSHOT_STATUS -> {
                if (pr.state() != ProgressState.SNAPSHOT) {
                    return null;
                }
                // Success or not, probe again from the snapshot (or the old match) once the next
                // heartbeat response or append response shows the follower's state.
                pr.becomeProbe();
                pr.setAppendFlowPaused(true);
            }
            case UNREACHABLE -> {
                // the pipeline is likely broken: fall back to probing
                if (pr.state() == ProgressState.REPLICATE) {
                    pr.becomeProbe();
                }
            }
            case TRANSFER_LEADER -> {
                long transferee = m.from();
                if (pr.learner()) {
                    return "cannot transfer leadership to learner " + transferee;
                }
                if (leadTransferee != NONE) {
                    if (leadTransferee == transferee) {
                        return null;
                    }
                    abortLeaderTransfer();
                }
                if (transferee == id) {
                    return "already leader";
                }
                // the transfer must finish within one election timeout
                electionElapsed = 0;
                leadTransferee = transferee;
                if (pr.match() == log.lastIndex()) {
                    sendTimeoutNow(transferee);
                } else {
                    maybeSendAppend(transferee, true);
                }
            }
            default -> {
                return "unexpected " + m.type() + " at leader";
            }
        }
        return null;
    }

    private String leaderPropose(Message m) {
        if (m.entries().isEmpty()) {
            throw new IllegalArgumentException("proposal without entries");
        }
        if (!trk.progress().containsKey(id)) {
            return "this node was removed from the group";
        }
        if (leadTransferee != NONE) {
            return "leadership transfer to " + leadTransferee + " in progress";
        }
        List<Entry> ents = new ArrayList<>(m.entries());
        for (int i = 0; i < ents.size(); i++) {
            Entry e = ents.get(i);
            if (e.type() != EntryType.CONF_CHANGE) {
                continue;
            }
            String refuse = null;
            ConfChange cc = ConfChange.decode(e.data());
            if (!committedEntryInCurrentTerm()) {
                refuse = "conf change refused: the leader has not committed an entry of its term yet";
            } else if (pendingConfIndex > log.applied()) {
                refuse = "conf change refused: conf change at index " + pendingConfIndex + " is not applied yet";
            } else {
                try {
                    cc.applyTo(trk.confState());
                } catch (IllegalArgumentException ex) {
                    refuse = "conf change refused: " + ex.getMessage();
                }
            }
            if (refuse != null) {
                if (ents.size() == 1) {
                    return refuse;
                }
                ents.set(i, Entry.normal(0, 0, new byte[0]));
            } else {
                pendingConfIndex = log.lastIndex() + i + 1;
            }
        }
        if (!appendEntries(ents)) {
            return "too many uncommitted bytes (limit " + opts.maxUncommittedEntriesBytes() + ")";
        }
        return null;
    }

    /** Leader: appends to its own log; replication follows when the Ready is built. */
    private boolean appendEntries(List<Entry> ents) {
        long li = log.lastIndex();
        long size = 0;
        for (Entry e : ents) {
            size += e.data().length;
        }
        if (opts.maxUncommittedEntriesBytes() > 0 && uncommittedBytes > 0 && size > 0
                && uncommittedBytes + size > opts.maxUncommittedEntriesBytes()) {
            return false;
        }
        uncommittedBytes += size;
        List<Entry> stamped = new ArrayList<>(ents.size());
        for (int i = 0; i < ents.size(); i++) {
            stamped.add(ents.get(i).withTermAndIndex(term, li + 1 + i));
        }
        log.append(stamped);
        // replication is sent when the Ready is built, so that proposals made in the same
        // cycle share APPEND messages; the leader's own ack follows its durable write (advance)
        appendBroadcastPending = true;
        return true;
    }

    private boolean committedEntryInCurrentTerm() {
        return log.termOrZero(log.committed()) == term;
    }

    private boolean maybeCommit() {
        boolean anyTerm = disabledRules.contains(SafetyRule.COMMIT_ONLY_CURRENT_TERM);
        return log.maybeCommit(trk.committed(), term, anyTerm);
    }

    private void releasePendingReadIndexMessages() {
        if (pendingReadIndexMessages.isEmpty() || !committedEntryInCurrentTerm()) {
            return;
        }
        List<Message> pending = new ArrayList<>(pendingReadIndexMessages);
        pendingReadIndexMessages.clear();
        for (Message m : pending) {
            answerReadIndex(m);
        }
    }

    private void answerReadIndex(Message m) {
        if (trk.voters().allVoters().size() == 1 && trk.isVoter(id)) {
            respondRead(m.from(), m.context(), log.committed());
            return;
        }
        if (!m.reject() && hasLease()) { // reject = the requester wants no clock assumption
            respondRead(m.from(), m.context(), log.committed());
            return;
        }
        reads.add(log.committed(), m.from(), m.context());
    }

    private void respondRead(long from, long context, long index) {
        if (from == NONE || from == id) {
            readStates.add(new ReadState(index, context));
        } else {
            send(Message.of(MessageType.READ_INDEX_RESPONSE).to(from).index(index).context(context).build());
        }
    }

    private void handleAppendResponse(Message m, Progress pr) {
        pr.setRecentActive(true);
        if (m.reject()) {
            long nextProbe = m.rejectHint();
            if (m.logTerm() > 0) {
                // skip the follower's whole conflicting term in one step
                nextProbe = log.findConflictByTerm(m.rejectHint(), m.logTerm())[0];
            }
            if (pr.maybeDecrTo(m.index(), nextProbe)) {
                if (pr.state() == ProgressState.REPLICATE) {
                    pr.becomeProbe();
                }
                maybeSendAppend(m.from(), true);
            }
            return;
        }
        boolean oldPaused = pr.isPaused();
        if (!pr.maybeUpdate(m.index()) && !(pr.match() == m.index() && pr.state() == ProgressState.PROBE)) {
            return;
        }
        switch (pr.state()) {
            case PROBE -> pr.becomeReplicate();
            case SNAPSHOT -> {
                if (pr.match() + 1 >= log.firstIndex()) {
                    pr.becomeProbe();
                    pr.becomeReplicate();
                }
            }
            case REPLICATE -> pr.inflights().freeLE(m.index());
        }
        if (maybeCommit()) {
            releasePendingReadIndexMessages();
            bcastAppend();
        } else if (oldPaused) {
            maybeSendAppend(m.from(), true);
        }
        // keep the pipeline full
        while (maybeSendAppend(m.from(), false)) {
            // loop bounded by the inflights window
        }
        if (m.from() == leadTransferee && pr.match() == log.lastIndex()) {
            sendTimeoutNow(m.from());
        }
    }

    private void handleHeartbeatResponse(Message m, Progress pr) {
        pr.setRecentActive(true);
        pr.setAppendFlowPaused(false);
        if (pr.state() == ProgressState.SNAPSHOT
                && tickCount - pr.snapshotSentAtTick() >= opts.electionTimeoutTicks()) {
            // no word on the snapshot for an election timeout: presume it lost and probe again
            pr.becomeProbe();
        }
        if (pr.match() < log.lastIndex() || pr.state() == ProgressState.PROBE) {
            maybeSendAppend(m.from(), true);
        }
        if (m.context() > 0) {
            reads.ack(m.from(), m.context());
            for (ReadIndexQueue.Pending p : reads.confirmed(trk.voters(), id)) {
                respondRead(p.from(), p.context(), p.index());
            }
        }
    }

    private void sendTimeoutNow(long to) {
        // From here on the target may win an election that ignores leases.
        leaseRevoked = true;
        send(Message.of(MessageType.TIMEOUT_NOW).to(to).build());
    }

    private void abortLeaderTransfer() {
        leadTransferee = NONE;
    }

    private void bcastAppend() {
        for (Map.Entry<Long, Progress> e : trk.progress().entrySet()) {
            long peer = e.getKey();
            if (peer != id && maybeSendAppend(peer, true)) {
                // pipeline: keep sending while the follower's window has room
                while (e.getValue().state() == ProgressState.REPLICATE && maybeSendAppend(peer, false)) {
                    // bounded by the inflights window
                }
            }
        }
    }

    private void bcastHeartbeat() {
        long r = reads.startRound(tickCount);
        for (Map.Entry<Long, Progress> e : trk.progress().entrySet()) {
            if (e.getKey() == id) {
                continue;
            }
            // never tell a follower a commit index past what it is known to hold
            long commit = Math.min(e.getValue().match(), log.committed());
            send(Message.of(MessageType.HEARTBEAT).to(e.getKey()).commit(commit).context(r).build());
        }
        if (trk.voters().allVoters().size() == 1) {
            for (ReadIndexQueue.Pending p : reads.confirmed(trk.voters(), id)) {
                respondRead(p.from(), p.context(), p.index());
            }
        }
    }

    /**
     * Sends an APPEND (or a SNAPSHOT when the entries are compacted) to {@code to} if its
     * progress allows. Returns whether a message was sent.
     */
    private boolean maybeSendAppend(long to, boolean sendIfEmpty) {
        Progress pr = trk.progress().get(to);
        if (pr == null || pr.isPaused()) {
            return false;
        }
        long prevIndex = pr.next() - 1;
        long prevTerm;
        List<Entry> ents = List.of();
        try {
            prevTerm = log.term(prevIndex);
            if (pr.state() != ProgressState.REPLICATE || !pr.inflights().full()) {
                ents = log.entries(pr.next(), log.lastIndex() + 1, opts.maxMessageBytes());
            }
        } catch (LogCompactedException e) {
            return sendSnapshot(to, pr);
        } catch (LogUnavailableException e) {
            throw new IllegalStateException("progress of " + to + " is past the leader's log: " + pr, e);
        }
        if (ents.isEmpty() && !sendIfEmpty) {
            return false;
        }
        long bytes = 0;
        for (Entry e : ents) {
            bytes += e.sizeBytes();
        }
        send(Message.of(MessageType.APPEND).to(to).index(prevIndex).logTerm(prevTerm).entries(ents)
                .commit(log.committed()).build());
        pr.sentEntries(ents.size(), bytes);
        return true;
    }

    private boolean sendSnapshot(long to, Progress pr) {
        if (!pr.recentActive()) {
            return false; // do not ship a snapshot to a node that is probably down
        }
        Snapshot s = log.storage().snapshot();
        if (s.isEmpty()) {
            throw new IllegalStateException("log is compacted but storage has no snapshot");
        }
        pr.becomeSnapshot(s.index(), tickCount);
        send(Message.of(MessageType.SNAPSHOT).to(to).snapshot(s).build());
        return true;
    }

    // ------------------------------------------------------------------ candidate

    private String stepCandidate(Message m) {
        MessageType myVoteResp = role == Role.PRE_CANDIDATE ? MessageType.PRE_VOTE_RESPONSE : MessageType.VOTE_RESPONSE;
        switch (m.type()) {
            case PROPOSE -> {
                return "no leader (election in progress)";
            }
            case APPEND -> {
                becomeFollower(m.term(), m.from());
                handleAppendEntries(m);
            }
            case HEARTBEAT -> {
                becomeFollower(m.term(), m.from());
                handleHeartbeat(m);
            }
            case SNAPSHOT -> {
                becomeFollower(m.term(), m.from());
                handleSnapshot(m);
            }
            case VOTE_RESPONSE, PRE_VOTE_RESPONSE -> {
                if (m.type() != myVoteResp) {
                    return "stale vote response";
                }
                trk.recordVote(m.from(), !m.reject());
                switch (trk.tallyVotes()) {
                    case WON -> {
                        if (role == Role.PRE_CANDIDATE) {
                            campaign(CampaignType.ELECTION);
                        } else {
                            becomeLeader();
                            bcastAppend();
                            appendBroadcastPending = false;
                        }
                    }
                    case LOST -> becomeFollower(term, NONE);
                    case PENDING -> {
                    }
                }
            }
            case TIMEOUT_NOW -> {
                return "candidate ignores TIMEOUT_NOW";
            }
            case READ_INDEX -> {
                return "no leader (election in progress)";
            }
            default -> {
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ follower

    private String stepFollower(Message m) {
        switch (m.type()) {
            case PROPOSE -> {
                if (lead == NONE) {
                    return "no leader known";
                }
                if (opts.disableProposalForwarding()) {
                    return "proposal forwarding is disabled; the leader is " + lead;
                }
                send(m.toBuilder().to(lead).term(0).build());
            }
            case APPEND -> {
                electionElapsed = 0;
                lead = m.from();
                handleAppendEntries(m);
            }
            case HEARTBEAT -> {
                electionElapsed = 0;
                lead = m.from();
                handleHeartbeat(m);
            }
            case SNAPSHOT -> {
                electionElapsed = 0;
                lead = m.from();
                handleSnapshot(m);
            }
            case TRANSFER_LEADER -> {
                if (lead == NONE) {
                    return "no leader to transfer leadership";
                }
                send(m.toBuilder().to(lead).term(0).build());
            }
            case TIMEOUT_NOW -> {
                if (!promotable()) {
                    return "not promotable";
                }
                // a transfer skips the pre-vote: the leader asked for it
                campaign(CampaignType.TRANSFER);
            }
            case READ_INDEX -> {
                if (lead == NONE) {
                    return "no leader known";
                }
                send(m.toBuilder().to(lead).term(0).build());
            }
            case READ_INDEX_RESPONSE -> readStates.add(new ReadState(m.index(), m.context()));
            default -> {
            }
        }
        return null;
    }

    private void handleAppendEntries(Message m) {
        if (m.index() < log.committed()) {
            send(Message.of(MessageType.APPEND_RESPONSE).to(m.from()).index(log.committed()).build());
            return;
        }
        long lastNew = log.maybeAppend(m.index(), m.logTerm(), m.commit(), m.entries());
        if (lastNew >= 0) {
            send(Message.of(MessageType.APPEND_RESPONSE).to(m.from()).index(lastNew).build());
            return;
        }
        // Reject with a hint: the last index ≤ the probed one whose term is ≤ the leader's term
        // there. The leader then skips a whole diverging term per round trip.
        long hintIndex = Math.min(m.index(), log.lastIndex());
        long[] hint = log.findConflictByTerm(hintIndex, m.logTerm());
        send(Message.of(MessageType.APPEND_RESPONSE).to(m.from()).index(m.index()).reject(true)
                .rejectHint(hint[0]).logTerm(hint[1]).build());
    }

    private void handleHeartbeat(Message m) {
        log.commitTo(Math.min(m.commit(), log.lastIndex()));
        send(Message.of(MessageType.HEARTBEAT_RESPONSE).to(m.from()).context(m.context()).build());
    }

    private void handleSnapshot(Message m) {
        Snapshot s = m.snapshot();
        if (restore(s)) {
            send(Message.of(MessageType.APPEND_RESPONSE).to(m.from()).index(log.lastIndex()).build());
        } else {
            send(Message.of(MessageType.APPEND_RESPONSE).to(m.from()).index(log.committed()).build());
        }
    }

    private boolean restore(Snapshot s) {
        if (s.index() <= log.committed()) {
            return false;
        }
        if (role != Role.FOLLOWER) {
            becomeFollower(term + 1, NONE);
            return false;
        }
        // A snapshot may predate the change that added this node: it is installed anyway, and
        // the node learns of its membership from the entries that follow.
        if (log.matchTerm(s.index(), s.term())) {
            // we already have the entries: fast-forward the commit index only
            log.commitTo(s.index());
            return false;
        }
        log.restore(s);
        trk.setConfig(s.confState(), log.lastIndex() + 1);
        learner = s.confState().learners().contains(id);
        return true;
    }

    // ------------------------------------------------------------------ membership

    private void applyConfChange(ConfChange cc) {
        ConfState next;
        try {
            next = cc.applyTo(trk.confState());
        } catch (IllegalArgumentException e) {
            // refused at proposal time by the leader that proposed it; a committed invalid change
            // (possible only across leaders with different views) is a no-op
            return;
        }
        trk.setConfig(next, log.lastIndex() + 1);
        learner = next.learners().contains(id);
        if (role != Role.LEADER) {
            return;
        }
        if (!next.isMember(id) || learner) {
            if (opts.stepDownOnRemoval()) {
                stepDownAfterRemoval();
            }
            return;
        }
        if (leadTransferee != NONE && !trk.isVoter(leadTransferee)) {
            abortLeaderTransfer();
        }
        // the quorum may have changed: commit what it now allows and tell followers
        if (maybeCommit()) {
            releasePendingReadIndexMessages();
        }
        appendBroadcastPending = true;
    }

    private void stepDownAfterRemoval() {
        long best = NONE;
        long bestMatch = -1;
        for (Map.Entry<Long, Progress> e : trk.progress().entrySet()) {
            if (e.getKey() != id && trk.isVoter(e.getKey()) && e.getValue().match() > bestMatch) {
                best = e.getKey();
                bestMatch = e.getValue().match();
            }
        }
        boolean handOver = best != NONE && bestMatch == log.lastIndex();
        long lastTerm = term;
        becomeFollower(lastTerm, NONE);
        if (handOver) {
            // the most up-to-date remaining voter campaigns at once instead of after a timeout
            send(Message.of(MessageType.TIMEOUT_NOW).to(best).build());
        }
    }

    // ------------------------------------------------------------------ output

    private void send(Message m) {
        Message.Builder b = m.toBuilder().from(id);
        MessageType t = m.type();
        if (t == MessageType.VOTE || t == MessageType.VOTE_RESPONSE || t == MessageType.PRE_VOTE
                || t == MessageType.PRE_VOTE_RESPONSE) {
            if (m.term() == 0) {
                throw new IllegalStateException("vote message without term: " + m);
            }
        } else if (t != MessageType.PROPOSE && t != MessageType.READ_INDEX && t != MessageType.TRANSFER_LEADER) {
            b.term(term);
        }
        Message out = b.build();
        if (requiresPersistence(t)) {
            msgsAfterPersist.add(out);
        } else {
            msgs.add(out);
        }
    }

    /**
     * Messages that promise durable state: a vote (the term and vote), a vote request (the
     * candidate's own vote), and acknowledgements of appends and heartbeats (the entries and term).
     */
    static boolean requiresPersistence(MessageType t) {
        return switch (t) {
            case VOTE, VOTE_RESPONSE, APPEND_RESPONSE, HEARTBEAT_RESPONSE -> true;
            default -> false;
        };
    }

    @Override
    public String toString() {
        return "RaftCore{id=" + id + " " + role + " term=" + term + " vote=" + vote + " lead=" + lead
                + " commit=" + log.committed() + " applied=" + log.applied() + " last=" + log.lastIndex() + "}";
    }
}
