package io.kvkit.ycsb;

import io.kvkit.client.Consistency;
import io.kvkit.client.Protocol;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Every YCSB property the remote binding ({@link KvkitRemoteDB}) reads, with its default.
 *
 * <table>
 *   <caption>Properties</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@value #ENDPOINTS}</td><td>(required)</td><td>{@code host:port,...} of any nodes' client endpoints; the rest of the cluster is learned</td></tr>
 *   <tr><td>{@value #TABLE}</td><td>{@value #DEFAULT_TABLE}</td><td>the kvkit table holding the records (YCSB's own table name is part of each key)</td></tr>
 *   <tr><td>{@value #CREATE_TABLE}</td><td>false</td><td>the first client thread creates the table on {@value #ENGINE} if it does not exist</td></tr>
 *   <tr><td>{@value #ENGINE}</td><td>{@value #DEFAULT_ENGINE} (when creating)</td><td>lsm, hash or bplustree; when set, an existing table must use it</td></tr>
 *   <tr><td>{@value #ENGINE_OPTION_PREFIX}NAME</td><td>engine default</td><td>engine option NAME for a table this binding creates</td></tr>
 *   <tr><td>{@value #CONSISTENCY}</td><td>linearizable</td><td>reads and scans: linearizable, lease, follower or stale</td></tr>
 *   <tr><td>{@value #TIMEOUT_MS}</td><td>{@value #DEFAULT_TIMEOUT_MS}</td><td>deadline of one client call in milliseconds, retries included</td></tr>
 *   <tr><td>{@value #POOL}</td><td>{@value #DEFAULT_POOL}</td><td>connections per node, shared by every client thread of the JVM</td></tr>
 *   <tr><td>{@value #UPDATE_ATTEMPTS}</td><td>{@value #DEFAULT_UPDATE_ATTEMPTS}</td><td>compare-and-set attempts of one update before it fails with ERROR</td></tr>
 * </table>
 *
 * @param endpoints       seed endpoints, each {@code host:port}
 * @param table           kvkit table name
 * @param createTable     whether the first client thread creates the table
 * @param engine          engine for a created table; null when not given (then any existing table will do)
 * @param engineOptions   engine options for a created table, prefix removed
 * @param consistency     read consistency
 * @param timeoutMillis   per-call deadline
 * @param connectionsPerNode connections per node
 * @param updateAttempts  compare-and-set attempts per update
 */
public record KvkitRemoteOptions(List<String> endpoints, String table, boolean createTable, String engine,
                                 Map<String, String> engineOptions, Consistency consistency, long timeoutMillis,
                                 int connectionsPerNode, int updateAttempts) {
    public static final String ENDPOINTS = "kvkit.endpoints";
    public static final String TABLE = "kvkit.table";
    public static final String CREATE_TABLE = "kvkit.createtable";
    /** The same key as the embedded binding's engine: here it names the engine of the cluster table. */
    public static final String ENGINE = KvkitBindingOptions.ENGINE;
    public static final String ENGINE_OPTION_PREFIX = KvkitBindingOptions.ENGINE_OPTION_PREFIX;
    public static final String CONSISTENCY = "kvkit.consistency";
    public static final String TIMEOUT_MS = "kvkit.timeout.ms";
    public static final String POOL = "kvkit.pool";
    public static final String UPDATE_ATTEMPTS = "kvkit.update.attempts";

    public static final String DEFAULT_TABLE = Protocol.DEFAULT_TABLE;
    public static final String DEFAULT_ENGINE = "lsm";
    public static final long DEFAULT_TIMEOUT_MS = 10_000;
    public static final int DEFAULT_POOL = 1;
    public static final int DEFAULT_UPDATE_ATTEMPTS = 100;
    static final long MAX_TIMEOUT_MS = 3_600_000;
    static final int MAX_POOL = 64;
    static final int MAX_UPDATE_ATTEMPTS = 1_000_000;

    public KvkitRemoteOptions {
        endpoints = List.copyOf(endpoints);
        engineOptions = Map.copyOf(engineOptions);
    }

    /** The engine a table created by this binding gets. */
    public String engineToCreate() {
        return engine == null ? DEFAULT_ENGINE : engine;
    }

    /**
     * Reads the options from YCSB's properties.
     *
     * @throws IllegalArgumentException naming the property, the value given and what is allowed
     */
    public static KvkitRemoteOptions from(Properties p) {
        List<String> endpoints = endpoints(p.getProperty(ENDPOINTS));
        String table = p.getProperty(TABLE, DEFAULT_TABLE).trim();
        if (!validTableName(table)) {
            throw new IllegalArgumentException(TABLE + "='" + table + "' is not a table name: 1 to " + Protocol.MAX_TABLE_NAME_LENGTH
                    + " characters of [A-Za-z0-9_.-]");
        }
        boolean create = parseBoolean(p, CREATE_TABLE, false);
        String engine = p.getProperty(ENGINE);
        if (engine != null) {
            engine = engine.trim().toLowerCase(Locale.ROOT);
            if (!Protocol.ENGINES.contains(engine)) {
                throw new IllegalArgumentException(ENGINE + "='" + p.getProperty(ENGINE) + "' is not a cluster engine; use one of "
                        + String.join(", ", Protocol.ENGINES));
            }
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (String name : p.stringPropertyNames()) {
            if (name.startsWith(ENGINE_OPTION_PREFIX)) {
                String option = name.substring(ENGINE_OPTION_PREFIX.length());
                if (option.isEmpty()) {
                    throw new IllegalArgumentException("property '" + name + "' names no engine option; write " + ENGINE_OPTION_PREFIX + "NAME=VALUE");
                }
                options.put(option, p.getProperty(name));
            }
        }
        if (!options.isEmpty() && !create) {
            throw new IllegalArgumentException("engine options (" + String.join(", ", options.keySet().stream().map(o -> ENGINE_OPTION_PREFIX + o).toList())
                    + ") apply only to a table this binding creates; set " + CREATE_TABLE + "=true or remove them");
        }
        Consistency consistency = consistency(p.getProperty(CONSISTENCY));
        long timeout = parseLong(p, TIMEOUT_MS, DEFAULT_TIMEOUT_MS, 1, MAX_TIMEOUT_MS, "milliseconds");
        int pool = (int) parseLong(p, POOL, DEFAULT_POOL, 1, MAX_POOL, "connections per node");
        int attempts = (int) parseLong(p, UPDATE_ATTEMPTS, DEFAULT_UPDATE_ATTEMPTS, 1, MAX_UPDATE_ATTEMPTS, "attempts");
        return new KvkitRemoteOptions(endpoints, table, create, engine, options, consistency, timeout, pool, attempts);
    }

    private static List<String> endpoints(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(ENDPOINTS + " is not set; give the client endpoints of one or more nodes as host:port,...,"
                    + " e.g. -p " + ENDPOINTS + "=127.0.0.1:7101,127.0.0.1:7102");
        }
        List<String> out = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            String hp = part.trim();
            int colon = hp.lastIndexOf(':');
            String host = colon > 0 ? hp.substring(0, colon) : "";
            boolean hostOk;
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1); // [IPv6]:port
                hostOk = host.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.');
            } else {
                // a name or an IPv4 address; a bare IPv6 address is ambiguous with its port
                hostOk = host.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                        || c == '.' || c == '-' || c == '_');
            }
            int port = -1;
            if (colon > 0) {
                try {
                    port = Integer.parseInt(hp.substring(colon + 1));
                } catch (NumberFormatException e) {
                    port = -1;
                }
            }
            if (host.isEmpty() || !hostOk || port < 1 || port > 65_535) {
                throw new IllegalArgumentException(ENDPOINTS + "='" + value + "': '" + hp + "' is not host:port with a port from 1 to 65535"
                        + " (endpoints are separated by commas, e.g. 127.0.0.1:7101,127.0.0.1:7102; IPv6 as [::1]:7101)");
            }
            out.add(hp);
        }
        return out;
    }

    private static boolean validTableName(String name) {
        return !name.isEmpty() && name.length() <= Protocol.MAX_TABLE_NAME_LENGTH && name.chars().allMatch(c -> (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-');
    }

    private static Consistency consistency(String value) {
        if (value == null) {
            return Consistency.LINEARIZABLE;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "linearizable" -> Consistency.LINEARIZABLE;
            case "lease" -> Consistency.LEASE;
            case "follower" -> Consistency.FOLLOWER;
            case "stale" -> Consistency.STALE;
            default -> throw new IllegalArgumentException(CONSISTENCY + "='" + value + "' is not a read consistency; use linearizable, lease,"
                    + " follower or stale");
        };
    }

    private static long parseLong(Properties p, String key, long dflt, long min, long max, String unit) {
        String v = p.getProperty(key);
        if (v == null) {
            return dflt;
        }
        long n;
        try {
            n = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + "='" + v + "' is not a whole number; give " + unit + " from " + min + " to " + max, e);
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(key + "=" + n + " is out of range; give " + unit + " from " + min + " to " + max);
        }
        return n;
    }

    private static boolean parseBoolean(Properties p, String key, boolean dflt) {
        String v = p.getProperty(key);
        if (v == null) {
            return dflt;
        }
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(key + "='" + v + "' is not a boolean; use true or false");
        };
    }
}
