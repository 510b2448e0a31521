package io.kvkit.server.config;

import io.kvkit.engine.api.InvalidArgumentException;
import io.kvkit.engine.api.OptionValues;
import io.kvkit.engine.api.StorageEngineProvider;
import io.kvkit.engine.api.StorageEngines;
import io.kvkit.server.config.NodeConfig.Member;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Builds a {@link NodeConfig} from a YAML file with flags on top, and checks it, so that a node
 * never starts on a setting it would misread. Every problem is a {@link ConfigException} whose
 * message names the setting, where it was written, the bad value and what is allowed.
 *
 * <p>Keys are the {@link ConfigKey} names, the same in the file and as flags. A flag replaces the
 * file's value of its key as a whole (for {@code initial-cluster} and
 * {@code default-engine-options} too). Defaults are those of {@link NodeConfig}'s javadoc.
 *
 * <p>{@link #checkLocalResources} is the second, separate step: it touches the machine (creates
 * the data directory, binds the ports for a moment) and so is not part of loading.
 */
public final class NodeConfigLoader {

    public static final int DEFAULT_PARTITIONS = 64;
    public static final int MAX_PARTITIONS = 1 << 20;         // kv-ring's RingOptions.MAX_PARTITION_COUNT
    public static final int DEFAULT_REPLICATION_FACTOR = 3;
    public static final int MAX_REPLICATION_FACTOR = 7;       // kv-ring's RingOptions.MAX_REPLICATION_FACTOR
    public static final int DEFAULT_META_REPLICAS = 3;
    public static final String DEFAULT_ENGINE = "lsm";
    public static final Duration DEFAULT_TICK_INTERVAL = Duration.ofMillis(50);
    public static final int DEFAULT_ELECTION_TICKS = 10;
    public static final long DEFAULT_SNAPSHOT_EVERY_ENTRIES = 100_000;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_KEY_BYTES = 16 * 1024;
    /** Engines cap keys at 64 KiB and the partition stores a key with a one-byte prefix. */
    public static final int MAX_MAX_KEY_BYTES = 64 * 1024 - 1;
    public static final int DEFAULT_MAX_VALUE_BYTES = 4 * 1024 * 1024;
    /** A value travels whole in one frame, one Raft entry and one snapshot array: keep it far below those limits. */
    public static final int MAX_MAX_VALUE_BYTES = 64 * 1024 * 1024;
    public static final int DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION = 1024;
    public static final int DEFAULT_CLIENT_IO_THREADS = 2;

    private final Map<String, RawValue> settings;

    private NodeConfigLoader(Map<String, RawValue> settings) {
        this.settings = settings;
    }

