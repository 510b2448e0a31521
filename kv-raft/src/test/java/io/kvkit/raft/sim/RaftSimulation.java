package io.kvkit.raft.sim;

import io.kvkit.raft.ConfChange;
import io.kvkit.raft.ConfState;
import io.kvkit.raft.Entry;
import io.kvkit.raft.EntryType;
import io.kvkit.raft.HardState;
import io.kvkit.raft.Message;
import io.kvkit.raft.MessageType;
import io.kvkit.raft.ProposalDroppedException;
import io.kvkit.raft.RaftCore;
import io.kvkit.raft.RaftOptions;
import io.kvkit.raft.ReadOnlyMode;
import io.kvkit.raft.ReadState;
import io.kvkit.raft.Ready;
import io.kvkit.raft.Role;
import io.kvkit.raft.Snapshot;
import io.kvkit.raft.TestHooks;
import io.kvkit.raft.storage.MemoryRaftLogStorage;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * Deterministic simulation of one Raft group: every node, the network, the clocks and the
 * clients run in one thread from one seed. The network drops, delays, reorders and duplicates
 * messages and is partitioned in arbitrary ways (splits, isolation, bridges, one-way cuts);
 * nodes crash (also between sending and persisting a Ready, losing what they had not
 * persisted), restart, pause and resume with catch-up ticks; clocks drift by up to ±2%;
 * membership changes while all this happens.
 *
 * <p>After every event the safety properties are checked (election safety, log matching,
 * leader completeness, state machine safety); at the end, the client history of the replicated
 * key-value registers is checked for linearizability, and the group must have a leader again
 * once the faults stop. Any violation throws {@link SimulationFailure} naming the seed; the same
 * seed reproduces the same run exactly.
 */
public final class RaftSimulation {

    /** A safety or liveness violation, with the seed that reproduces it. */
    public static final class SimulationFailure extends RuntimeException {
        final long seed;

        SimulationFailure(long seed, String what, String trace) {
            super("seed " + seed + ": " + what + "\n--- last events ---\n" + trace, null, false, false);
            this.seed = seed;
        }

        public long seed() {
            return seed;
        }
    }

    /** What a run did, for the soak report. */
    public record Outcome(long seed, long events, int committedOps, int reads, int leaders, int crashes,
                          int partitions, int confChanges, long maxTerm, boolean lease, boolean preVote,
                          boolean checkQuorum, boolean linearizabilityTimedOut) {
    }

    // ----------------------------------------------------------------- settings drawn from the seed
    private static final int NODES = 5;
    private static final int ELECTION_TICKS = 10;
    private static final long CLIENT_TIMEOUT = 3_000;

    private final long seed;
    private final Random rng;
    private final Set<String> disabledRules;
    private final long chaosUntil;
    private final long endAt;
    private final boolean preVote;
    private final boolean checkQuorum;
    private final boolean lease;
    private final double dropRate;
    private final double dupRate;
    private final double midReadyCrashRate;
    private final int snapshotEvery;
    private final int maxMessageBytes;
    private final int faultIntervalUnits;
    /** Adversarial mode: leaders are cut off soon after they win or right after they acknowledge a write. */
    private final boolean leaderChurn;

    // ----------------------------------------------------------------- world state
    private final PriorityQueue<Ev> queue = new PriorityQueue<>();
    private long now;
    private long seq;
    private long events;
    private final SimNode[] nodes = new SimNode[NODES + 1];
    private final boolean[][] blocked = new boolean[NODES + 1][NODES + 1];
    private final Client[] clients;
    private final List<Operation> history = new ArrayList<>();
    private long nextRequestId = 1;
    private final Set<Long> everMember = new TreeSet<>();
    private final ArrayDeque<String> trace = new ArrayDeque<>();
    private static final int TRACE_LINES = 400;

    // ----------------------------------------------------------------- invariant state
    private final Map<Long, Long> leaderOfTerm = new HashMap<>();
    /** (index, term) seen in any persisted log -> {data hash, term of the previous entry}. */
    private final Map<Long, Map<Long, long[]>> entryFacts = new HashMap<>();
    /** index -> {term, data hash} of the entry applied there by anyone. */
    private final Map<Long, long[]> appliedAt = new HashMap<>();
    private long maxApplied;
    /** index -> lowest term of a leader that committed it (a leader commits only in its own term). */
    private final Map<Long, Long> commitTerm = new HashMap<>();

