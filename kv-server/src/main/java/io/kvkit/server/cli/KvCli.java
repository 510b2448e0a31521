package io.kvkit.server.cli;

import io.kvkit.client.Consistency;
import io.kvkit.client.KvClient;
import io.kvkit.client.KvEntry;
import io.kvkit.client.KvException;
import io.kvkit.client.KvTable;
import io.kvkit.client.ScanCursor;
import io.kvkit.client.ScanRange;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code kv cli}: one request to a kvkit cluster through the Java client, for people and
 * scripts. Keys and values are UTF-8 text (printed with escapes for control characters and
 * bytes that are not UTF-8), or hex with {@code --hex}.
 *
 * <p>Exit status: 0 done; 1 the cluster answered with an error (printed as
 * {@code error: CODE: message}) or could not be reached; 2 bad arguments; 4 {@code get} of a key
 * that does not exist (nothing on stdout, {@code (not found)} on stderr).
 */
@Command(name = "kv cli", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Talks to a kvkit cluster: reads, writes, scans, tables, status.",
                "Endpoints default to the local cluster of `kv cluster start` (its cluster.json), else 127.0.0.1:7101."},
        footer = {"", "Exit status: 0 done, 1 error from the cluster (error: CODE: message) or unreachable, 2 bad arguments,",
                "4 get of a missing key."})
public final class KvCli {

    public static final int EXIT_ERROR = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_NOT_FOUND = 4;
    static final String FALLBACK_ENDPOINT = "127.0.0.1:7101";

    @Spec
    CommandSpec spec;

    @Option(names = "--endpoints", scope = ScopeType.INHERIT, paramLabel = "HOST:PORT,...",
            description = "client endpoints of any nodes (default: the local cluster's, else " + FALLBACK_ENDPOINT + ")")
    String endpoints;

    @Option(names = "--table", scope = ScopeType.INHERIT, paramLabel = "TABLE", defaultValue = "default",
            description = "table to read and write (default: ${DEFAULT-VALUE})")
    String table;

    @Option(names = "--consistency", scope = ScopeType.INHERIT, paramLabel = "LEVEL", defaultValue = "linearizable",
            description = "reads: linearizable, lease, follower or stale (default: ${DEFAULT-VALUE})")
    String consistency;

    @Option(names = "--hex", scope = ScopeType.INHERIT, description = "keys and values as hex instead of UTF-8")
    boolean hex;

    @Option(names = "--timeout", scope = ScopeType.INHERIT, paramLabel = "SECONDS", defaultValue = "10",
            description = "deadline of the request in seconds, retries included (default: ${DEFAULT-VALUE})")
    double timeoutSeconds;

    /** Builds the client; tests replace it. */
    private final Function<KvCli, KvClient> clients;
    private final Map<String, String> env;
    private final Path workingDir;

    public KvCli() {
        this(KvCli::connect, System.getenv(), Path.of("").toAbsolutePath());
    }

    KvCli(Function<KvCli, KvClient> clients, Map<String, String> env, Path workingDir) {
        this.clients = clients;
        this.env = env;
        this.workingDir = workingDir;
    }

    public static CommandLine commandLine() {
        return commandLine(new KvCli());
    }

    static CommandLine commandLine(KvCli cli) {
        CommandLine cl = new CommandLine(cli);
        // bad input in a command body is a usage error too: say what and exit 2, no stack trace
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IllegalArgumentException) {
                cmd.getErr().println("kv cli: " + e.getMessage());
                cmd.getErr().flush();
                return EXIT_USAGE;
            }
            throw e;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    // ---- commands -----------------------------------------------------------------------------

    @Command(name = "get", description = "Prints the value of KEY (exit 4 if there is none).")
    int get(@Parameters(paramLabel = "KEY") String key) {
        byte[] k = ByteText.parse(key, hex, "key");
        return call(client -> {
            byte[] v = tableOf(client).get(k);
            if (v == null) {
                err().println("(not found)");
                return EXIT_NOT_FOUND;
            }
            out().println(ByteText.format(v, hex));
            return 0;
        });
    }

    @Command(name = "put", description = "Sets KEY to VALUE.")
    int put(@Parameters(paramLabel = "KEY") String key, @Parameters(paramLabel = "VALUE") String value) {
        byte[] k = ByteText.parse(key, hex, "key");
        byte[] v = ByteText.parse(value, hex, "value");
        return call(client -> {
            tableOf(client).put(k, v);
            out().println("OK");
            return 0;
        });
    }

