package io.kvkit.raft.runtime;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.HardState;
import io.kvkit.raft.Message;
import io.kvkit.raft.MessageType;
import io.kvkit.raft.RaftCore;
import io.kvkit.raft.RaftOptions;
import io.kvkit.raft.Snapshot;
import io.kvkit.raft.storage.FileSnapshotStore;
import io.kvkit.raft.storage.SnapshotManifest;
import io.kvkit.raft.storage.RaftLogStorage;
import io.kvkit.raft.storage.RaftLogStore;
import io.kvkit.raft.transport.Transport;
import io.kvkit.raft.transport.TransportStats;

import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Hosts many Raft groups on one node: the multi-Raft runtime. Each group is pinned to one of
 * {@code workerThreads} workers (by its id), which alone touches its core and its log, so cores
 * need no locks; a worker carries out the Readies of all its groups together and makes them
 * durable with one {@link RaftLogStore#sync()} per round. Committed entries are applied on a
 * separate pool, per group in log order, so a slow state machine does not hold up replication.
 * See the kv-raft README ("Runtime") for the threading model and guarantees.
 *
 * <p>The node owns the transport it creates (it is the transport's listener, and closes it);
 * the caller owns the log store (close it after the node).
 */
public final class RaftNode implements AutoCloseable {

    /**
     * The group id reserved for node-pair liveness messages: a {@code HEARTBEAT} with term 0 sent
     * to every peer node every {@code livenessIntervalTicks}; it never reaches a core.
     */
    public static final long LIVENESS_GROUP_ID = 0;

    /** Live counters; {@link #stats()} reads them into a record. */
    static final class Counters {
        final LongAdder rounds = new LongAdder();
        final LongAdder readies = new LongAdder();
        final LongAdder syncs = new LongAdder();
        final LongAdder groupsPersisted = new LongAdder();
        final LongAdder messagesSent = new LongAdder();
        final LongAdder messagesDropped = new LongAdder();
        final LongAdder messagesReceived = new LongAdder();
        final LongAdder messagesDroppedUnknownGroup = new LongAdder();
        final LongAdder messagesDroppedInboxFull = new LongAdder();
        final LongAdder proposals = new LongAdder();
        final LongAdder entriesApplied = new LongAdder();
        final LongAdder snapshotsCreated = new LongAdder();
        final LongAdder snapshotsInstalled = new LongAdder();
        final LongAdder groupTicks = new LongAdder();
        final LongAdder quiesced = new LongAdder();
        final LongAdder woken = new LongAdder();
        final LongAdder livenessSent = new LongAdder();
    }

    private final RaftNodeConfig config;
    private final RaftLogStore store;
    private final Transport transport;
    private final Worker[] workers;
    private final ExecutorService applyPool;
    private final ConcurrentHashMap<Long, GroupReplica> groups = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, RaftGroup> handles = new ConcurrentHashMap<>();
    private final Counters counters = new Counters();
    private final System.Logger log = System.getLogger(RaftNode.class.getName());
    /** Proposal ids start at a random point per instance (see {@link ProposalHeader}). */
    private final long proposalIdBase = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
    private final NodeLiveness liveness;
    private volatile boolean closed;
    private final AtomicBoolean shutDown = new AtomicBoolean();
    private volatile Throwable failure;

    /**
     * Starts a node with no groups.
     *
     * @param config           settings
     * @param store            the logs of every group on this node
     * @param transportFactory builds the transport, given the listener it must report to (e.g.
     *                         {@code l -> hub.join(id, 100_000, l)} or
     *                         {@code l -> new NettyTransport(id, addr, peers, opts, l)}); the node
     *                         starts it and closes it
     */
    public RaftNode(RaftNodeConfig config, RaftLogStore store, Function<Transport.Listener, Transport> transportFactory) {
        this.config = Objects.requireNonNull(config, "config");
        this.store = Objects.requireNonNull(store, "store");
        Objects.requireNonNull(transportFactory, "transportFactory");
        this.liveness = new NodeLiveness(config.nodeId(),
                config.livenessTimeoutTicks() * config.tickInterval().toNanos());
        AtomicInteger applyThreadNo = new AtomicInteger();
        this.applyPool = Executors.newFixedThreadPool(config.applyThreads(), r -> Thread.ofPlatform()
                .name("raft-apply-" + config.nodeId() + "-" + applyThreadNo.getAndIncrement()).daemon(true).unstarted(r));
        this.workers = new Worker[config.workerThreads()];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(this, i);
        }
        this.transport = Objects.requireNonNull(transportFactory.apply(new Listener()), "the transport factory returned null");
        if (transport.localNode() != config.nodeId()) {
            transport.close();
            applyPool.shutdownNow();
            throw new IllegalArgumentException("the transport is for node " + transport.localNode()
                    + " but this node is " + config.nodeId());
        }
        transport.start(); // before any worker can send (the Transport contract)
        for (Worker w : workers) {
            w.start();
        }
    }

    // ------------------------------------------------------------------ groups

    /**
     * Starts this node's member of group {@code groupId}.
     *
     * <ul>
     *   <li>If the store has a log for the group, the member restarts from it
     *       ({@code initialMembers} is ignored); a state machine behind the log's snapshot is
     *       restored from that snapshot first.</li>
     *   <li>Otherwise, with {@code initialMembers}, this node is a founding member: its log is
     *       bootstrapped with a snapshot at index 1, term 1 holding that membership (every founding
     *       member must be given the same), and the state machine restored from it (empty data).</li>
     *   <li>Otherwise ({@code initialMembers == null}) it joins an existing group: its log starts
     *       empty and the leader sends it a snapshot once it has been added as a member.</li>
     * </ul>
     *
     * @throws IllegalArgumentException if the id is not &gt; 0, the group is already hosted, or
     *                                  the founding membership lacks this node
     */
    public RaftGroup startGroup(long groupId, ConfState initialMembers, GroupStateMachine stateMachine) {
        Objects.requireNonNull(stateMachine, "stateMachine");
        ensureOpen();
        if (groupId <= 0) {
            throw new IllegalArgumentException("group id must be > 0 (0 is reserved for the runtime), got " + groupId);
        }
        if (groups.containsKey(groupId)) {
            throw new IllegalArgumentException("group " + groupId + " is already hosted on node " + config.nodeId());
        }
        boolean toFiles = stateMachine.snapshotsToFiles();
        FileSnapshotStore files = store.fileSnapshots();
        if (toFiles && files == null) {
            throw new IllegalArgumentException("the state machine of group " + groupId + " snapshots to files, but the log store "
                    + store.getClass().getSimpleName() + " keeps no file snapshots; use a store that does (e.g. SharedRaftLogStore, "
                    + "or MemoryRaftLogStore with a directory)");
        }
        RaftLogStorage storage = store.open(groupId);
        boolean empty = storage.snapshot().isEmpty() && storage.lastIndex() == 0;
        if (empty && initialMembers != null) {
            if (!initialMembers.voters().contains(config.nodeId())) {
                throw new IllegalArgumentException("founding membership " + initialMembers + " of group " + groupId
                        + " must have this node (" + config.nodeId() + ") as a voter");
            }
            storage.applySnapshot(new Snapshot(1, 1, initialMembers, new byte[0]));
            storage.setHardState(new HardState(1, RaftCore.NONE, 1));
            store.sync();
        }
        Snapshot snap = storage.snapshot();
        long smApplied = stateMachine.appliedIndex();
        boolean fileSnapshot = toFiles && SnapshotManifest.isManifest(snap.data());
        if (toFiles) {
            // what a crash left: directories of snapshots the log never recorded, or replaced ones
            files.keepOnly(groupId, fileSnapshot ? snap.index() : -1);
        }
        if (!snap.isEmpty() && smApplied < snap.index()) {
            if (fileSnapshot) {
                stateMachine.restoreFrom(files.directory(groupId, snap.index()), snap);
            } else {
                stateMachine.restore(snap);
            }
            smApplied = snap.index();
        }
        RaftCore core = new RaftCore(optionsFor(groupId), storage, smApplied);
        liveness.watch(core.confState(), System.nanoTime());
        Worker worker = workers[workerIndex(groupId)];
        GroupReplica replica = new GroupReplica(groupId, this, worker, core, storage, stateMachine, proposalIdBase);
        if (groups.putIfAbsent(groupId, replica) != null) {
            throw new IllegalArgumentException("group " + groupId + " is already hosted on node " + config.nodeId());
        }
        // the replica (built on this thread) is published to the worker through its control queue
        worker.post(() -> worker.add(replica));
        RaftGroup handle = new RaftGroup(replica, this);
        handles.put(groupId, handle);
        return handle;
    }

    /** Stops this node's member of the group, keeping its log; completes when the worker let go of it. */
    public CompletableFuture<Void> stopGroup(long groupId) {
        return stop(groupId, false);
    }

    /** Stops this node's member of the group and deletes its log for good (its replica left this node). */
    public CompletableFuture<Void> removeGroup(long groupId) {
        return stop(groupId, true);
    }

    private CompletableFuture<Void> stop(long groupId, boolean delete) {
        ensureOpen();
        GroupReplica g = groups.remove(groupId);
        if (g == null) {
            throw new IllegalArgumentException("group " + groupId + " is not hosted on node " + config.nodeId());
        }
        handles.remove(groupId);
        CompletableFuture<Void> done = new CompletableFuture<>();
        Worker w = g.worker();
        w.post(() -> {
            w.remove(groupId);
            g.close(new RaftGroupClosedException(groupId, "stopped on node " + config.nodeId()), true);
            if (delete) {
                store.delete(groupId);
            }
            done.complete(null);
        });
        return done;
    }

    /** The group's apply stage failed: stop the member (keeping its log), fail its requests. */
    void groupFailed(GroupReplica g, Throwable t) {
        if (groups.remove(g.groupId(), g)) {
            handles.remove(g.groupId());
            Worker w = g.worker();
            w.post(() -> {
                w.remove(g.groupId());
                g.close(new RaftGroupClosedException(g.groupId(), "its state machine failed: " + t), true);
            });
        }
    }

    /** The handle of a hosted group, or null. */
    public RaftGroup group(long groupId) {
        return handles.get(groupId);
    }

    /** Ids of the hosted groups. */
    public Set<Long> groupIds() {
        return new TreeSet<>(handles.keySet());
    }

    /**
     * Whether this node has heard from node {@code peer} within the liveness timeout (true for
     * itself). A peer of a hosted group that was never heard from counts as live until that
     * timeout has passed since it was first watched.
     */
    public boolean isPeerLive(long peer) {
        return liveness.isLive(peer);
    }

    public long nodeId() {
        return config.nodeId();
    }

    public RaftNodeConfig config() {
        return config;
    }

    public RaftNodeStats stats() {
        Counters c = counters;
        return new RaftNodeStats(groups.size(), c.rounds.sum(), c.readies.sum(), c.syncs.sum(), c.groupsPersisted.sum(),
                c.messagesSent.sum(), c.messagesDropped.sum(), c.messagesReceived.sum(),
                c.messagesDroppedUnknownGroup.sum(), c.messagesDroppedInboxFull.sum(), c.proposals.sum(),
                c.entriesApplied.sum(), c.snapshotsCreated.sum(), c.snapshotsInstalled.sum(), c.groupTicks.sum(),
                quiescedGroups(), c.quiesced.sum(), c.woken.sum(), c.livenessSent.sum());
    }

    private int quiescedGroups() {
        int n = 0;
        for (GroupReplica g : groups.values()) {
            if (g.status().quiesced()) {
                n++;
            }
        }
        return n;
    }

    /** The transport's counters. */
    public TransportStats transportStats() {
        return transport.stats();
    }

    public boolean isClosed() {
        return closed;
    }

    /** Why the node stopped by itself (a storage failure, a bug), or null. */
    public Throwable failure() {
        return failure;
    }

    /**
     * Stops: closes the transport, stops the workers (failing every pending request with
     * {@link RaftGroupClosedException}) and the apply threads. Does not close the log store.
     */
    @Override
    public void close() {
        closed = true;
        if (!shutDown.compareAndSet(false, true)) {
            return;
        }
        transport.close();
        for (Worker w : workers) {
            w.stop();
        }
        boolean interrupted = false;
        for (Worker w : workers) {
            if (w.isWorkerThread()) {
                continue;
            }
            try {
                w.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        applyPool.shutdown();
        try {
            if (!applyPool.awaitTermination(10, TimeUnit.SECONDS)) {
                applyPool.shutdownNow();
            }
        } catch (InterruptedException e) {
            applyPool.shutdownNow();
            interrupted = true;
        }
        groups.clear();
        handles.clear();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ internals

    RaftLogStore store() {
        return store;
    }

    Transport transport() {
        return transport;
    }

    ExecutorService applyPool() {
        return applyPool;
    }

    Counters counters() {
        return counters;
    }

    System.Logger log() {
        return log;
    }

    NodeLiveness liveness() {
        return liveness;
    }

    /** One liveness message to every peer node (worker 0, every livenessIntervalTicks). */
    void sendLivenessMessages() {
        for (long peer : liveness.peers()) {
            Message ping = Message.of(MessageType.HEARTBEAT).from(config.nodeId()).to(peer).build();
            if (transport.send(peer, LIVENESS_GROUP_ID, ping)) {
                counters.livenessSent.increment();
            }
        }
    }

    /** A worker died (storage failure or bug): the node stops, failing every request. */
    void fail(Throwable t) {
        if (failure == null) {
            failure = t;
        }
        log.log(System.Logger.Level.ERROR, "raft node " + config.nodeId() + " failed and stops", t);
        closed = true;
        transport.close();
        for (Worker w : workers) {
            w.stop();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("raft node " + config.nodeId() + " is closed"
                    + (failure == null ? "" : " after a failure: " + failure));
        }
    }

    private int workerIndex(long groupId) {
        return Math.floorMod(Long.hashCode(groupId * 0x9E3779B97F4A7C15L), workers.length);
    }

    private RaftOptions optionsFor(long groupId) {
        RaftOptions t = config.raftOptions();
        // distinct election timeouts per group, so that groups do not campaign in lockstep
        return t.withRandomSeed(t.randomSeed() * 31 + groupId * 0x9E3779B97F4A7C15L + config.nodeId());
    }

    /** The transport's reports, on transport threads: only hand-offs here. */
    private final class Listener implements Transport.Listener {
        @Override
        public void onMessage(long groupId, Message m) {
            if (closed) {
                return;
            }
            if (groupId == LIVENESS_GROUP_ID) {
                liveness.heard(m.from(), System.nanoTime());
                return;
            }
            GroupReplica g = groups.get(groupId);
            if (g == null) {
                counters.messagesDroppedUnknownGroup.increment();
            } else if (g.offerMessage(m)) {
                counters.messagesReceived.increment();
            } else {
                counters.messagesDroppedInboxFull.increment();
            }
        }

        @Override
        public void onUnreachable(long toNode) {
            if (closed) {
                return;
            }
            for (Worker w : workers) {
                w.reportUnreachable(toNode);
            }
        }

        @Override
        public java.nio.file.Path fileSnapshotStagingDir() {
            FileSnapshotStore files = store.fileSnapshots();
            return files == null ? null : files.stagingDirectory();
        }

        @Override
        public void onSnapshotStatus(long groupId, long toNode, boolean delivered) {
            GroupReplica g = groups.get(groupId);
            if (g != null && !closed) {
                g.post(() -> g.reportSnapshot(toNode, delivered));
            }
        }
    }
}