    // ----------------------------------------------------------------- statistics
    private int okOps;
    private int okReads;
    private int crashes;
    private int partitions;
    private int confChanges;
    private long maxTerm;

    public RaftSimulation(long seed, Set<String> disabledRules) {
        this.seed = seed;
        this.rng = new Random(seed);
        this.disabledRules = disabledRules;
        this.lease = rng.nextInt(3) == 0;
        this.checkQuorum = lease || rng.nextBoolean();
        this.preVote = rng.nextBoolean();
        this.dropRate = rng.nextDouble() * 0.12;
        this.dupRate = rng.nextDouble() * 0.04;
        this.midReadyCrashRate = rng.nextDouble() * 0.002;
        this.snapshotEvery = 10 + rng.nextInt(40);
        this.maxMessageBytes = 30 + rng.nextInt(300);
        this.faultIntervalUnits = 200 + rng.nextInt(2_000);
        this.leaderChurn = rng.nextBoolean();
        // lease runs get more clients: stale lease reads need a read to land at a deposed leader
        this.clients = new Client[lease ? 6 : 4];
        this.chaosUntil = 30_000 + rng.nextInt(15_000);
        this.endAt = chaosUntil + 15_000;
    }

    // ----------------------------------------------------------------- nodes and clients

    private final class SimNode {
        final long id;
        final long period;
        MemoryRaftLogStorage storage;
        RaftCore core;
        KvStateMachine sm;
        boolean up;
        boolean retired;
        int incarnation;
        long pausedUntil;
        Role lastRole = Role.FOLLOWER;
        long leaderCommitSeen;
        long lastCommit;
        final Map<Long, Long> writes = new HashMap<>();      // request id -> client
        final Map<Long, Long> readCtx = new HashMap<>();     // read ctx -> client
        final List<long[]> readWaits = new ArrayList<>();    // {read index, ctx}

        SimNode(long id, long period, MemoryRaftLogStorage storage) {
            this.id = id;
            this.period = period;
            this.storage = storage;
        }

        void start() {
            incarnation++;
            up = true;
            sm = new KvStateMachine();
            Snapshot snap = storage.snapshot();
            sm.restore(snap);
            RaftOptions o = RaftOptions.defaults(id)
                    .withElectionTimeoutTicks(ELECTION_TICKS)
                    .withHeartbeatIntervalTicks(2)
                    .withPreVote(preVote)
                    .withCheckQuorum(checkQuorum)
                    .withReadOnlyMode(lease ? ReadOnlyMode.LEASE_BASED : ReadOnlyMode.SAFE)
                    .withMaxMessageBytes(maxMessageBytes)
                    .withMaxInflightMessages(4)
                    .withMaxInflightBytes(1_000)
                    .withMaxCommittedBytesPerReady(400)
                    .withRandomSeed(seed * 31 + id * 1_000_003L + incarnation);
            core = new RaftCore(o, storage, snap.index());
            TestHooks.disable(core, disabledRules);
            lastRole = core.role();
            lastCommit = core.commitIndex();
            writes.clear();
            readCtx.clear();
            readWaits.clear();
            schedule(now + 1 + rng.nextInt((int) period), Kind.TICK, id, incarnation, null, 0);
        }

        void crash() {
            up = false;
            core = null;
            sm = null;
            writes.clear();
            readCtx.clear();
            readWaits.clear();
        }

        boolean paused() {
            return now < pausedUntil;
        }
    }

    private static final class Client {
        final int id;
        long requestId;   // 0 = idle
        boolean put;
        String key;
        String value;
        long invoked;

        Client(int id) {
            this.id = id;
        }
    }

    // ----------------------------------------------------------------- events

    private enum Kind { TICK, CATCHUP_TICK, DELIVER, CLIENT, CLIENT_TIMEOUT, FAULT, RESTART, SNAPSHOT_STATUS }

