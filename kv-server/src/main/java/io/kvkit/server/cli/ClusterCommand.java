package io.kvkit.server.cli;

import io.kvkit.client.KvClient;
import io.kvkit.client.KvException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code kv cluster start|status|stop}: a local kvkit cluster of node processes on 127.0.0.1
 * that outlive the command (see {@link LocalCluster}). The cluster directory holds the nodes'
 * configurations, logs and data and the state file {@code cluster.json}; it is
 * {@code --dir}, else {@code $KVKIT_CLUSTER_DIR} (the {@code ./kv} launcher sets it to
 * {@code .kv/cluster} of the repository), else {@code ./kvkit-cluster}.
 */
@Command(name = "kv cluster", mixinStandardHelpOptions = true,
        description = "A local kvkit cluster of node processes on 127.0.0.1 that outlive this command.",
        footer = {"", "Exit status: 0 done, 1 failed (the message says why), 2 bad arguments."})
public final class ClusterCommand {
    static final String ENV_DIR = "KVKIT_CLUSTER_DIR";
    static final String FALLBACK_DIR = "kvkit-cluster";

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", scope = CommandLine.ScopeType.INHERIT, paramLabel = "DIR",
            description = "cluster directory (default: $" + ENV_DIR + ", else ./" + FALLBACK_DIR + ")")
    Path dir;

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new ClusterCommand());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IllegalArgumentException || e instanceof IllegalStateException || e instanceof IOException
                    || e instanceof UncheckedIOException) {
                cmd.getErr().println("kv cluster: " + e.getMessage());
                cmd.getErr().flush();
                return e instanceof IllegalArgumentException ? 2 : 1;
            }
            throw e;
        });
        System.exit(cl.execute(args));
    }

    /** {@code env[KVKIT_CLUSTER_DIR]}, else {@code workingDir/kvkit-cluster}. */
    static Path defaultDir(Map<String, String> env, Path workingDir) {
        String fromEnv = env.get(ENV_DIR);
        return (fromEnv != null && !fromEnv.isBlank() ? workingDir.resolve(fromEnv) : workingDir.resolve(FALLBACK_DIR))
                .toAbsolutePath().normalize();
    }

    private Path clusterDir() {
        return dir != null ? dir.toAbsolutePath().normalize() : defaultDir(System.getenv(), Path.of("").toAbsolutePath());
    }

    @Command(name = "start", description = {"Starts a new cluster, or the stopped one in the directory (same nodes, ports, data);",
            "prints the client endpoints once every node serves."})
    int start(@Option(names = "--nodes", paramLabel = "N", description = "nodes, 1..9 (default: 3)") Integer nodesOrNull,
              @Option(names = "--engine", defaultValue = "lsm", paramLabel = "ENGINE", description = "engine of the default table (default: ${DEFAULT-VALUE})") String engine,
              @Option(names = "--partitions", defaultValue = "8", paramLabel = "Q", description = "partitions, a power of two (default: ${DEFAULT-VALUE})") int partitions,
              @Option(names = "--replication-factor", paramLabel = "R", description = "replicas per partition (default: min(3, nodes))") Integer replicationFactor,
              @Option(names = "--tick-interval", defaultValue = "50", paramLabel = "MILLIS", description = "Raft tick in ms (default: ${DEFAULT-VALUE})") int tickMillis)
            throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        Path d = clusterDir();
        int nodes = nodesOrNull == null ? 3 : nodesOrNull;
        LocalCluster cluster;
        if (ClusterState.exists(d)) {
            cluster = LocalCluster.open(d);
            List<Long> running = cluster.ids().stream().filter(cluster::isRunning).toList();
            if (running.size() == cluster.ids().size()) {
                throw new IllegalStateException("the cluster in " + d + " is already running (nodes " + running
                        + "); endpoints: " + cluster.endpoints());
            }
            if (nodesOrNull != null && cluster.ids().size() != nodes) {
                throw new IllegalArgumentException(d + " holds a " + cluster.ids().size() + "-node cluster, not " + nodes
                        + "; use `kv cluster stop --clean` first, or another --dir");
            }
            out.println("restarting the cluster in " + d + " (nodes " + cluster.ids() + "; " + running.size() + " already running)");
        } else {
            LocalCluster.Settings settings = LocalCluster.Settings.of(nodes).withPartitions(partitions).withEngine(engine)
                    .withTickInterval(Duration.ofMillis(tickMillis));
            if (replicationFactor != null) {
                settings = settings.withReplicationFactor(replicationFactor);
            }
            cluster = LocalCluster.create(d, settings);
            out.println("starting " + nodes + " nodes in " + d + " (" + partitions + " partitions, R=" + settings.replicationFactor()
                    + ", engine " + engine + ")");
        }
        out.flush();
        cluster.detached();
        try {
            cluster.startAll();
        } catch (IllegalStateException e) {
            // do not leave half a cluster behind
            cluster.stopAll();
            throw new IllegalStateException(e.getMessage() + "\n(every node of " + d + " is stopped again; `kv cluster start` retries, "
                    + "`kv cluster stop --clean` deletes the cluster)", e);
        }
        out.println("cluster running; client endpoints: " + cluster.endpoints());
        out.println("  try: ./kv cli put hello world && ./kv cli get hello;  ./kv cluster status;  ./kv cluster stop [--clean]");
        out.flush();
        return 0;
    }

    @Command(name = "status", description = "Which node processes run, and the cluster's topology as a client sees it.")
    int status() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path d = clusterDir();
        if (!ClusterState.exists(d)) {
            throw new IllegalStateException("no cluster in " + d + " (no " + ClusterState.FILE_NAME + "); start one with `kv cluster start`");
        }
        LocalCluster cluster = LocalCluster.open(d);
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("NODE", "PROCESS", "CLIENT", "LOG"));
        for (long id : cluster.ids()) {
            rows.add(List.of(Long.toString(id), cluster.pid(id).map(p -> "running, pid " + p).orElse("not running"),
                    cluster.clientAddresses().get(id), cluster.log(id).toString()));
        }
        out.println("cluster in " + d);
        out.print(TopologyText.columns(rows));
        out.println();
        out.flush();
        if (cluster.ids().stream().noneMatch(cluster::isRunning)) {
            out.println("no node runs; `kv cluster start` starts them again");
            return 1;
        }
        try (KvClient client = KvClient.builder().seeds(cluster.clientAddresses().values().toArray(String[]::new))
                .defaultDeadline(Duration.ofSeconds(5)).connectTimeout(Duration.ofSeconds(1)).ioThreads(1).clientName("kv-cluster").build()) {
            out.print(TopologyText.status(client.refreshTopology()));
            return 0;
        } catch (KvException e) {
            out.println("topology: " + KvCli.errorLine(e));
            return 1;
        } finally {
            out.flush();
        }
    }

    @Command(name = "add-node", description = {"Starts one more node that joins the running cluster; its share of partitions",
            "moves to it in the background (`kv cluster status` shows the moves)."})
    int addNode() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        LocalCluster cluster = openRunning();
        cluster.detached();
        long id = cluster.addNode();
        out.println("node " + id + " joined; client endpoint " + cluster.clientAddresses().get(id) + "; endpoints: " + cluster.endpoints());
        out.flush();
        return 0;
    }

    @Command(name = "remove-node", description = {"Decommissions a node: its partitions move to the others, then it stops",
            "once it holds nothing."})
    int removeNode(@Parameters(paramLabel = "ID", description = "the node to remove") long id,
                   @Option(names = "--timeout", defaultValue = "300", paramLabel = "SECONDS",
                           description = "how long to wait for its replicas to move (default: ${DEFAULT-VALUE})") int timeoutSeconds)
            throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        LocalCluster cluster = openRunning();
        cluster.detached();
        out.println("removing node " + id + ": moving its replicas to the other nodes...");
        out.flush();
        cluster.removeNode(id, Duration.ofSeconds(timeoutSeconds));
        out.println("node " + id + " holds nothing and is stopped; endpoints: " + cluster.endpoints());
        out.flush();
        return 0;
    }

    private LocalCluster openRunning() throws IOException {
        Path d = clusterDir();
        if (!ClusterState.exists(d)) {
            throw new IllegalStateException("no cluster in " + d + " (no " + ClusterState.FILE_NAME + "); start one with `kv cluster start`");
        }
        return LocalCluster.open(d);
    }

    @Command(name = "stop", description = "Stops every node (SIGTERM, SIGKILL after 10 s); --clean also deletes the directory.")
    int stop(@Option(names = "--clean", description = "delete the cluster directory (data, logs, configuration) afterwards") boolean clean)
            throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        Path d = clusterDir();
        if (!ClusterState.exists(d)) {
            throw new IllegalStateException("no cluster in " + d + " (no " + ClusterState.FILE_NAME + ")");
        }
        LocalCluster cluster = LocalCluster.open(d);
        List<Long> running = cluster.ids().stream().filter(cluster::isRunning).toList();
        cluster.stopAll();
        out.println(running.isEmpty() ? "no node was running" : "stopped nodes " + running);
        if (clean) {
            deleteTree(d);
            out.println("deleted " + d);
        }
        out.flush();
        return 0;
    }

    /** Deletes {@code root} and everything under it (it holds a cluster.json: it is a cluster directory, ours to delete). */
    static void deleteTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
