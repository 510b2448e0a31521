package io.kvkit.server.node;

import io.kvkit.client.ProtocolLimits;
import io.kvkit.client.RequestValidator;
import io.kvkit.client.SessionTable;
import io.kvkit.raft.ConfState;
import io.kvkit.raft.ReadOnlyMode;
import io.kvkit.raft.runtime.RaftGroup;
import io.kvkit.raft.runtime.RaftNode;
import io.kvkit.raft.runtime.RaftNodeConfig;
import io.kvkit.raft.netty.NettyTransport;
import io.kvkit.raft.netty.NettyTransportOptions;
import io.kvkit.raft.storage.SharedRaftLogOptions;
import io.kvkit.raft.storage.SharedRaftLogStore;
import io.kvkit.server.admin.AdminEndpoint;
import io.kvkit.server.resp.RespEndpoint;
import io.kvkit.server.resp.RespEndpointOptions;
import io.kvkit.server.admin.RequestMetrics;
import io.kvkit.server.admin.TimedRequestHandler;
import io.kvkit.server.config.NodeConfig;
import io.kvkit.server.endpoint.ClientEndpoint;
import io.kvkit.server.endpoint.ClientEndpointOptions;
import io.kvkit.server.endpoint.PeerForwarder;
import io.kvkit.server.endpoint.PeerForwarderOptions;
import io.kvkit.server.meta.ClusterBootstrap;
import io.kvkit.server.meta.ClusterState;
import io.kvkit.server.meta.MetaStateMachine;
import io.kvkit.server.meta.NodeRecord;
import io.kvkit.server.partition.PartitionOptions;
import io.kvkit.server.partition.PartitionStateMachine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One kvkit node, composed from the libraries and nothing more:
 * <ol>
 *   <li>its data directory (identity checked, locked) and one shared Raft log for every group;</li>
 *   <li>a {@link RaftNode} over the Netty transport, hosting the meta group (on the first
 *       members) and every partition the ring gives this node, each with its
 *       {@link PartitionStateMachine};</li>
 *   <li>the client endpoint, whose {@link RequestRouter} executes or forwards each request;</li>
 *   <li>background upkeep: the routing table of non-meta nodes, and tables missing on a
 *       partition this node leads.</li>
 * </ol>
 * A founding start computes the first cluster state from the configuration, identically on every
 * node (as etcd's {@code --initial-cluster}); a restart finds its groups in its Raft log and its
 * partition directories, and catches up from its peers.
 */
public final class KvNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KvNode.class);
    /** A file in a partition directory whose replica is being deleted: the directory is never served again. */
    private static final String RETIRING_MARK = "RETIRING";
    /** A file in the directory of an empty replica being opened: a crash before it is gone leaves nothing worth keeping. */
    private static final String OPENING_MARK = "OPENING";
    /** The per-replica system store (applied index, catalog, sessions) holds little: keep its memory small. */
    private static final Map<String, String> SYSTEM_STORE_OPTIONS = Map.of("writeBufferSizeBytes", Long.toString(1 << 20),
            "blockCacheSizeBytes", Long.toString(1 << 20));

    private final NodeConfig config;
    private final DataDirectory dir;
    private final Map<Integer, LocalPartition> partitions = new ConcurrentHashMap<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final AtomicBoolean closing = new AtomicBoolean();
    private SharedRaftLogStore store;
    private RaftNode raft;
    private volatile NettyTransport transport;
    private PeerForwarder forwarder;
    private ExecutorService reads;
    private ClientEndpoint endpoint;
    private AdminEndpoint admin;
    private RespEndpoint resp;
    private final RequestMetrics requestMetrics = new RequestMetrics();
    private ClusterView view;
    private RequestRouter router;
    private ScheduledExecutorService background;
    private LeaderBalancer leaders;
    private volatile PartitionReconciler mover;
    private RoutesRefresher refresher;

    private KvNode(NodeConfig config, DataDirectory dir) {
        this.config = config;
        this.dir = dir;
    }

    /**
     * Starts a node and returns once it serves clients (its groups elect leaders in the
     * background). Throws {@link NodeStartException} for what the operator must fix: a port in
     * use, a directory it cannot write or that belongs to another node or cluster.
     */
    public static KvNode start(NodeConfig config) {
        if (config.joins()) {
            return join(config);
        }
        ClusterState bootstrap;
        try {
            bootstrap = ClusterBootstrap.initialState(config.initialCluster(), config.partitions(), config.replicationFactor(),
                    config.metaReplicas(), config.defaultEngine(), config.defaultEngineOptions());
        } catch (IllegalArgumentException e) {
            throw new NodeStartException("the cluster settings are not valid: " + e.getMessage(), e);
        }
        if (config.member(config.nodeId()).isEmpty()) {
            throw new NodeStartException("node " + config.nodeId() + " is not in the initial cluster (members: "
                    + config.initialCluster().stream().map(m -> Long.toString(m.id())).toList() + ")");
        }
        DataDirectory dir = DataDirectory.open(config.dataDir(), bootstrap.clusterId(), config.nodeId());
        KvNode node = new KvNode(config, dir);
        try {
            node.startUp(bootstrap);
            return node;
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
    }

    /**
     * Starts a node that joins the running cluster of {@code config.join()} (see
     * {@link ClusterJoin}); a restart with the same configuration finds its data directory (which
     * records the cluster's id) and rejoins.
     */
    private static KvNode join(NodeConfig config) {
        if (config.member(config.nodeId()).isEmpty()) {
            throw new NodeStartException("node " + config.nodeId() + " joins a cluster but its own entry (host and ports) is not "
                    + "in its initial cluster");
        }
        ClusterState state = ClusterJoin.fetchState(config.join(), config.requestTimeout());
        ClusterJoin.checkIdentity(state, config);
        DataDirectory dir = DataDirectory.open(config.dataDir(), state.clusterId(), config.nodeId());
        KvNode node = new KvNode(config, dir);
        try {
            node.startUp(state);
            String outcome = ClusterJoin.addSelf(config, node.router::handle);
            LOG.info("node {} joined the cluster through {}: {}", config.nodeId(), config.join(), outcome);
            node.refresher.refresh();
            return node;
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
    }

    private void startUp(ClusterState bootstrap) {
        long id = config.nodeId();
        NodeConfig.Member self = config.self();

        // 1. the Raft log of every group on this node, sharing fsyncs
        store = SharedRaftLogStore.open(dir.raft(), SharedRaftLogOptions.defaults().withFsync(config.syncWrites()));
        TimedRaftLogStore timedLog = new TimedRaftLogStore(store, config.leaderBalancing().slowNodeThreshold().toNanos());

        // 2. the Raft runtime over the network
        RaftNodeConfig raftConfig = RaftNodeConfig.defaults(id)
                .withTickInterval(config.tickInterval())
                .withSnapshotEveryEntries(config.snapshotEveryEntries())
                .withRequestTimeout(config.requestTimeout())
                .withWorkerThreads(config.raftWorkerThreads());
        raftConfig = raftConfig.withRaftOptions(raftConfig.raftOptions().withElectionTimeoutTicks(config.electionTicks())
                .withReadOnlyMode(config.leaseReads() ? ReadOnlyMode.LEASE_BASED : ReadOnlyMode.SAFE));
        Map<Long, InetSocketAddress> peers = new HashMap<>();
        for (NodeConfig.Member m : config.initialCluster()) {
            if (m.id() != id) {
                peers.put(m.id(), new InetSocketAddress(m.host(), m.raftPort()));
            }
        }
        InetSocketAddress raftListen = new InetSocketAddress(config.listenHost(), self.raftPort());
        try {
            raft = new RaftNode(raftConfig, timedLog, listener -> {
                transport = new NettyTransport(id, raftListen, peers, NettyTransportOptions.defaults(), listener);
                return transport;
            });
        } catch (RuntimeException e) {
            throw portProblem(e, "raft", raftListen);
        }

        // 3. the meta group, on its members
        view = new ClusterView(bootstrap);
        // peers that joined after this node's configuration was written: their raft address comes from the meta state
        view.addListener(this::updatePeers);
        updatePeers(bootstrap);
        RequestRouter.MetaReplica meta = null;
        if (bootstrap.metaMembers().contains(id)) {
            MetaStateMachine machine = new MetaStateMachine(bootstrap);
            machine.addListener(view::offer);
            RaftGroup group = raft.startGroup(RaftGroupIds.META, new ConfState(bootstrap.metaMembers(), List.of()), machine);
            view.offer(machine.current());
            meta = new RequestRouter.MetaReplica(group, machine);
        }

        // 4. a founding start founds the partitions the first ring gives this node; a restart reopens the
        //    replicas it holds (a replica with no log yet waits to be caught up); the partition
        //    reconciler opens and retires replicas as the targets move
        TreeSet<Integer> hosted = new TreeSet<>();
        for (int p : dir.existingPartitions()) {
            if (Files.exists(dir.partition(p).resolve(RETIRING_MARK)) || Files.exists(dir.partition(p).resolve(OPENING_MARK))) {
                // a retirement a crash interrupted (its group had left already), or an empty replica
                // whose opening was: either way nothing in it is needed
                deleteReplicaDirectory(p);
            } else {
                hosted.add(p);
            }
        }
        boolean founding = dir.fresh() && !config.joins();
        if (founding) {
            hosted.addAll(bootstrap.partitionsOf(id));
        }
        startPartitions(founding ? bootstrap : null, hosted);
        leaders = new LeaderBalancer(id, view, partitions, raft::isPeerLive, timedLog, config.leaderBalancing());

        // 5. clients
        forwarder = new PeerForwarder(PeerForwarderOptions.defaults().withRequestTimeout(config.requestTimeout()));
        ProtocolLimits limits = new ProtocolLimits(config.maxKeyBytes(), config.maxValueBytes(),
                config.maxValueBytes() + (1 << 20), ProtocolLimits.DEFAULT_MAX_BATCH_OPERATIONS, ProtocolLimits.DEFAULT_MAX_SCAN_LIMIT);
        reads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("kv-read-", 0).factory());
        router = new RequestRouter(id, view, partitions, meta, bootstrap.metaMembers(), forwarder, new RequestValidator(limits),
                reads, config.requestTimeout().toMillis());
        InetSocketAddress clientListen = new InetSocketAddress(config.listenHost(), self.clientPort());
        try {
            endpoint = ClientEndpoint.start(ClientEndpointOptions.defaults(config.listenHost(), self.clientPort(), id).withLimits(limits.toWire())
                    .withMaxInFlightPerConnection(config.maxInFlightPerConnection())
                    .withIoThreads(config.clientIoThreads()), new TimedRequestHandler(router, requestMetrics));
        } catch (RuntimeException e) {
            throw portProblem(e, "client", clientListen);
        }

        // 6. the admin port: /metrics, /status, /health (a member without one has admin port 0)
        if (self.adminPort() != 0) {
            InetSocketAddress adminListen = new InetSocketAddress(config.listenHost(), self.adminPort());
            AdminObservations observations = new AdminObservations(id, view, partitions, raft, store, endpoint, requestMetrics,
                    leaders, () -> !closing.get(), () -> mover);
            try {
                admin = AdminEndpoint.start(config.listenHost(), self.adminPort(), observations);
            } catch (RuntimeException e) {
                throw portProblem(e, "admin", adminListen);
            }
        }

        // 7. the RESP2 port for Redis tools (a member without one has resp port 0)
        if (self.respPort() != 0) {
            InetSocketAddress respListen = new InetSocketAddress(config.listenHost(), self.respPort());
            try {
                resp = RespEndpoint.start(RespEndpointOptions.defaults(config.listenHost(), self.respPort(), id)
                        .withMaxBulkBytes(config.maxValueBytes() + 1024), new TimedRequestHandler(router, requestMetrics),
                        bootstrap.partitionCount());
            } catch (RuntimeException e) {
                throw portProblem(e, "resp", respListen);
            }
        }

        // 8. upkeep
        refresher = new RoutesRefresher(id, view, meta == null ? null : meta.machine(), bootstrap.metaMembers(), forwarder);
        TableReconciler reconciler = new TableReconciler(id, view, partitions.values(), router, refresher);
        background = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("kv-node-upkeep").factory());
        background.scheduleWithFixedDelay(() -> guarded(refresher::refresh), 0, 1, TimeUnit.SECONDS);
        background.scheduleWithFixedDelay(() -> guarded(reconciler::run), 2, 2, TimeUnit.SECONDS);
        leaders.start();
        mover = new PartitionReconciler(id, view, partitions, new PartitionReconciler.Host() {
            @Override
            public LocalPartition openJoining(int partition) {
                return KvNode.this.openJoining(partition);
            }

            @Override
            public void retire(LocalPartition replica) {
                KvNode.this.retire(replica);
            }
        }, router::handle, refresher::refresh, config.maxConcurrentMoves());
        background.scheduleWithFixedDelay(() -> guarded(mover::run), 500, 500, TimeUnit.MILLISECONDS);
        if (meta != null) {
            FailureDetector detector = new FailureDetector(id, view, meta.group(), forwarder, router::handle, config.nodeDownAfter(),
                    System::nanoTime);
            background.scheduleWithFixedDelay(() -> guarded(detector::run), 1, 1, TimeUnit.SECONDS);
        }
        LOG.info("node {} serving: client {}, raft {}, {} partitions hosted of {}, meta member: {}", id, endpoint.localAddress(),
                raftListen, partitions.size(), bootstrap.partitionCount(), meta != null);
    }

    /** @param founding the founding state (a founding start: groups are founded with its replica sets), or null */
    private void startPartitions(ClusterState founding, TreeSet<Integer> hosted) {
        // founding a group syncs its first state: from several threads, concurrent syncs share fsyncs
        try (ExecutorService starters = Executors.newFixedThreadPool(Math.max(1, Math.min(hosted.size(), 8)),
                Thread.ofPlatform().name("kv-partition-open-", 0).factory())) {
            List<Future<LocalPartition>> started = new ArrayList<>();
            for (int p : hosted) {
                started.add(starters.submit(() -> startPartition(founding == null ? null
                        : new ConfState(founding.replicas(p), List.of()), p)));
            }
            for (Future<LocalPartition> f : started) {
                LocalPartition lp = f.get();
                partitions.put(lp.partition(), lp);
            }
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException re ? re : new IllegalStateException(cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NodeStartException("interrupted while opening partitions", e);
        }
    }

    /**
     * Opens the replica of {@code p} in its directory and starts its group member: founded with
     * {@code foundingMembers}, or (null) restarted from its log, or waiting to be added and caught
     * up by its leader if it has none.
     */
    private LocalPartition startPartition(ConfState foundingMembers, int p) {
        PartitionOptions options = new PartitionOptions(dir.partition(p), config.defaultEngine(), config.defaultEngineOptions(),
                "lsm", SYSTEM_STORE_OPTIONS, config.maxKeyBytes(), config.maxValueBytes(), PartitionOptions.DEFAULT_MAX_BATCH_OPERATIONS,
                PartitionOptions.DEFAULT_MAX_SCAN_LIMIT, SessionTable.Options.defaults());
        PartitionStateMachine machine;
        try {
            machine = PartitionStateMachine.open(options);
        } catch (UncheckedIOException e) {
            throw new NodeStartException("cannot open the replica of partition " + p + " in " + dir.partition(p) + ": "
                    + e.getCause().getMessage(), e);
        }
        try {
            RaftGroup group = raft.startGroup(RaftGroupIds.ofPartition(p), foundingMembers, machine);
            return new LocalPartition(p, group, machine);
        } catch (RuntimeException e) {
            machine.close();
            throw e;
        }
    }

    /** Partition reconciler: an empty replica of {@code p} that waits for its group's leader to add it. */
    private LocalPartition openJoining(int p) {
        synchronized (partitions) {
            if (partitions.containsKey(p)) {
                return partitions.get(p);
            }
            if (Files.exists(dir.partition(p))) {
                deleteReplicaDirectory(p); // left over from an earlier replica (its group is not hosted here)
            }
            Path mark = dir.partition(p).resolve(OPENING_MARK);
            LocalPartition lp;
            try {
                Files.createDirectories(dir.partition(p));
                Files.writeString(mark, "being opened by node " + config.nodeId() + "\n");
                lp = startPartition(null, p);
            } catch (java.io.IOException e) {
                throw new UncheckedIOException("cannot prepare the replica directory " + dir.partition(p), e);
            } catch (RuntimeException e) {
                try {
                    deleteReplicaDirectory(p);
                } catch (RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
                throw e;
            }
            partitions.put(p, lp);
            try {
                Files.deleteIfExists(mark);
            } catch (java.io.IOException e) {
                throw new UncheckedIOException("cannot finish opening the replica in " + dir.partition(p), e);
            }
            return lp;
        }
    }

    /**
     * Partition reconciler: the replica's group left this node (committed and recorded). Marks the
     * directory first, so that a crash midway deletes it on the next start instead of serving it.
     */
    private void retire(LocalPartition lp) {
        int p = lp.partition();
        synchronized (partitions) {
            if (!partitions.remove(p, lp)) {
                return;
            }
        }
        try {
            Files.writeString(dir.partition(p).resolve(RETIRING_MARK), "retired by node " + config.nodeId() + "\n");
            raft.removeGroup(RaftGroupIds.ofPartition(p)).get(30, TimeUnit.SECONDS);
        } catch (java.io.IOException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("partition " + p + ": stopping the retired replica failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while retiring partition " + p, e);
        }
        lp.machine().close();
        deleteReplicaDirectory(p);
    }

    private void deleteReplicaDirectory(int p) {
        Path root = dir.partition(p);
        try (java.util.stream.Stream<Path> walk = Files.walk(root)) {
            for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        } catch (java.io.IOException e) {
            throw new UncheckedIOException("cannot delete the replica directory " + root, e);
        }
    }

    /** Points the Raft transport at every node of {@code state} (quick: called on the thread that adopted the state). */
    private void updatePeers(ClusterState state) {
        NettyTransport t = transport;
        if (t == null) {
            return;
        }
        for (NodeRecord n : state.nodes().values()) {
            if (n.nodeId() == config.nodeId()) {
                continue;
            }
            try {
                if (t.setPeerAddress(n.nodeId(), RaftAddresses.parse(n.raftAddress()))) {
                    LOG.info("node {}: raft peer {} at {}", config.nodeId(), n.nodeId(), n.raftAddress());
                }
            } catch (IllegalArgumentException e) {
                LOG.warn("node {}: node {} has a raft address that does not parse: {}", config.nodeId(), n.nodeId(), e.getMessage());
            }
        }
    }

    private static NodeStartException portProblem(RuntimeException e, String which, InetSocketAddress address) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return new NodeStartException("cannot listen on " + address.getHostString() + ":" + address.getPort() + " (the "
                        + which + " port): " + (t.getMessage() == null ? "in use" : t.getMessage()), e);
            }
        }
        return e instanceof NodeStartException n ? n : new NodeStartException("cannot start the " + which + " endpoint on "
                + address + ": " + e.getMessage(), e);
    }

    private void guarded(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.warn("node {}: background task failed: {}", config.nodeId(), e.toString(), e);
        }
    }

    public long nodeId() {
        return config.nodeId();
    }

    /** For tests in this package. */
    LeaderBalancer leaderBalancer() {
        return leaders;
    }

    /** The RESP port's address, or null when this member has none. */
    public InetSocketAddress respAddress() {
        return resp == null ? null : resp.localAddress();
    }

    /** The admin port's address, or null when this member has none. */
    public InetSocketAddress adminAddress() {
        return admin == null ? null : admin.localAddress();
    }

    public InetSocketAddress clientAddress() {
        return endpoint.localAddress();
    }

    /** The newest cluster state this node holds (any thread). */
    public ClusterState clusterState() {
        return view.state();
    }

    /** Partitions of which this node holds a replica that is a member of its group, ascending. */
    public java.util.SortedSet<Integer> memberPartitions() {
        java.util.TreeSet<Integer> out = new java.util.TreeSet<>();
        partitions.values().stream().filter(LocalPartition::isMember).forEach(lp -> out.add(lp.partition()));
        return out;
    }

    /** Partitions of which this node holds a replica, member or not yet, ascending. */
    public java.util.SortedSet<Integer> hostedPartitions() {
        return new java.util.TreeSet<>(partitions.keySet());
    }

    /** Learners this node added as a partition leader (moves started). */
    public long movesStarted() {
        return mover == null ? 0 : mover.movesStarted();
    }

    /** Replicas this node removed as a partition leader (moves finished). */
    public long movesFinished() {
        return mover == null ? 0 : mover.movesFinished();
    }

    /** Blocks until {@link #close()} has finished (from any thread, e.g. a shutdown hook). */
    public void awaitClosed() throws InterruptedException {
        closed.await();
    }

    /**
     * Stops serving and closes everything in dependency order: upkeep and the client endpoint
     * first (no new work), then Raft (which applies to the replicas), then the replicas, the log
     * and the directory lock.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        try {
            List<AutoCloseable> order = new ArrayList<>();
            order.add(admin);
            order.add(resp);
            if (background != null) {
                order.add(background::shutdownNow);
            }
            order.add(leaders);
            order.add(endpoint);
            order.add(forwarder);
            order.add(raft);
            if (reads != null) {
                order.add(reads::close);
            }
            order.addAll(partitions.values().stream().map(LocalPartition::machine).toList());
            if (store != null) {
                order.add(store::close);
            }
            order.add(dir);
            for (AutoCloseable r : order) {
                if (r == null) {
                    continue;
                }
                try {
                    r.close();
                } catch (Exception e) {
                    LOG.warn("node {}: closing {} failed: {}", config.nodeId(), r, e.toString());
                }
            }
        } finally {
            closed.countDown();
        }
    }
}