    private record Ev(long time, long seq, Kind kind, long node, int incarnation, Message msg, long arg)
            implements Comparable<Ev> {
        @Override
        public int compareTo(Ev o) {
            int c = Long.compare(time, o.time);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private void schedule(long time, Kind kind, long node, int incarnation, Message msg, long arg) {
        queue.add(new Ev(time, seq++, kind, node, incarnation, msg, arg));
    }

    private void log(String s) {
        if (trace.size() == TRACE_LINES) {
            trace.pollFirst();
        }
        trace.addLast(now + " " + s);
    }

    private SimulationFailure fail(String what) {
        StringBuilder sb = new StringBuilder();
        for (String s : trace) {
            sb.append(s).append('\n');
        }
        for (int i = 1; i <= NODES; i++) {
            SimNode n = nodes[i];
            sb.append("node ").append(i).append(n.up ? " " + n.core + " lastTerm=" + n.core.termAt(n.core.lastIndex())
                    + " " + n.core.confState() + " paused=" + n.paused() : " down").append('\n');
        }
        return new SimulationFailure(seed, what, sb.toString());
    }

    // ----------------------------------------------------------------- run

    public Outcome run() {
        int voters = rng.nextInt(5) < 4 ? 3 : 5;
        List<Long> initial = new ArrayList<>();
        for (long i = 1; i <= voters; i++) {
            initial.add(i);
            everMember.add(i);
        }
        ConfState cs = new ConfState(initial, List.of());
        for (int i = 1; i <= NODES; i++) {
            long period = 98 + rng.nextInt(5); // ±2% clock drift between nodes
            MemoryRaftLogStorage st = i <= voters ? MemoryRaftLogStorage.bootstrap(cs) : new MemoryRaftLogStorage();
            nodes[i] = new SimNode(i, period, st);
            nodes[i].start();
        }
        for (int c = 0; c < clients.length; c++) {
            clients[c] = new Client(c);
            schedule(rng.nextInt(500), Kind.CLIENT, 0, 0, null, c);
        }
        schedule(500 + rng.nextInt(2_000), Kind.FAULT, 0, 0, null, 0);
        schedule(chaosUntil, Kind.FAULT, 0, 0, null, 1); // the end of chaos: heal everything

        while (!queue.isEmpty()) {
            Ev ev = queue.poll();
            if (ev.time() > endAt) {
                break;
            }
            now = ev.time();
            events++;
            handle(ev);
        }
        checkLiveness();
        List<Operation> all = new ArrayList<>(history);
        for (Client c : clients) {
            if (c.requestId != 0 && c.put) {
                all.add(new Operation(c.id, true, c.key, c.value, c.invoked, Long.MAX_VALUE));
            }
        }
        LinearizabilityChecker.Result r = new LinearizabilityChecker(2_000_000).check(all);
        if (!r.ok()) {
            StringBuilder sb = new StringBuilder("history of key " + r.key() + " is not linearizable:\n");
            r.history().stream().sorted((a, b) -> Long.compare(a.invoked(), b.invoked()))
                    .forEach(op -> sb.append("  ").append(op).append('\n'));
            throw fail(sb.toString());
        }
        return new Outcome(seed, events, okOps, okReads, leaderOfTerm.size(), crashes, partitions, confChanges,
                maxTerm, lease, preVote, checkQuorum, r.timedOut());
    }

    private void handle(Ev ev) {
        switch (ev.kind()) {
            case TICK -> {
                SimNode n = nodes[(int) ev.node()];
                if (!n.up || n.incarnation != ev.incarnation()) {
                    return;
                }
                schedule(now + n.period, Kind.TICK, n.id, n.incarnation, null, 0);
                if (n.paused()) {
                    // the host's monotonic clock keeps running: the tick is delivered on resume
                    schedule(n.pausedUntil, Kind.CATCHUP_TICK, n.id, n.incarnation, null, 0);
                    return;
                }
                n.core.tick();
                afterInput(n);
            }
            case CATCHUP_TICK -> {
                SimNode n = nodes[(int) ev.node()];
                if (!n.up || n.incarnation != ev.incarnation()) {
                    return;
                }
                n.core.tick();
                afterInput(n);
            }
            case DELIVER -> deliver(ev);
            case CLIENT -> clientIssue(clients[(int) ev.arg()]);
            case CLIENT_TIMEOUT -> {
                Client c = clients[(int) (ev.arg() >> 32)];
                long req = ev.node();
                if (c.requestId == req) {
                    if (c.put) {
                        history.add(new Operation(c.id, true, c.key, c.value, c.invoked, Long.MAX_VALUE));
                    }
                    c.requestId = 0;
                    schedule(now + 1 + rng.nextInt(300), Kind.CLIENT, 0, 0, null, c.id);
                }
            }
            case FAULT -> {
                if (ev.arg() == 1) {
                    healAll();
                } else if (ev.arg() >= 2) {
                    SimNode target = nodes[(int) (ev.arg() - 2)];
                    if (now < chaosUntil && target.up && target.core.role() == Role.LEADER) {
                        cutOffLeader(target, rng.nextInt(3) == 0);
                    }
                } else if (now < chaosUntil) {
                    injectFault();
                    schedule(now + 100 + rng.nextInt(faultIntervalUnits), Kind.FAULT, 0, 0, null, 0);
                }
            }
            case RESTART -> {
                SimNode n = nodes[(int) ev.node()];
                if (!n.up && !n.retired && n.incarnation == ev.incarnation()) {
                    log("restart " + n.id);
                    n.start();
                    afterInput(n);
                }
            }
            case SNAPSHOT_STATUS -> {
                Message m = ev.msg();
                SimNode from = nodes[(int) m.from()];
                if (from.up && !from.paused()) {
                    from.core.reportSnapshot(m.to(), ev.arg() == 1);
                    afterInput(from);
                }
            }
        }
    }

    private void deliver(Ev ev) {
        Message m = ev.msg();
        SimNode to = nodes[(int) m.to()];
        if (!to.up || blocked[(int) m.from()][(int) m.to()]) {
            reportLostSnapshot(m);
            return;
        }
        if (to.paused()) {
            // sits in the socket buffer until the process runs again
            schedule(to.pausedUntil, Kind.DELIVER, 0, 0, m, 0);
            return;
        }
        to.core.step(m);
        afterInput(to);
        if (m.type() == MessageType.SNAPSHOT) {
            schedule(now + 1, Kind.SNAPSHOT_STATUS, 0, 0, m, 1);
        }
    }

    private void reportLostSnapshot(Message m) {
        if (m.type() != MessageType.SNAPSHOT) {
            return;
        }
        // the transport tells the sender (asynchronously, as a real one would)
        schedule(now + 1, Kind.SNAPSHOT_STATUS, 0, 0, m, 0);
    }

    private void send(Message m) {
        if (m.to() < 1 || m.to() > NODES) {
            return;
        }
        if (blocked[(int) m.from()][(int) m.to()] || (now < chaosUntil && rng.nextDouble() < dropRate)) {
            reportLostSnapshot(m);
            return;
        }
        int copies = now < chaosUntil && rng.nextDouble() < dupRate ? 2 : 1;
        for (int i = 0; i < copies; i++) {
            long delay = 5 + rng.nextInt(55);
            if (now < chaosUntil && rng.nextInt(20) == 0) {
                delay += 100 + rng.nextInt(1_400); // late: arrives after later messages
            }
            schedule(now + delay, Kind.DELIVER, 0, 0, m, 0);
        }
    }

    // ----------------------------------------------------------------- the host loop of a node

    /** Carries out every Ready of node {@code n}, then checks the invariants. */
    private void afterInput(SimNode n) {
        while (n.up && n.core.hasReady()) {
            Ready rd = n.core.ready();
            for (Message m : rd.messages()) {
                send(m);
            }
            if (rd.mustPersist() && rng.nextDouble() < midReadyCrashRate && now < chaosUntil) {
                // the leader's APPENDs left, but nothing of this Ready reached the disk
                log("crash " + n.id + " before persisting " + rd.entries().size() + " entries " + rd.hardState());
                crashNode(n);
                return;
            }
            if (rd.snapshot() != null) {
                n.storage.applySnapshot(rd.snapshot());
            }
            if (!rd.entries().isEmpty()) {
                recordLogFacts(n, rd.entries());
                n.storage.append(rd.entries());
            }
            if (rd.hardState() != null) {
                HardState prev = n.storage.hardState();
                if (rd.hardState().term() == prev.term() && prev.vote() != 0 && rd.hardState().vote() != prev.vote()
                        && !disabledRules.contains("ONE_VOTE_PER_TERM")) {
                    throw fail("node " + n.id + " changed its vote in term " + prev.term() + ": " + prev + " -> " + rd.hardState());
                }
                n.storage.setHardState(rd.hardState());
            }
            n.storage.sync();
            for (Message m : rd.messagesAfterPersist()) {
                send(m);
            }
            if (rd.snapshot() != null) {
                n.sm.restore(rd.snapshot());
                log("node " + n.id + " installed " + rd.snapshot());
            }
            for (Entry e : rd.committedEntries()) {
                applyEntry(n, e);
            }
            for (ReadState rs : rd.readStates()) {
                if (n.readCtx.containsKey(rs.context())) {
                    n.readWaits.add(new long[] {rs.index(), rs.context()});
                }
            }
            n.core.advance(rd);
            serveReads(n);
            maybeSnapshot(n);
        }
        if (n.up) {
            checkNode(n);
        }
    }

    private void applyEntry(SimNode n, Entry e) {
        long hash = entryHash(e);
        long[] prev = appliedAt.get(e.index());
        if (prev == null) {
            appliedAt.put(e.index(), new long[] {e.term(), hash});
            maxApplied = Math.max(maxApplied, e.index());
        } else if (prev[0] != e.term() || prev[1] != hash) {
            throw fail("STATE MACHINE SAFETY: node " + n.id + " applied " + e + " at index " + e.index()
                    + " but another node applied term " + prev[0] + " there");
        }
        n.sm.apply(e);
        if (e.type() == EntryType.CONF_CHANGE) {
            ConfChange cc = ConfChange.decode(e.data());
            log("node " + n.id + " applied " + cc + " at " + e.index());
            if (cc.type() == ConfChange.Type.REMOVE_NODE) {
                SimNode gone = nodes[(int) cc.nodeId()];
                if (!gone.retired && gone.id != n.id) {
                    // a removed member is shut down for good (its id is never reused)
                    gone.retired = true;
                    if (gone.up) {
                        crashNode(gone);
                    }
                }
            }
        } else if (e.data().length > 0) {
            long req = KvStateMachine.requestIdOf(e.data());
            Long client = n.writes.remove(req);
            if (client != null) {
                Client c = clients[client.intValue()];
                if (c.requestId == req) {
                    history.add(new Operation(c.id, true, c.key, c.value, c.invoked, now));
                    okOps++;
                    finishClient(c);
                    if (leaderChurn && now < chaosUntil && n.core.role() == Role.LEADER && rng.nextInt(5) == 0) {
                        // cut off right after acknowledging: followers may not know the commit yet
                        schedule(now, Kind.FAULT, 0, 0, null, 2 + n.id);
                    }
                }
            }
        }
    }

    private void serveReads(SimNode n) {
        for (Iterator<long[]> it = n.readWaits.iterator(); it.hasNext(); ) {
            long[] w = it.next();
            if (n.sm.appliedIndex() >= w[0]) {
                it.remove();
                Long client = n.readCtx.remove(w[1]);
                if (client != null) {
                    Client c = clients[client.intValue()];
                    if (c.requestId == w[1]) {
                        history.add(new Operation(c.id, false, c.key, n.sm.get(c.key), c.invoked, now));
                        okReads++;
                        finishClient(c);
                    }
                }
            }
        }
    }

    private void maybeSnapshot(SimNode n) {
        long applied = n.core.appliedIndex();
        Snapshot cur = n.storage.snapshot();
        if (applied - cur.index() >= snapshotEvery && applied <= n.storage.hardState().commit()) {
            n.storage.createSnapshot(applied, n.core.confState(), n.sm.snapshot());
        }
    }

    private static long entryHash(Entry e) {
        return Arrays.hashCode(e.data()) * 31L + e.type().ordinal();
    }

    private void recordLogFacts(SimNode n, List<Entry> ents) {
        for (Entry e : ents) {
            long prevTerm = e.index() - 1 >= n.core.firstIndex() - 1 ? n.core.termAt(e.index() - 1) : -1;
            long[] fact = new long[] {entryHash(e), prevTerm};
            long[] seen = entryFacts.computeIfAbsent(e.index(), k -> new HashMap<>()).putIfAbsent(e.term(), fact);
            if (seen != null) {
                if (seen[0] != fact[0] || (seen[1] >= 0 && fact[1] >= 0 && seen[1] != fact[1])) {
                    throw fail("LOG MATCHING: node " + n.id + " has entry " + e + " whose content or predecessor"
                            + " term differs from another log's entry with the same index and term");
                }
            }
        }
    }

    private void checkNode(SimNode n) {
        RaftCore c = n.core;
        maxTerm = Math.max(maxTerm, c.term());
        if (c.commitIndex() < n.lastCommit || c.appliedIndex() > c.commitIndex() || c.commitIndex() > c.lastIndex()) {
            throw fail("node " + n.id + " commit went back or past its log: was " + n.lastCommit + ", now " + c);
        }
        n.lastCommit = c.commitIndex();
        if (c.role() == Role.LEADER) {
            Long other = leaderOfTerm.putIfAbsent(c.term(), n.id);
            if (other != null && other != n.id) {
                throw fail("ELECTION SAFETY: nodes " + other + " and " + n.id + " both leader in term " + c.term());
            }
            if (n.lastRole != Role.LEADER) {
                log("node " + n.id + " became leader in term " + c.term());
                if (leaderChurn && now < chaosUntil && rng.nextInt(10) < 7) {
                    schedule(now + 20 + rng.nextInt(400), Kind.FAULT, 0, 0, null, 2 + n.id);
                }
                n.leaderCommitSeen = c.commitIndex();
                // leader completeness: every entry committed in an earlier term is in the new
                // leader's log (entries below its first index are inside its snapshot)
                long lo = Math.max(c.firstIndex(), 1);
                for (long i = lo; i <= maxApplied; i++) {
                    long[] a = appliedAt.get(i);
                    Long ct = commitTerm.get(i);
                    if (a != null && ct != null && ct < c.term() && c.termAt(i) != a[0]) {
                        throw fail("LEADER COMPLETENESS: leader " + n.id + " of term " + c.term() + " has term "
                                + c.termAt(i) + " at index " + i + " where term " + a[0] + " was committed");
                    }
                }
            }
        }
        if (c.role() != n.lastRole && c.role() != Role.LEADER && c.role() != Role.FOLLOWER) {
            log("node " + n.id + " became " + c.role() + " in term " + c.term());
        }
        if (c.role() == Role.LEADER && c.commitIndex() > n.leaderCommitSeen) {
            for (long i = n.leaderCommitSeen + 1; i <= c.commitIndex(); i++) {
                commitTerm.merge(i, c.term(), Math::min);
            }
            n.leaderCommitSeen = c.commitIndex();
            checkCommitIsDurable(n);
        }
        n.lastRole = c.role();
    }

    /**
     * Leader completeness, looking forward: when a leader commits index c, no voter lacking the
     * entry at c may be able to collect a quorum of votes (by the log comparison voters make),
     * whatever crashes and partitions come next. Otherwise a later leader could overwrite a
     * committed entry.
     */
    private void checkCommitIsDurable(SimNode leader) {
        long c = leader.core.commitIndex();
        long t = leader.core.termAt(c);
        if (t == 0) {
            return;
        }
        List<Long> voters = leader.core.confState().voters();
        int quorum = voters.size() / 2 + 1;
        for (long x : voters) {
            long[] xl = lastLog(nodes[(int) x]);
            if (xl == null || hasEntry(nodes[(int) x], c, t)) {
                continue;
            }
            int votes = 0;
            for (long v : voters) {
                long[] vl = lastLog(nodes[(int) v]);
                if (vl == null || xl[1] > vl[1] || (xl[1] == vl[1] && xl[0] >= vl[0])) {
                    votes++;
                }
            }
            if (votes >= quorum) {
                throw fail("COMMITTED ENTRY NOT DURABLE: leader " + leader.id + " of term " + leader.core.term()
                        + " committed index " + c + " (term " + t + ") but voter " + x + " lacking it (last "
                        + xl[1] + "/" + xl[0] + ") could win an election with " + votes + " of " + voters.size() + " votes");
            }
        }
    }

    /** {last index, last term} of a node's log: in memory if up, else as persisted; null if it has none. */
    private long[] lastLog(SimNode n) {
        if (n.up) {
            long li = n.core.lastIndex();
            return new long[] {li, n.core.termAt(li)};
        }
        long li = n.storage.lastIndex();
        return new long[] {li, n.storage.term(li)};
    }

    private boolean hasEntry(SimNode n, long index, long term) {
        if (n.up) {
            return index < n.core.firstIndex() - 1 ? true : n.core.termAt(index) == term;
        }
        if (index < n.storage.firstIndex() - 1) {
            return true;
        }
        return index <= n.storage.lastIndex() && n.storage.term(index) == term;
    }

    private void checkLiveness() {
        SimNode leader = null;
        long best = -1;
        for (int i = 1; i <= NODES; i++) {
            SimNode n = nodes[i];
            if (n.up && n.core.role() == Role.LEADER && n.core.term() > best) {
                leader = n;
                best = n.core.term();
            }
        }
        if (leader == null) {
            throw fail("LIVENESS: no leader " + (endAt - chaosUntil) + " time units after the faults stopped");
        }
        if (leader.core.termAt(leader.core.commitIndex()) != leader.core.term()) {
            throw fail("LIVENESS: leader " + leader.id + " has not committed an entry of its term after the faults stopped");
        }
    }

    // ----------------------------------------------------------------- clients

    private void clientIssue(Client c) {
        if (c.requestId != 0) {
            return;
        }
        if (now >= endAt - 2_000) {
            return;
        }
        SimNode target = pickNode();
        if (target == null) {
            schedule(now + 100, Kind.CLIENT, 0, 0, null, c.id);
            return;
        }
        long req = nextRequestId++;
        c.requestId = req;
        c.put = rng.nextInt(10) < 5;
        c.key = "k" + rng.nextInt(3);
        c.value = c.put ? "v" + req : null;
        c.invoked = now;
        schedule(now + CLIENT_TIMEOUT, Kind.CLIENT_TIMEOUT, req, 0, null, ((long) c.id) << 32);
        if (c.put) {
            try {
                target.writes.put(req, (long) c.id);
                target.core.propose(KvStateMachine.encodePut(req, c.key, c.value));
            } catch (ProposalDroppedException e) {
                target.writes.remove(req);
                c.requestId = 0; // definitely not applied: not part of the history
                schedule(now + 50 + rng.nextInt(200), Kind.CLIENT, 0, 0, null, c.id);
                return;
            }
        } else {
            target.readCtx.put(req, (long) c.id);
            target.core.readIndex(req);
        }
        afterInput(target);
    }

    private void cutOffLeader(SimNode leader, boolean crash) {
        if (crash) {
            log("crash leader " + leader.id);
            crashNode(leader);
            return;
        }
        healPartitions();
        for (int j = 1; j <= NODES; j++) {
            if (j != leader.id) {
                block((int) leader.id, j, true);
            }
        }
        partitions++;
        log("isolate leader " + leader.id);
    }

    private SimNode currentLeader() {
        SimNode leader = null;
        for (int i = 1; i <= NODES; i++) {
            SimNode n = nodes[i];
            if (n.up && n.core.role() == Role.LEADER && (leader == null || n.core.term() > leader.core.term())) {
                leader = n;
            }
        }
        return leader;
    }

    private SimNode pickNode() {
        List<SimNode> upNodes = new ArrayList<>();
        List<SimNode> leaders = new ArrayList<>();
        for (int i = 1; i <= NODES; i++) {
            SimNode n = nodes[i];
            if (n.up && !n.paused()) {
                upNodes.add(n);
                if (n.core.role() == Role.LEADER) {
                    leaders.add(n); // deposed leaders that do not know it yet included
                }
            }
        }
        if (upNodes.isEmpty()) {
            return null;
        }
        if (!leaders.isEmpty() && rng.nextInt(10) < 8) {
            return leaders.get(rng.nextInt(leaders.size()));
        }
        return upNodes.get(rng.nextInt(upNodes.size()));
    }

    private void finishClient(Client c) {
        c.requestId = 0;
        schedule(now + 1 + rng.nextInt(300), Kind.CLIENT, 0, 0, null, c.id);
    }

    // ----------------------------------------------------------------- faults

    private void crashNode(SimNode n) {
        crashes++;
        n.crash();
        if (!n.retired) {
            // the restart belongs to this incarnation; a later crash schedules its own
            schedule(now + 200 + rng.nextInt(3_000), Kind.RESTART, n.id, n.incarnation, null, 0);
        }
    }

    private void injectFault() {
        int kind = rng.nextInt(13);
        switch (kind) {
            case 12 -> { // hand leadership to a random voter (possibly a lagging one)
                SimNode leader = currentLeader();
                if (leader != null && !leader.paused()) {
                    List<Long> voters = leader.core.confState().voters();
                    long to = voters.get(rng.nextInt(voters.size()));
                    log("transfer leadership " + leader.id + " -> " + to);
                    leader.core.transferLeadership(to);
                    afterInput(leader);
                }
            }
            case 10, 11 -> { // the leader loses its followers (or its process) right now
                SimNode leader = currentLeader();
                if (leader != null) {
                    cutOffLeader(leader, kind == 11);
                }
            }
            case 0, 1 -> { // split in two
                healPartitions();
                List<Integer> ids = shuffledIds();
                int cut = 1 + rng.nextInt(NODES - 1);
                for (int i = 0; i < cut; i++) {
                    for (int j = cut; j < NODES; j++) {
                        block(ids.get(i), ids.get(j), true);
                    }
                }
                partitions++;
                log("partition " + ids.subList(0, cut) + " | " + ids.subList(cut, NODES));
            }
            case 2 -> { // bridge: two sides that only the bridge node connects
                healPartitions();
                List<Integer> ids = shuffledIds();
                int bridge = ids.get(0);
                int cut = 1 + rng.nextInt(NODES - 2);
                for (int i = 1; i <= cut; i++) {
                    for (int j = cut + 1; j < NODES; j++) {
                        block(ids.get(i), ids.get(j), true);
                    }
                }
                partitions++;
                log("bridge via " + bridge + ": " + ids.subList(1, cut + 1) + " | " + ids.subList(cut + 1, NODES));
            }
            case 3 -> { // one-way cut
                int a = 1 + rng.nextInt(NODES);
                int b = 1 + rng.nextInt(NODES);
                if (a != b) {
                    blocked[a][b] = true;
                    partitions++;
                    log("one-way cut " + a + " -> " + b);
                }
            }
            case 4, 5 -> {
                healPartitions();
                log("heal partitions");
            }
            case 6 -> {
                SimNode n = nodes[1 + rng.nextInt(NODES)];
                if (n.up) {
                    log("crash " + n.id);
                    crashNode(n);
                }
            }
            case 7 -> {
                SimNode n = nodes[1 + rng.nextInt(NODES)];
                if (n.up && !n.paused()) {
                    n.pausedUntil = now + 100 + rng.nextInt(2_500);
                    log("pause " + n.id + " until " + n.pausedUntil);
                }
            }
            default -> proposeConfChange();
        }
    }

    private void proposeConfChange() {
        SimNode leader = null;
        for (int i = 1; i <= NODES; i++) {
            if (nodes[i].up && !nodes[i].paused() && nodes[i].core.role() == Role.LEADER) {
                leader = nodes[i];
            }
        }
        if (leader == null) {
            return;
        }
        ConfState cs = leader.core.confState();
        List<ConfChange> options = new ArrayList<>();
        for (long id = 1; id <= NODES; id++) {
            if (!everMember.contains(id)) {
                options.add(new ConfChange(ConfChange.Type.ADD_LEARNER, id));
                options.add(new ConfChange(ConfChange.Type.ADD_VOTER, id));
            }
        }
        for (long l : cs.learners()) {
            options.add(new ConfChange(ConfChange.Type.ADD_VOTER, l));
            options.add(new ConfChange(ConfChange.Type.REMOVE_NODE, l));
        }
        if (cs.voters().size() > 3) {
            for (long v : cs.voters()) {
                options.add(new ConfChange(ConfChange.Type.REMOVE_NODE, v));
            }
        }
        if (options.isEmpty()) {
            return;
        }
        ConfChange cc = options.get(rng.nextInt(options.size()));
        try {
            leader.core.proposeConfChange(cc);
            everMember.add(cc.nodeId());
            confChanges++;
            log("propose " + cc + " at leader " + leader.id);
        } catch (ProposalDroppedException e) {
            log("conf change " + cc + " refused: " + e.getMessage());
        }
        afterInput(leader);
    }

    private List<Integer> shuffledIds() {
        List<Integer> ids = new ArrayList<>();
        for (int i = 1; i <= NODES; i++) {
            ids.add(i);
        }
        java.util.Collections.shuffle(ids, rng);
        return ids;
    }

    private void block(int a, int b, boolean v) {
        blocked[a][b] = v;
        blocked[b][a] = v;
    }

    private void healPartitions() {
        for (boolean[] row : blocked) {
            Arrays.fill(row, false);
        }
    }

    private void healAll() {
        log("end of faults: heal, resume and restart everything");
        healPartitions();
        for (int i = 1; i <= NODES; i++) {
            SimNode n = nodes[i];
            n.pausedUntil = Math.min(n.pausedUntil, now);
            if (!n.up && !n.retired) {
                n.start();
                afterInput(n);
            }
        }
    }
}