    /**
     * Loads {@code yamlOrNull} (if not null) and applies {@code overrides} (key → flag text) on
     * top, then checks the result.
     *
     * @throws ConfigException naming the setting, its origin, the bad value and what is allowed
     */
    public static NodeConfig load(Path yamlOrNull, Map<String, String> overrides) {
        Map<String, RawValue> settings = new LinkedHashMap<>();
        if (yamlOrNull != null) {
            for (Map.Entry<String, RawValue> e : ConfigFile.read(yamlOrNull).entrySet()) {
                checkKnown(e.getKey(), e.getValue().origin());
                settings.put(e.getKey(), e.getValue());
            }
        }
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            if (e.getValue() == null) {
                continue;
            }
            checkKnown(e.getKey(), "flag --" + e.getKey());
            settings.put(e.getKey(), RawValue.ofText(e.getValue(), "flag --" + e.getKey()));
        }
        return new NodeConfigLoader(settings).build();
    }

    private static void checkKnown(String key, String origin) {
        if (ConfigKey.of(key).isEmpty()) {
            String hint = ConfigKey.nearest(key).map(k -> "did you mean '" + k + "'? ").orElse("");
            throw new ConfigException(key, origin + ": unknown key '" + key + "'; " + hint + "known keys: "
                    + String.join(", ", ConfigKey.keys()));
        }
    }

    private NodeConfig build() {
        long nodeId = required(ConfigKey.NODE_ID).longIn(key(ConfigKey.NODE_ID), 1, Long.MAX_VALUE);
        Path dataDir = path(ConfigKey.DATA_DIR, required(ConfigKey.DATA_DIR));
        RawValue clusterRaw = required(ConfigKey.INITIAL_CLUSTER);
        List<Member> members = InitialCluster.parse(clusterRaw);
        Member self = members.stream().filter(m -> m.id() == nodeId).findFirst().orElseThrow(() -> {
            String ids = members.stream().map(m -> Long.toString(m.id())).collect(Collectors.joining(", "));
            return new ConfigException(key(ConfigKey.NODE_ID), settings.get(key(ConfigKey.NODE_ID)).at(key(ConfigKey.NODE_ID)) + " = "
                    + nodeId + " is not a member of initial-cluster (" + clusterRaw.origin() + "), which lists ids " + ids
                    + "; allowed: one of " + ids);
        });
        String listenHost = optional(ConfigKey.LISTEN_HOST) == null ? self.host()
                : optional(ConfigKey.LISTEN_HOST).text(key(ConfigKey.LISTEN_HOST), "a host name or IP address of this machine");

        int partitions = DEFAULT_PARTITIONS;
        RawValue q = optional(ConfigKey.PARTITIONS);
        if (q != null) {
            partitions = q.intIn(key(ConfigKey.PARTITIONS), 1, MAX_PARTITIONS);
            if (Integer.bitCount(partitions) != 1) {
                throw q.error(key(ConfigKey.PARTITIONS), "= " + partitions + " is not a power of two",
                        "a power of two in 1.." + MAX_PARTITIONS + " (e.g. " + Integer.highestOneBit(partitions) + " or "
                                + (Integer.highestOneBit(partitions) << 1) + ")");
            }
        }
        String join = "";
        RawValue joinRaw = optional(ConfigKey.JOIN);
        if (joinRaw != null) {
            join = joinRaw.text(key(ConfigKey.JOIN), "host:port of a running node's client endpoint");
            int colon = join.lastIndexOf(':');
            boolean portOk = colon > 0 && join.substring(colon + 1).matches("\\d{1,5}")
                    && Integer.parseInt(join.substring(colon + 1)) >= 1 && Integer.parseInt(join.substring(colon + 1)) <= 65_535;
            if (!portOk) {
                throw joinRaw.error(key(ConfigKey.JOIN), "= '" + join + "' is not host:port",
                        "the client address (host:port, port 1..65535) of any node of the running cluster to join");
            }
        }
        boolean joins = !join.isEmpty();
        int maxMoves = intOr(ConfigKey.MAX_CONCURRENT_MOVES, NodeConfig.DEFAULT_MAX_CONCURRENT_MOVES, 1, 1024);
        Duration downAfter = durationOr(ConfigKey.NODE_DOWN_AFTER, NodeConfig.DEFAULT_NODE_DOWN_AFTER, Duration.ofSeconds(1),
                Duration.ofDays(1));
        int replicationFactor = intOr(ConfigKey.REPLICATION_FACTOR, DEFAULT_REPLICATION_FACTOR, 1, MAX_REPLICATION_FACTOR);
        // a joining node takes Q, R and the meta group from the cluster: its own list holds only itself
        if (replicationFactor > members.size() && !joins) {
            throw new ConfigException(key(ConfigKey.REPLICATION_FACTOR), originOf(ConfigKey.REPLICATION_FACTOR) + ": replication-factor = "
                    + replicationFactor + " is more than the " + members.size() + " member(s) of initial-cluster ("
                    + clusterRaw.origin() + "); allowed: 1.." + Math.min(members.size(), MAX_REPLICATION_FACTOR));
        }
        int metaReplicas = intOr(ConfigKey.META_REPLICAS, DEFAULT_META_REPLICAS, 1, MAX_REPLICATION_FACTOR);
        String metaAllowed = "an odd number in 1.." + Math.min(members.size(), MAX_REPLICATION_FACTOR)
                + " (a quorum of an even group tolerates no more failures than the odd group one smaller)";
        if (metaReplicas % 2 == 0) {
            throw new ConfigException(key(ConfigKey.META_REPLICAS), originOf(ConfigKey.META_REPLICAS) + ": meta-replicas = "
                    + metaReplicas + " is even; allowed: " + metaAllowed);
        }
        if (metaReplicas > members.size() && !joins) {
            throw new ConfigException(key(ConfigKey.META_REPLICAS), originOf(ConfigKey.META_REPLICAS) + ": meta-replicas = "
                    + metaReplicas + " is more than the " + members.size() + " member(s) of initial-cluster ("
                    + clusterRaw.origin() + "); allowed: " + metaAllowed);
        }

        String engine = optional(ConfigKey.DEFAULT_ENGINE) == null ? DEFAULT_ENGINE
                : optional(ConfigKey.DEFAULT_ENGINE).text(key(ConfigKey.DEFAULT_ENGINE), "one of " + String.join(", ", StorageEngines.names()));
        StorageEngineProvider provider = engineProvider(engine);
        Map<String, String> engineOptions = Map.of();
        RawValue rawOptions = optional(ConfigKey.DEFAULT_ENGINE_OPTIONS);
        if (rawOptions != null) {
            engineOptions = rawOptions.stringMap(key(ConfigKey.DEFAULT_ENGINE_OPTIONS));
            try {
                OptionValues.parse(engine, provider.options(), engineOptions);
            } catch (InvalidArgumentException e) {
                throw new ConfigException(key(ConfigKey.DEFAULT_ENGINE_OPTIONS), rawOptions.at(key(ConfigKey.DEFAULT_ENGINE_OPTIONS))
                        + ": " + e.getMessage());
            }
        }

        Duration tick = durationOr(ConfigKey.TICK_INTERVAL, DEFAULT_TICK_INTERVAL, Duration.ofMillis(1), Duration.ofSeconds(10));
        // the lease and the heartbeat (1 tick) both need room below the election timeout
        int electionTicks = intOr(ConfigKey.ELECTION_TICKS, DEFAULT_ELECTION_TICKS, 3, 1000);
        boolean syncWrites = boolOr(ConfigKey.SYNC_WRITES, true);
        boolean leaseReads = boolOr(ConfigKey.LEASE_READS, true);
        int workers = intOr(ConfigKey.RAFT_WORKER_THREADS, Runtime.getRuntime().availableProcessors(), 1, 1024);
        RawValue snap = optional(ConfigKey.SNAPSHOT_EVERY_ENTRIES);
        long snapshotEvery = snap == null ? DEFAULT_SNAPSHOT_EVERY_ENTRIES
                : snap.longIn(key(ConfigKey.SNAPSHOT_EVERY_ENTRIES), 1, 1_000_000_000L);
        Duration requestTimeout = durationOr(ConfigKey.REQUEST_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, Duration.ofMillis(1), Duration.ofHours(1));
        int maxKey = bytesOr(ConfigKey.MAX_KEY_BYTES, DEFAULT_MAX_KEY_BYTES, 1, MAX_MAX_KEY_BYTES);
        int maxValue = bytesOr(ConfigKey.MAX_VALUE_BYTES, DEFAULT_MAX_VALUE_BYTES, 1, MAX_MAX_VALUE_BYTES);
        int inFlight = intOr(ConfigKey.MAX_IN_FLIGHT_PER_CONNECTION, DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION, 1, 65_536);
        int ioThreads = intOr(ConfigKey.CLIENT_IO_THREADS, DEFAULT_CLIENT_IO_THREADS, 1, 256);

        LeaderBalancing leaders = new LeaderBalancing(boolOr(ConfigKey.LEADER_BALANCE, true),
                durationOr(ConfigKey.LEADER_BALANCE_DELAY, LeaderBalancing.DEFAULT_DELAY, Duration.ZERO, LeaderBalancing.MAX_DELAY),
                durationOr(ConfigKey.LEADER_BALANCE_INTERVAL, LeaderBalancing.DEFAULT_INTERVAL, LeaderBalancing.MIN_INTERVAL,
                        LeaderBalancing.MAX_INTERVAL),
                intOr(ConfigKey.LEADER_BALANCE_MAX_TRANSFERS, LeaderBalancing.DEFAULT_MAX_TRANSFERS_PER_ROUND, 1,
                        LeaderBalancing.MAX_TRANSFERS_PER_ROUND),
                durationOr(ConfigKey.SLOW_NODE_THRESHOLD, LeaderBalancing.DEFAULT_SLOW_NODE_THRESHOLD,
                        LeaderBalancing.MIN_SLOW_NODE_THRESHOLD, LeaderBalancing.MAX_SLOW_NODE_THRESHOLD),
                intOr(ConfigKey.SLOW_NODE_WINDOWS, LeaderBalancing.DEFAULT_SLOW_NODE_WINDOWS, 1, LeaderBalancing.MAX_SLOW_NODE_WINDOWS));

        return new NodeConfig(nodeId, dataDir, listenHost, members, partitions, replicationFactor, metaReplicas, engine,
                engineOptions, tick, electionTicks, syncWrites, leaseReads, workers, snapshotEvery, requestTimeout, maxKey, maxValue,
                inFlight, ioThreads, leaders.enabled(), leaders.delay(), leaders.interval(), leaders.maxTransfersPerRound(),
                leaders.slowNodeThreshold(), leaders.slowNodeWindows(), join, maxMoves, downAfter);
    }

    private static String key(ConfigKey k) {
        return k.key();
    }

    private RawValue optional(ConfigKey k) {
        return settings.get(k.key());
    }

    private RawValue required(ConfigKey k) {
        RawValue v = settings.get(k.key());
        if (v == null) {
            throw new ConfigException(k.key(), k.key() + " is not set (in the config file or as --" + k.key() + "); allowed: "
                    + k.paramLabel() + ": " + k.description());
        }
        return v;
    }

    private String originOf(ConfigKey k) {
        RawValue v = settings.get(k.key());
        return v == null ? "default of " + k.key() : v.origin();
    }

    private int intOr(ConfigKey k, int defaultValue, int min, int max) {
        RawValue v = optional(k);
        return v == null ? defaultValue : v.intIn(k.key(), min, max);
    }

    private int bytesOr(ConfigKey k, int defaultValue, int min, int max) {
        RawValue v = optional(k);
        return v == null ? defaultValue : v.bytesIn(k.key(), min, max);
    }

    private Duration durationOr(ConfigKey k, Duration defaultValue, Duration min, Duration max) {
        RawValue v = optional(k);
        return v == null ? defaultValue : v.durationIn(k.key(), min, max);
    }

    private boolean boolOr(ConfigKey k, boolean defaultValue) {
        RawValue v = optional(k);
        return v == null ? defaultValue : v.bool(k.key());
    }

    private static Path path(ConfigKey k, RawValue v) {
        String text = v.text(k.key(), "a directory path");
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw v.error(k.key(), "= '" + text + "' is not a valid path (" + e.getReason() + ")", "a directory path");
        }
    }

    private StorageEngineProvider engineProvider(String engine) {
        RawValue v = optional(ConfigKey.DEFAULT_ENGINE);
        try {
            return StorageEngines.provider(engine);
        } catch (InvalidArgumentException e) {
            String where = v == null ? "default of default-engine" : v.origin();
            throw new ConfigException(key(ConfigKey.DEFAULT_ENGINE), where + ": default-engine = '" + engine
                    + "' is not an engine on the class path; allowed: " + String.join(", ", StorageEngines.names()));
        }
    }

    // ---- preflight ----------------------------------------------------------------------------

    /**
     * Checks what the node will need from this machine before it starts, so that the operator
     * gets one clear message instead of a failure half-way through start-up: the data directory
     * can be created and written, and this node's raft, client, admin and resp ports are free on
     * {@code listenHost}. (A port can still be taken between this check and the node's bind; the
     * node reports that itself.)
     */
    public static void checkLocalResources(NodeConfig config) {
        checkDataDir(config.dataDir());
        Member self = config.self();
        InetAddress host;
        try {
            host = InetAddress.getByName(config.listenHost());
        } catch (UnknownHostException e) {
            throw new ConfigException(key(ConfigKey.LISTEN_HOST), "listen-host '" + config.listenHost()
                    + "' cannot be resolved; allowed: a host name or IP address of this machine");
        }
        String[] names = {"raft-port", "client-port", "admin-port", "resp-port"};
        int[] ports = {self.raftPort(), self.clientPort(), self.adminPort(), self.respPort()};
        for (int i = 0; i < ports.length; i++) {
            if (ports[i] != 0) {
                checkPort(config, host, names[i], ports[i]);
            }
        }
    }

    private static void checkDataDir(Path dir) {
        String key = key(ConfigKey.DATA_DIR);
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new ConfigException(key, "data-dir " + dir + " exists and is not a directory; allowed: a directory, or a path that can be created");
        }
        try {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException e) {
            throw new ConfigException(key, "data-dir " + dir + " cannot be created: " + e.getFile() + " exists and is not a directory");
        } catch (IOException e) {
            throw new ConfigException(key, "data-dir " + dir + " cannot be created: " + ConfigFile.reason(e)
                    + (e instanceof java.nio.file.FileSystemException f && f.getFile() != null && !f.getFile().equals(dir.toString())
                    ? " (at " + f.getFile() + ")" : ""));
        }
        // write and sync a probe: a read-only mount or a full disk shows here, not in the middle of a Raft write
        Path probe = dir.resolve(".kvkit-write-check-" + ProcessHandle.current().pid());
        try (FileChannel ch = FileChannel.open(probe, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {'k', 'v'}));
            ch.force(true);
        } catch (IOException e) {
            throw new ConfigException(key, "data-dir " + dir + " cannot be written: " + ConfigFile.reason(e));
        } finally {
            try {
                Files.deleteIfExists(probe);
            } catch (IOException ignored) {
                // the write error above is the one to report; a probe left behind is harmless
            }
        }
    }

    private static void checkPort(NodeConfig config, InetAddress host, String name, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);   // as the node's listeners do: a port in TIME_WAIT is usable
            s.bind(new InetSocketAddress(host, port), 1);
        } catch (BindException e) {
            String reason = e.getMessage() == null ? "" : e.getMessage();
            String what = reason.contains("in use")
                    ? "is in use (another process listens on it)"
                    : "cannot be bound (" + reason + "; is listen-host an address of this machine?)";
            throw new ConfigException(key(ConfigKey.INITIAL_CLUSTER), name + " " + port + " of node " + config.nodeId() + " on " + config.listenHost() + " " + what
                            + "; allowed: a free port (set in initial-cluster)");
        } catch (IOException e) {
            throw new ConfigException(key(ConfigKey.INITIAL_CLUSTER), name + " " + port + " of node " + config.nodeId() + " on "
                    + config.listenHost() + " cannot be bound: " + e.getMessage());
        }
    }
}
