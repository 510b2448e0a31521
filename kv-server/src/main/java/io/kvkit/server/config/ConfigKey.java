package io.kvkit.server.config;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Every setting of a node, as it is spelled in the YAML file and as a flag ({@code --<key>}),
 * with the text both the flag help and the errors use. The defaults are applied by
 * {@link NodeConfigLoader}; {@link NodeConfig}'s javadoc is the reference for their meaning.
 */
public enum ConfigKey {
    NODE_ID("node-id", "ID", "this node's id, > 0, one of the initial cluster (required)"),
    DATA_DIR("data-dir", "DIR", "this node's data directory, created if missing (required)"),
    LISTEN_HOST("listen-host", "HOST", "address the node binds its ports to (default: its own host in the initial cluster)"),
    INITIAL_CLUSTER("initial-cluster", "ID=HOST:RAFT:CLIENT[:ADMIN[:RESP]],...",
            "every founding member, this node included (required)"),
    PARTITIONS("partitions", "Q", "partitions, a power of two (default 64; fixed at cluster creation)"),
    REPLICATION_FACTOR("replication-factor", "R", "replicas per partition, at most the member count (default 3)"),
    META_REPLICAS("meta-replicas", "M", "members of the meta group, odd, at most the member count (default 3)"),
    DEFAULT_ENGINE("default-engine", "ENGINE", "engine of the default table: lsm, hash or bplustree (default lsm)"),
    DEFAULT_ENGINE_OPTIONS("default-engine-options", "K=V[,K=V...]", "engine options of the default table (default none)"),
    TICK_INTERVAL("tick-interval", "DURATION", "Raft tick, e.g. 50ms, 1s (default 50ms)"),
    ELECTION_TICKS("election-ticks", "TICKS", "Raft election timeout in ticks (default 10)"),
    SYNC_WRITES("sync-writes", "true|false", "fsync the Raft log before acknowledging (default true)"),
    LEASE_READS("lease-reads", "true|false", "leaders may serve LEASE reads from their lease (default true)"),
    RAFT_WORKER_THREADS("raft-worker-threads", "N", "Raft worker threads (default: available processors)"),
    SNAPSHOT_EVERY_ENTRIES("snapshot-every-entries", "N", "applied entries between snapshots of a partition (default 100000)"),
    REQUEST_TIMEOUT("request-timeout", "DURATION", "how long a request may wait for a commit or a read (default 5s)"),
    MAX_KEY_BYTES("max-key-bytes", "BYTES", "largest key, e.g. 16KiB (default 16KiB)"),
    MAX_VALUE_BYTES("max-value-bytes", "BYTES", "largest value, e.g. 4MiB (default 4MiB)"),
    MAX_IN_FLIGHT_PER_CONNECTION("max-in-flight-per-connection", "N",
            "unanswered requests per client connection before the node stops reading it (default 1024)"),
    CLIENT_IO_THREADS("client-io-threads", "N", "event-loop threads of the client endpoint (default 2)"),
    LEADER_BALANCE("leader-balance", "true|false",
            "move each led partition to its preferred leader, and away from this node while its log fsyncs are slow (default true)"),
    LEADER_BALANCE_DELAY("leader-balance-delay", "DURATION",
            "a partition this node has led for less than this is left alone, e.g. 10s (default 10s)"),
    LEADER_BALANCE_INTERVAL("leader-balance-interval", "DURATION",
            "time between balancing rounds, also the slow-node measuring window (default 2s)"),
    LEADER_BALANCE_MAX_TRANSFERS("leader-balance-max-transfers", "N", "leadership transfers started per round at most (default 2)"),
    SLOW_NODE_THRESHOLD("slow-node-threshold", "DURATION",
            "a window whose p99 Raft-log fsync time is above this counts as slow (default 200ms)"),
    SLOW_NODE_WINDOWS("slow-node-windows", "N",
            "consecutive slow windows that make this node slow, and windows under half the threshold that end it (default 3)"),
    JOIN("join", "HOST:PORT", "client address of any node of a running cluster to join (initial-cluster then lists only this "
            + "node; partitions, replication factor and tables come from the cluster); default: none, found or restart the "
            + "initial cluster"),
    MAX_CONCURRENT_MOVES("max-concurrent-moves", "N", "partitions led by this node that may move between nodes at once (default 2)"),
    NODE_DOWN_AFTER("node-down-after", "DURATION", "how long the meta leader hears nothing from a node before it marks it DOWN "
            + "and re-creates its replicas on the others, e.g. 30s (default 30s)");

    private final String key;
    private final String paramLabel;
    private final String description;

    ConfigKey(String key, String paramLabel, String description) {
        this.key = key;
        this.paramLabel = paramLabel;
        this.description = description;
    }

    /** The kebab-case name: the YAML key and, with {@code --} in front, the flag. */
    public String key() {
        return key;
    }

    public String paramLabel() {
        return paramLabel;
    }

    public String description() {
        return description;
    }

    /** Whether the value is true or false (a flag of this key may be given without a value). */
    public boolean isBoolean() {
        return this == SYNC_WRITES || this == LEASE_READS || this == LEADER_BALANCE;
    }

    public static Optional<ConfigKey> of(String key) {
        return Arrays.stream(values()).filter(k -> k.key.equals(key)).findFirst();
    }

    public static List<String> keys() {
        return Arrays.stream(values()).map(ConfigKey::key).toList();
    }

    /** The known key closest to {@code unknown} by edit distance, if it is close enough to be a likely typo. */
    public static Optional<String> nearest(String unknown) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (ConfigKey k : values()) {
            int d = editDistance(unknown.toLowerCase(java.util.Locale.ROOT), k.key);
            if (d < bestDistance) {
                best = k.key;
                bestDistance = d;
            }
        }
        // a third of the length is a typo or a camelCase/snake_case spelling; beyond, a guess would mislead
        return bestDistance <= Math.max(2, best.length() / 3) ? Optional.of(best) : Optional.empty();
    }

    /** Levenshtein distance, where '_' and '-' count as the same character (snake_case spellings). */
    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                char x = a.charAt(i - 1) == '_' ? '-' : a.charAt(i - 1);
                int substitution = previous[j - 1] + (x == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }
}
