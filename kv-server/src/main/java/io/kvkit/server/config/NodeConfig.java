package io.kvkit.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything one node needs to start: who it is, where its data lives, the cluster it founds or
 * rejoins, and its tunables. Built from a YAML file with flags on top by
 * {@link NodeConfigLoader}; checked there, with messages that name the setting and what is
 * allowed. This record only holds the values.
 *
 * <p>The cluster-wide settings ({@code initialCluster}, {@code partitions},
 * {@code replicationFactor}, {@code metaReplicas}, {@code defaultEngine} and its options, the
 * limits) must be identical on every node that founds a cluster: they seed the first ring and
 * the meta group deterministically, as etcd's {@code --initial-cluster} does. After the first
 * start the meta group holds the truth and a restarted node reads its own data directory.
 *
 * @param nodeId               this node's id, &gt; 0, one of {@code initialCluster}
 * @param dataDir              this node's data directory (created if missing)
 * @param listenHost           the address the node binds its ports to (default: its member host)
 * @param initialCluster       every founding member, this node included
 * @param partitions           Q, a power of two (default 64)
 * @param replicationFactor    R, replicas per partition (default 3, at most the member count)
 * @param metaReplicas         members of the meta group: the first this many members by id (default 3)
 * @param defaultEngine        engine of the {@code default} table ("lsm", "hash", "bplustree"; default lsm)
 * @param defaultEngineOptions engine options of the {@code default} table
 * @param tickInterval         Raft tick (default 50 ms); elections take {@code electionTicks} ticks
 * @param electionTicks        Raft election timeout in ticks (default 10)
 * @param syncWrites           fsync the Raft log before acknowledging (default true)
 * @param leaseReads           leaders may serve LEASE reads from their lease (default true)
 * @param raftWorkerThreads    Raft worker threads (default: available processors)
 * @param snapshotEveryEntries applied entries between snapshots of a partition (default 100,000)
 * @param requestTimeout       how long the node waits for a commit or a read before TIMEOUT (default 5 s)
 * @param maxKeyBytes          largest key (default 16 KiB)
 * @param maxValueBytes        largest value (default 4 MiB)
 * @param maxInFlightPerConnection requests a client connection may have unanswered before the node stops reading it (default 1024)
 * @param clientIoThreads      event-loop threads of the client endpoint (default 2)
 * @param leaderBalance        move led partitions to their preferred leaders, and away while this node is slow (default true)
 * @param leaderBalanceDelay   a partition this node has led for less than this is left alone (default 10 s)
 * @param leaderBalanceInterval time between balancing rounds, also the slow-node window (default 2 s)
 * @param leaderBalanceMaxTransfers leadership transfers running at once at most (default 2)
 * @param slowNodeThreshold    a window whose p99 Raft-log fsync time exceeds this is slow (default 200 ms)
 * @param slowNodeWindows      consecutive slow windows that make the node slow, and windows under half
 *                             the threshold that end it (default 3); see {@link LeaderBalancing}
 * @param join                 "" for a node that founds (or restarts in) the cluster of {@code initialCluster};
 *                             else the client address ("host:port") of any node of a running cluster this
 *                             node joins: {@code initialCluster} then holds only this node's own entry, and Q,
 *                             R and the tables come from the cluster
 * @param maxConcurrentMoves   partitions led by this node that may move between nodes at once (default 2)
 * @param nodeDownAfter        how long the meta leader hears nothing from a node before it marks it DOWN
 *                             and re-creates its replicas on the others (default 30 s)
 */