    @Command(name = "del", description = "Deletes KEY; prints whether it existed.")
    int del(@Parameters(paramLabel = "KEY") String key) {
        byte[] k = ByteText.parse(key, hex, "key");
        return call(client -> {
            out().println(tableOf(client).delete(k) ? "deleted" : "not found (nothing deleted)");
            return 0;
        });
    }

    @Command(name = "scan", description = {"Prints KEY<TAB>VALUE lines of the keys in [start, end) in key order,",
            "at most --limit of them (a note on stderr says when there are more)."})
    int scan(@Option(names = "--start", paramLabel = "KEY", description = "first key (inclusive; default: the first)") String start,
             @Option(names = "--end", paramLabel = "KEY", description = "end key (exclusive; default: past the last)") String end,
             @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "entries at most (default: ${DEFAULT-VALUE})") int limit,
             @Option(names = "--reverse", description = "descending from the end") boolean reverse,
             @Option(names = "--keys-only", description = "keys without values") boolean keysOnly) {
        if (limit < 1) {
            throw new IllegalArgumentException("--limit " + limit + " is out of range; allowed: 1 or more");
        }
        byte[] s = start == null ? null : ByteText.parse(start, hex, "--start");
        byte[] e = end == null ? null : ByteText.parse(end, hex, "--end");
        if (s != null && e != null && Arrays.compareUnsigned(s, e) > 0) {
            throw new IllegalArgumentException("--start is after --end (keys compare as unsigned bytes); allowed: start <= end");
        }
        // one page would do for small limits; a cursor keeps each partition's place for large ones
        ScanRange range = new ScanRange(s, e, Math.min(limit + 1, 1000), reverse, keysOnly);
        return call(client -> {
            PrintWriter out = out();
            ScanCursor cursor = tableOf(client).scanCursor(range);
            Iterator<KvEntry> it = cursor.iterator();
            int printed = 0;
            while (printed < limit && it.hasNext()) {
                out.println(formatEntry(it.next(), hex, keysOnly));
                printed++;
            }
            if (it.hasNext()) {
                err().println("(stopped at --limit " + limit + "; more keys follow)");
            }
            return 0;
        });
    }

    @Command(name = "tables", description = "Lists the tables with their engines and options.")
    int tables() {
        return call(client -> {
            out().print(TopologyText.tables(client.listTables()));
            return 0;
        });
    }

    @Command(name = "create-table", description = "Creates table NAME (the same definition again is fine).")
    int createTable(@Parameters(paramLabel = "NAME") String name,
                    @Option(names = "--engine", required = true, paramLabel = "ENGINE", description = "lsm, hash or bplustree") String engine,
                    @Option(names = "--option", paramLabel = "KEY=VALUE", description = "an engine option (repeatable)") List<String> options) {
        Map<String, String> opts = options(options);
        return call(client -> {
            boolean created = client.createTable(name, engine, opts);
            out().println(created ? "created table " + name + " (engine " + engine + ")"
                    : "table " + name + " already exists with this definition");
            return 0;
        });
    }

    @Command(name = "drop-table", description = "Drops table NAME and its data.")
    int dropTable(@Parameters(paramLabel = "NAME") String name) {
        return call(client -> {
            client.dropTable(name);
            out().println("dropped table " + name);
            return 0;
        });
    }

    @Command(name = "status", description = "Nodes, ring epoch, partitions with their replicas and leaders.")
    int status(@Option(names = "--watch", arity = "0..1", fallbackValue = "1", paramLabel = "SECONDS",
                       description = "print the view again every SECONDS (default 1) until interrupted") Integer watchSeconds,
               @Option(names = "--count", paramLabel = "N", defaultValue = "0",
                       description = "with --watch: stop after N views (0 = until interrupted)") int count) {
        if (watchSeconds == null) {
            return call(client -> {
                out().print(TopologyText.status(client.refreshTopology()));
                return 0;
            });
        }
        if (watchSeconds < 1 || count < 0) {
            err().println("error: --watch takes a whole number of seconds >= 1 and --count a number >= 0 (got "
                    + watchSeconds + " and " + count + ")");
            return EXIT_USAGE;
        }
        return call(client -> {
            boolean terminal = System.console() != null;
            for (int view = 1; count == 0 || view <= count; view++) {
                if (terminal) {
                    out().print("\033[H\033[2J"); // home and clear: a live view, like watch(1)
                }
                out().println("kv cli status --watch " + watchSeconds + "   " + java.time.LocalTime.now().withNano(0));
                try {
                    out().print(TopologyText.status(client.refreshTopology()));
                } catch (KvException e) {
                    out().println(errorLine(e)); // a view of an unreachable cluster is still a view
                }
                out().flush();
                if (count != 0 && view == count) {
                    break;
                }
                try {
                    Thread.sleep(watchSeconds * 1000L);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            return 0;
        });
    }

    // ---- plumbing -----------------------------------------------------------------------------

    private int call(Function<KvClient, Integer> body) {
        try (KvClient client = clients.apply(this)) {
            return body.apply(client);
        } catch (KvException e) {
            err().println(errorLine(e));
            return EXIT_ERROR;
        } finally {
            out().flush();
            err().flush();
        }
    }

    private KvTable tableOf(KvClient client) {
        return client.table(table).withConsistency(consistency(consistency)).withDeadline(deadline());
    }

    private static KvClient connect(KvCli cli) {
        List<String> seeds = cli.endpointList();
        return KvClient.builder().seeds(seeds.toArray(String[]::new)).defaultDeadline(cli.deadline())
                .connectTimeout(Duration.ofMillis(Math.min(2000, cli.deadline().toMillis()))).ioThreads(1)
                .clientName("kv-cli").build();
    }

    Duration deadline() {
        if (!(timeoutSeconds > 0) || timeoutSeconds > 3600) {
            throw new IllegalArgumentException("--timeout " + timeoutSeconds + " is out of range; allowed: more than 0, at most 3600 seconds");
        }
        return Duration.ofMillis(Math.max(1, Math.round(timeoutSeconds * 1000)));
    }

    /** --endpoints, else the local cluster's client endpoints, else 127.0.0.1:7101. */
    List<String> endpointList() {
        if (endpoints != null) {
            List<String> list = Arrays.stream(endpoints.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
            if (list.isEmpty()) {
                throw new IllegalArgumentException("--endpoints is empty; allowed: host:port[,host:port...]");
            }
            for (String hp : list) {
                int colon = hp.lastIndexOf(':');
                if (colon <= 0 || !hp.substring(colon + 1).matches("\\d{1,5}")) {
                    throw new IllegalArgumentException("--endpoints: '" + hp + "' is not host:port");
                }
            }
            return list;
        }
        return defaultEndpoints(env, workingDir);
    }

    /** The endpoints of the local cluster in {@code $KVKIT_CLUSTER_DIR} (else ./kvkit-cluster), else the fallback. */
    static List<String> defaultEndpoints(Map<String, String> env, Path workingDir) {
        Path dir = ClusterCommand.defaultDir(env, workingDir);
        if (ClusterState.exists(dir)) {
            try {
                List<String> addresses = ClusterState.read(dir).clientAddresses();
                if (!addresses.isEmpty()) {
                    return addresses;
                }
            } catch (IOException e) {
                // a broken state file is the cluster command's to report; fall back
            }
        }
        return List.of(FALLBACK_ENDPOINT);
    }

    static Consistency consistency(String name) {
        try {
            return Consistency.valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--consistency '" + name + "' is unknown; allowed: linearizable, lease, follower, stale");
        }
    }

    static Map<String, String> options(List<String> pairs) {
        Map<String, String> out = new LinkedHashMap<>();
        if (pairs == null) {
            return out;
        }
        for (String pair : pairs) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--option '" + pair + "' is not KEY=VALUE");
            }
            if (out.put(pair.substring(0, eq), pair.substring(eq + 1)) != null) {
                throw new IllegalArgumentException("--option " + pair.substring(0, eq) + " is given twice");
            }
        }
        return out;
    }

    static String formatEntry(KvEntry e, boolean hex, boolean keysOnly) {
        return keysOnly ? ByteText.format(e.key(), hex) : ByteText.format(e.key(), hex) + "\t" + ByteText.format(e.value(), hex);
    }

    /** {@code error: CODE: message}, the way every failure from the cluster is printed. */
    static String errorLine(KvException e) {
        String code = e.status().name() + ": ";
        String message = e.getMessage() == null ? "" : e.getMessage();
        // KvException's message starts with its code already
        return "error: " + (message.startsWith(code) ? message : code + message);
    }

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }

    private PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