public record NodeConfig(long nodeId, Path dataDir, String listenHost, List<Member> initialCluster, int partitions,
                         int replicationFactor, int metaReplicas, String defaultEngine,
                         Map<String, String> defaultEngineOptions, Duration tickInterval, int electionTicks,
                         boolean syncWrites, boolean leaseReads, int raftWorkerThreads, long snapshotEveryEntries,
                         Duration requestTimeout, int maxKeyBytes, int maxValueBytes, int maxInFlightPerConnection,
                         int clientIoThreads, boolean leaderBalance, Duration leaderBalanceDelay,
                         Duration leaderBalanceInterval, int leaderBalanceMaxTransfers, Duration slowNodeThreshold,
                         int slowNodeWindows, String join, int maxConcurrentMoves, Duration nodeDownAfter) {
    /** Partitions led by one node that may move at once, unless configured. */
    public static final int DEFAULT_MAX_CONCURRENT_MOVES = 2;
    /** How long a node may be silent before the meta leader marks it DOWN, unless configured. */
    public static final Duration DEFAULT_NODE_DOWN_AFTER = Duration.ofSeconds(30);

    /** A node that founds or restarts in its cluster, with the default balancing and move settings. */
    public NodeConfig(long nodeId, Path dataDir, String listenHost, List<Member> initialCluster, int partitions,
                      int replicationFactor, int metaReplicas, String defaultEngine, Map<String, String> defaultEngineOptions,
                      Duration tickInterval, int electionTicks, boolean syncWrites, boolean leaseReads, int raftWorkerThreads,
                      long snapshotEveryEntries, Duration requestTimeout, int maxKeyBytes, int maxValueBytes,
                      int maxInFlightPerConnection, int clientIoThreads) {
        this(nodeId, dataDir, listenHost, initialCluster, partitions, replicationFactor, metaReplicas, defaultEngine,
                defaultEngineOptions, tickInterval, electionTicks, syncWrites, leaseReads, raftWorkerThreads, snapshotEveryEntries,
                requestTimeout, maxKeyBytes, maxValueBytes, maxInFlightPerConnection, clientIoThreads, LeaderBalancing.defaults(),
                "", DEFAULT_MAX_CONCURRENT_MOVES, DEFAULT_NODE_DOWN_AFTER);
    }

    private NodeConfig(long nodeId, Path dataDir, String listenHost, List<Member> initialCluster, int partitions,
                       int replicationFactor, int metaReplicas, String defaultEngine,
                       Map<String, String> defaultEngineOptions, Duration tickInterval, int electionTicks,
                       boolean syncWrites, boolean leaseReads, int raftWorkerThreads, long snapshotEveryEntries,
                       Duration requestTimeout, int maxKeyBytes, int maxValueBytes, int maxInFlightPerConnection,
                       int clientIoThreads, LeaderBalancing lb, String join, int maxConcurrentMoves, Duration nodeDownAfter) {
        this(nodeId, dataDir, listenHost, initialCluster, partitions, replicationFactor, metaReplicas, defaultEngine,
                defaultEngineOptions, tickInterval, electionTicks, syncWrites, leaseReads, raftWorkerThreads, snapshotEveryEntries,
                requestTimeout, maxKeyBytes, maxValueBytes, maxInFlightPerConnection, clientIoThreads, lb.enabled(), lb.delay(),
                lb.interval(), lb.maxTransfersPerRound(), lb.slowNodeThreshold(), lb.slowNodeWindows(), join, maxConcurrentMoves,
                nodeDownAfter);
    }


    /**
     * One founding member, as every node of the cluster sees it: its id and the host and ports
     * peers and clients reach it on. {@code adminPort} and {@code respPort} are 0 when the
     * member does not serve them.
     */
    public record Member(long id, String host, int raftPort, int clientPort, int adminPort, int respPort) {
        public Member {
            Objects.requireNonNull(host, "host");
        }

        public String raftAddress() {
            return host + ":" + raftPort;
        }

        public String clientAddress() {
            return host + ":" + clientPort;
        }
    }

    public NodeConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(listenHost, "listenHost");
        initialCluster = List.copyOf(initialCluster);
        Objects.requireNonNull(defaultEngine, "defaultEngine");
        defaultEngineOptions = Map.copyOf(defaultEngineOptions);
        Objects.requireNonNull(tickInterval, "tickInterval");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        leaderBalancing(leaderBalance, leaderBalanceDelay, leaderBalanceInterval, leaderBalanceMaxTransfers, slowNodeThreshold,
                slowNodeWindows); // checks them
        Objects.requireNonNull(join, "join (\"\" if none)");
        Objects.requireNonNull(nodeDownAfter, "nodeDownAfter");
        if (maxConcurrentMoves < 1) {
            throw new IllegalArgumentException("maxConcurrentMoves " + maxConcurrentMoves + " is not allowed (allowed: 1 or more)");
        }
    }

    /** The leader-balancing settings as one value. */
    public LeaderBalancing leaderBalancing() {
        return leaderBalancing(leaderBalance, leaderBalanceDelay, leaderBalanceInterval, leaderBalanceMaxTransfers,
                slowNodeThreshold, slowNodeWindows);
    }

    private static LeaderBalancing leaderBalancing(boolean on, Duration delay, Duration interval, int maxTransfers,
                                                   Duration slowThreshold, int slowWindows) {
        return new LeaderBalancing(on, delay, interval, maxTransfers, slowThreshold, slowWindows);
    }

    /** This config with {@code lb} as its leader-balancing settings. */
    public NodeConfig withLeaderBalancing(LeaderBalancing lb) {
        return new NodeConfig(nodeId, dataDir, listenHost, initialCluster, partitions, replicationFactor, metaReplicas,
                defaultEngine, defaultEngineOptions, tickInterval, electionTicks, syncWrites, leaseReads, raftWorkerThreads,
                snapshotEveryEntries, requestTimeout, maxKeyBytes, maxValueBytes, maxInFlightPerConnection, clientIoThreads, lb,
                join, maxConcurrentMoves, nodeDownAfter);
    }

    /** Whether this node joins a running cluster through {@link #join()}. */
    public boolean joins() {
        return !join.isEmpty();
    }

    /** This configuration joining the cluster that the node at {@code seedClientAddress} belongs to. */
    public NodeConfig withJoin(String seedClientAddress) {
        return new NodeConfig(nodeId, dataDir, listenHost, initialCluster, partitions, replicationFactor, metaReplicas, defaultEngine,
                defaultEngineOptions, tickInterval, electionTicks, syncWrites, leaseReads, raftWorkerThreads, snapshotEveryEntries,
                requestTimeout, maxKeyBytes, maxValueBytes, maxInFlightPerConnection, clientIoThreads, leaderBalancing(),
                seedClientAddress, maxConcurrentMoves, nodeDownAfter);
    }

    /** This configuration with another {@link #nodeDownAfter()}. */
    public NodeConfig withNodeDownAfter(Duration after) {
        return new NodeConfig(nodeId, dataDir, listenHost, initialCluster, partitions, replicationFactor, metaReplicas, defaultEngine,
                defaultEngineOptions, tickInterval, electionTicks, syncWrites, leaseReads, raftWorkerThreads, snapshotEveryEntries,
                requestTimeout, maxKeyBytes, maxValueBytes, maxInFlightPerConnection, clientIoThreads, leaderBalancing(), join,
                maxConcurrentMoves, after);
    }

    /** This node's own entry of {@code initialCluster}. */
    public Member self() {
        return member(nodeId).orElseThrow(() -> new IllegalStateException(
                "node " + nodeId + " is not in the initial cluster " + initialCluster));
    }

    public Optional<Member> member(long id) {
        return initialCluster.stream().filter(m -> m.id() == id).findFirst();
    }
}
