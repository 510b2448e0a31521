package io.kvkit.server.cli;

import io.kvkit.server.ServerMain;
import io.kvkit.server.config.ConfigException;
import io.kvkit.server.config.ConfigKey;
import io.kvkit.server.config.NodeConfig;
import io.kvkit.server.config.NodeConfigLoader;
import io.kvkit.server.config.NodeConfigWriter;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * kvkit nodes ({@link ServerMain}) as separate JVM processes on 127.0.0.1: for the multi-process
 * tests and for {@code kv cluster}. It writes {@code node-<id>.yaml} (the node's whole
 * configuration), {@code node-<id>.log} (its stdout and stderr, appended across restarts),
 * {@code node-<id>/} (its data) and {@code cluster.json} (pids and ports, see
 * {@link ClusterState}) into the cluster directory.
 *
 * <p>Faults: {@link #kill9} (SIGKILL: nothing is flushed), {@link #pause}/{@link #resume}
 * (SIGSTOP/SIGCONT: the process is frozen, its sockets stay open), {@link #stop} (SIGTERM: the
 * node closes cleanly; SIGKILL after the stop timeout), {@link #restart} (same configuration and
 * data directory, so same ports).
 *
 * <p>Each node's JVM is this JVM's java binary with this JVM's class path,
 * {@code --enable-native-access=ALL-UNNAMED}, a small heap, and the extra JVM options of the
 * system property {@code kvkit.cluster.jvmArgs} (split at spaces). An attached cluster (the
 * default) kills its processes on {@link #close()} and, as a last resort, when this JVM exits;
 * a {@link #detached} one leaves them running, in their own session, for {@code kv cluster start}.
 *
 * <p>Not thread-safe: one test thread drives it.
 */
public final class LocalCluster implements AutoCloseable {

    /**
     * What to start.
     *
     * @param nodes             node count (1..9)
     * @param partitions        Q, a power of two
     * @param replicationFactor R (at most nodes)
     * @param engine            engine of the default table
     * @param tickInterval      Raft tick
     * @param heapMegabytes     -Xmx of each node
     * @param readyTimeout      how long a node may take to print READY
     * @param stopTimeout       how long {@link #stop} waits after SIGTERM before SIGKILL
     * @param extraSettings     any further node settings by {@link ConfigKey} name (e.g. {@code sync-writes=false})
     */
    public record Settings(int nodes, int partitions, int replicationFactor, String engine, Duration tickInterval,
                           int heapMegabytes, Duration readyTimeout, Duration stopTimeout, Map<String, String> extraSettings) {
        public Settings {
            if (nodes < 1 || nodes > 9) {
                throw new IllegalArgumentException("a local cluster has 1..9 nodes, got " + nodes);
            }
            extraSettings = Map.copyOf(extraSettings);
        }

        /**
         * {@code nodes} nodes, 8 partitions (small: a laptop or a test), R = min(3, nodes), lsm,
         * 50 ms ticks, 256 MiB heaps, 120 s to get ready (several JVMs start at once on a
         * loaded machine), 10 s to stop.
         */
        public static Settings of(int nodes) {
            return new Settings(nodes, 8, Math.min(3, nodes), "lsm", Duration.ofMillis(50), 256, Duration.ofSeconds(120),
                    Duration.ofSeconds(10), Map.of());
        }

        public Settings withPartitions(int q) {
            return new Settings(nodes, q, replicationFactor, engine, tickInterval, heapMegabytes, readyTimeout, stopTimeout, extraSettings);
        }

        public Settings withReplicationFactor(int r) {
            return new Settings(nodes, partitions, r, engine, tickInterval, heapMegabytes, readyTimeout, stopTimeout, extraSettings);
        }

        public Settings withEngine(String e) {
            return new Settings(nodes, partitions, replicationFactor, e, tickInterval, heapMegabytes, readyTimeout, stopTimeout, extraSettings);
        }

        public Settings withTickInterval(Duration t) {
            return new Settings(nodes, partitions, replicationFactor, engine, t, heapMegabytes, readyTimeout, stopTimeout, extraSettings);
        }

        public Settings withHeapMegabytes(int mb) {
            return new Settings(nodes, partitions, replicationFactor, engine, tickInterval, mb, readyTimeout, stopTimeout, extraSettings);
        }

        public Settings withReadyTimeout(Duration d) {
            return new Settings(nodes, partitions, replicationFactor, engine, tickInterval, heapMegabytes, d, stopTimeout, extraSettings);
        }

        public Settings withStopTimeout(Duration d) {
            return new Settings(nodes, partitions, replicationFactor, engine, tickInterval, heapMegabytes, readyTimeout, d, extraSettings);
        }

        /** One more node setting, by key ({@code request-timeout}, {@code sync-writes}, ...). */
        public Settings withSetting(String key, String value) {
            Map<String, String> more = new LinkedHashMap<>(extraSettings);
            more.put(key, value);
            return new Settings(nodes, partitions, replicationFactor, engine, tickInterval, heapMegabytes, readyTimeout, stopTimeout, more);
        }

        /** The meta group: 3 members from 3 nodes on, else 1 (it must be odd and at most the node count). */
        int metaReplicas() {
            return nodes >= 3 ? 3 : 1;
        }
    }

    private static final int LOG_TAIL_LINES = 40;

    private final Path dir;
    private final Settings settings;
    private final Map<Long, NodeConfig> configs;           // by id, in id order
    private final Map<Long, ProcessHandle> processes = new TreeMap<>();
    private final Map<Long, Long> startedMillis = new TreeMap<>();
    private final Map<Long, Process> launched = new TreeMap<>();   // the processes this JVM started, for exit statuses
    private boolean detached;
    private Thread killOnExit;

    private LocalCluster(Path dir, Settings settings, Map<Long, NodeConfig> configs) {
        this.dir = dir;
        this.settings = settings;
        this.configs = configs;
    }

    /**
     * A new cluster in {@code dir} (created if missing): picks free ports and writes each node's
     * configuration; starts nothing. Refuses a directory that already holds a cluster.
     */
    public static LocalCluster create(Path dir, Settings settings) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        if (ClusterState.exists(abs)) {
            throw new IllegalStateException(abs + " already holds a cluster (" + ClusterState.FILE_NAME
                    + "); open it, or stop it with --clean, or choose another directory");
        }
        Files.createDirectories(abs);
        List<Integer> ports = LoopbackPorts.pick(4 * settings.nodes(), new Random(), Set.of());
        List<String> members = new ArrayList<>();
        for (int i = 0; i < settings.nodes(); i++) {
            members.add((i + 1) + "=127.0.0.1:" + ports.get(4 * i) + ":" + ports.get(4 * i + 1) + ":" + ports.get(4 * i + 2)
                    + ":" + ports.get(4 * i + 3));
        }
        Map<Long, NodeConfig> configs = new TreeMap<>();
        for (long id = 1; id <= settings.nodes(); id++) {
            Map<String, String> s = new LinkedHashMap<>();
            s.put(ConfigKey.NODE_ID.key(), Long.toString(id));
            s.put(ConfigKey.DATA_DIR.key(), abs.resolve("node-" + id).toString());
            s.put(ConfigKey.INITIAL_CLUSTER.key(), String.join(",", members));
            s.put(ConfigKey.PARTITIONS.key(), Integer.toString(settings.partitions()));
            s.put(ConfigKey.REPLICATION_FACTOR.key(), Integer.toString(settings.replicationFactor()));
            s.put(ConfigKey.META_REPLICAS.key(), Integer.toString(settings.metaReplicas()));
            s.put(ConfigKey.DEFAULT_ENGINE.key(), settings.engine());
            s.put(ConfigKey.TICK_INTERVAL.key(), settings.tickInterval().toMillis() + "ms");
            // the nodes share this machine's cores
            s.put(ConfigKey.RAFT_WORKER_THREADS.key(), Integer.toString(Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()))));
            s.putAll(settings.extraSettings());
            NodeConfig config;
            try {
                config = NodeConfigLoader.load(null, s);
            } catch (ConfigException e) {
                throw new IllegalArgumentException("local cluster settings: " + e.getMessage(), e);
            }
            Files.writeString(abs.resolve(configFileName(id)), NodeConfigWriter.toYaml(config), StandardCharsets.UTF_8);
            configs.put(id, config);
        }
        LocalCluster cluster = new LocalCluster(abs, settings, configs);
        cluster.writeState();
        return cluster;
    }

    /**
     * The cluster recorded in {@code dir/cluster.json}, with the processes of it that still run
     * (a pid whose process has another start time is someone else's and is ignored).
     */
    public static LocalCluster open(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        ClusterState state = ClusterState.read(abs);
        Map<Long, NodeConfig> configs = new TreeMap<>();
        for (ClusterState.Node n : state.nodes()) {
            try {
                configs.put(n.id(), NodeConfigLoader.load(n.config(), Map.of()));
            } catch (ConfigException e) {
                throw new IOException("cluster in " + abs + ": " + e.getMessage(), e);
            }
        }
        Settings settings = Settings.of(state.nodes().size()).withPartitions(state.partitions())
                .withReplicationFactor(state.replicationFactor()).withEngine(state.engine());
        LocalCluster cluster = new LocalCluster(abs, settings, configs);
        for (ClusterState.Node n : state.nodes()) {
            ours(n.pid(), n.startedMillis()).ifPresent(h -> {
                cluster.processes.put(n.id(), h);
                cluster.startedMillis.put(n.id(), n.startedMillis());
            });
        }
        return cluster;
    }

    /** The running process with {@code pid}, if it is the one started at {@code startedMillis}. */
    static Optional<ProcessHandle> ours(long pid, long startedMillis) {
        if (pid <= 0) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> {
            Optional<Instant> start = h.info().startInstant();
            return startedMillis == 0 || start.isEmpty() || start.get().toEpochMilli() == startedMillis;
        });
    }

    /**
     * Node processes started from now on run in their own session (via {@code setsid} where it
     * exists), read nothing from this process, and are not stopped by {@link #close()} or by this
     * JVM's exit: they outlive the command that started them.
     */
    public LocalCluster detached() {
        this.detached = true;
        return this;
    }

    public Path dir() {
        return dir;
    }

    public Settings settings() {
        return settings;
    }

    public List<Long> ids() {
        return List.copyOf(configs.keySet());
    }

    public NodeConfig config(long id) {
        return requireNode(id);
    }

    public Path configFile(long id) {
        return dir.resolve(configFileName(id));
    }

    public Path log(long id) {
        return dir.resolve("node-" + id + ".log");
    }

    /** Client endpoints ("127.0.0.1:port") by node id. */
    public Map<Long, String> clientAddresses() {
        Map<Long, String> out = new LinkedHashMap<>();
        configs.forEach((id, c) -> out.put(id, c.self().clientAddress()));
        return out;
    }

    /** The client endpoints joined by commas, as {@code --endpoints} and {@code KvClient.builder().seeds} take them. */
    public String endpoints() {
        return String.join(",", clientAddresses().values());
    }

    public boolean isRunning(long id) {
        ProcessHandle h = processes.get(id);
        return h != null && h.isAlive();
    }

    /** The pid of node {@code id}'s process, if it runs. */
    public Optional<Long> pid(long id) {
        return isRunning(id) ? Optional.of(processes.get(id).pid()) : Optional.empty();
    }

    /** Starts every node that is not running, then waits until each has printed READY. */
    public void startAll() throws IOException, InterruptedException {
        Map<Long, Long> offsets = new LinkedHashMap<>();
        for (long id : configs.keySet()) {
            if (!isRunning(id)) {
                offsets.put(id, launch(id));   // all first: a founding node serves only once a quorum runs
            }
        }
        for (Map.Entry<Long, Long> e : offsets.entrySet()) {
            awaitReady(e.getKey(), e.getValue());
        }
    }

    /** Starts node {@code id} and waits for its READY line. */
    public void start(long id) throws IOException, InterruptedException {
        requireNode(id);
        if (isRunning(id)) {
            throw new IllegalStateException("node " + id + " is already running (pid " + processes.get(id).pid() + ")");
        }
        awaitReady(id, launch(id));
    }

    /**
     * Starts one more node that joins the running cluster (through a running node) and waits until
     * it serves; the partition reconcilers then move its share of replicas to it in the background.
     * Its id is one above every id the cluster has known. Returns the id.
     */
    public long addNode() throws IOException, InterruptedException {
        String seed = runningClientAddress(0);
        io.kvkit.server.meta.ClusterState meta = clusterState(seed);
        long known = configs.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
        long id = Math.max(meta.nodes().keySet().stream().mapToLong(Long::longValue).max().orElse(0), known) + 1;
        Set<Integer> used = new HashSet<>();
        for (NodeConfig c : configs.values()) {
            NodeConfig.Member m = c.self();
            used.addAll(List.of(m.raftPort(), m.clientPort(), m.adminPort(), m.respPort()));
        }
        List<Integer> ports = LoopbackPorts.pick(4, new Random(), used);
        Map<String, String> s = new LinkedHashMap<>();
        s.put(ConfigKey.NODE_ID.key(), Long.toString(id));
        s.put(ConfigKey.DATA_DIR.key(), dir.resolve("node-" + id).toString());
        s.put(ConfigKey.INITIAL_CLUSTER.key(), id + "=127.0.0.1:" + ports.get(0) + ":" + ports.get(1) + ":" + ports.get(2) + ":" + ports.get(3));
        s.put(ConfigKey.JOIN.key(), seed);
        s.put(ConfigKey.TICK_INTERVAL.key(), settings.tickInterval().toMillis() + "ms");
        s.put(ConfigKey.RAFT_WORKER_THREADS.key(), Integer.toString(Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()))));
        s.putAll(settings.extraSettings());
        NodeConfig config;
        try {
            config = NodeConfigLoader.load(null, s);
        } catch (ConfigException e) {
            throw new IllegalArgumentException("local cluster: node " + id + ": " + e.getMessage(), e);
        }
        Files.writeString(configFile(id), NodeConfigWriter.toYaml(config), StandardCharsets.UTF_8);
        configs.put(id, config);
        try {
            start(id);
        } catch (IOException | RuntimeException e) {
            configs.remove(id);
            writeStateQuietly();
            throw e;
        }
        return id;
    }

    /**
     * Decommissions node {@code id}: the meta group takes it out of the ring (its replicas move to
     * the others), then, once no partition's target or recorded membership names it, the node is
     * stopped and leaves this local cluster (its directory stays, for inspection).
     *
     * @throws IllegalStateException if the meta group refuses (e.g. too few nodes would be left),
     *                               or the node still holds replicas after {@code timeout}
     */
    public void removeNode(long id, Duration timeout) throws IOException, InterruptedException {
        requireNode(id);
        String seed = runningClientAddress(id);
        io.kvkit.client.proto.Response r = call(seed, io.kvkit.client.proto.Request.newBuilder().setNodeChange(
                io.kvkit.client.proto.NodeChangeRequest.newBuilder().setKind(io.kvkit.client.proto.NodeChangeRequest.Kind.REMOVE_NODE)
                        .setNodeId(id)));
        if (r.getStatus().getCode() != io.kvkit.client.proto.StatusCode.OK) {
            throw new IllegalStateException("node " + id + " cannot be removed: " + r.getStatus().getCode() + " " + r.getStatus().getMessage());
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (clusterState(seed).holdsAnything(id)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("node " + id + " still holds replicas after " + timeout.toSeconds()
                        + " s (the moves go on in the background; `kv cluster status` shows them, and remove-node can be run again)");
            }
            Thread.sleep(200);
        }
        if (isRunning(id)) {
            stop(id);
        }
        configs.remove(id);
        writeState();
    }

    /** The client address of a running node other than {@code except}. */
    private String runningClientAddress(long except) {
        for (Map.Entry<Long, NodeConfig> e : configs.entrySet()) {
            if (e.getKey() != except && isRunning(e.getKey())) {
                return e.getValue().self().clientAddress();
            }
        }
        throw new IllegalStateException("no node of the cluster in " + dir + " runs" + (except > 0 ? " besides node " + except : "")
                + "; start it with `kv cluster start`");
    }

    private static io.kvkit.server.meta.ClusterState clusterState(String address) {
        io.kvkit.client.proto.Response r = call(address, io.kvkit.client.proto.Request.newBuilder()
                .setClusterState(io.kvkit.client.proto.ClusterStateRequest.getDefaultInstance()));
        if (r.getStatus().getCode() != io.kvkit.client.proto.StatusCode.OK) {
            throw new IllegalStateException("node at " + address + " did not give its cluster state: " + r.getStatus().getCode() + " "
                    + r.getStatus().getMessage());
        }
        return io.kvkit.server.meta.ClusterState.decode(r.getClusterState().getState().toByteArray());
    }

    /** One request to a node, retried for 30 s while the answer says to retry (no leader yet, busy). */
    private static io.kvkit.client.proto.Response call(String address, io.kvkit.client.proto.Request.Builder request) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String last = "no answer";
        try (io.kvkit.server.endpoint.PeerForwarder f = new io.kvkit.server.endpoint.PeerForwarder(
                io.kvkit.server.endpoint.PeerForwarderOptions.defaults().withIoThreads(1))) {
            for (long id = 1; System.nanoTime() < deadline; id++) {
                try {
                    io.kvkit.client.proto.Response r = f.forward(address, request.setRequestId(id).build()).get(10, TimeUnit.SECONDS);
                    switch (r.getStatus().getCode()) {
                        case NOT_LEADER, UNAVAILABLE, TIMEOUT -> last = r.getStatus().getCode() + " " + r.getStatus().getMessage();
                        default -> {
                            return r;
                        }
                    }
                } catch (ExecutionException | TimeoutException e) {
                    last = String.valueOf(e.getCause() != null ? e.getCause() : e);
                }
                Thread.sleep(200);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking node " + address, e);
        }
        throw new IllegalStateException("node at " + address + " gave no final answer within 30 s; last: " + last);
    }

    /** SIGTERM (the node closes cleanly), SIGKILL if it has not exited after the stop timeout. */
    public void stop(long id) throws InterruptedException {
        ProcessHandle h = processes.get(requireNodeId(id));
        if (h != null) {
            terminate(h, settings.stopTimeout());
            processes.remove(id);
            writeStateQuietly();
        }
    }

    /** Stops node {@code id} if it runs, then starts it again on the same configuration and data. */
    public void restart(long id) throws IOException, InterruptedException {
        stop(id);
        start(id);
    }

    /** SIGKILL: the process gets no chance to flush or sync anything. */
    public void kill9(long id) throws InterruptedException {
        ProcessHandle h = processes.get(requireNodeId(id));
        if (h == null) {
            throw new IllegalStateException("node " + id + " is not running");
        }
        h.destroyForcibly();
        awaitExit(h, Duration.ofSeconds(30));
        processes.remove(id);
        writeStateQuietly();
    }

    /** SIGSTOP: the node freezes (no ticks, no replies) with its connections open, as a hung machine does. */
    public void pause(long id) throws IOException, InterruptedException {
        signal(id, "STOP");
    }

    /** SIGCONT after {@link #pause}. */
    public void resume(long id) throws IOException, InterruptedException {
        signal(id, "CONT");
    }

    /** The last {@code lines} lines of node {@code id}'s log. */
    public String logTail(long id, int lines) {
        return tail(log(id), lines);
    }

    /** Stops every running node (SIGTERM, SIGKILL after the stop timeout), all at once. */
    public void stopAll() throws InterruptedException {
        List<ProcessHandle> running = new ArrayList<>();
        for (ProcessHandle h : processes.values()) {
            if (h.isAlive()) {
                h.destroy();
                running.add(h);
            }
        }
        for (ProcessHandle h : running) {
            resumeQuietly(h);   // a paused node acts on SIGTERM only once it runs again
        }
        long deadline = System.nanoTime() + settings.stopTimeout().toNanos();
        for (ProcessHandle h : running) {
            long left = Math.max(0, deadline - System.nanoTime());
            if (!awaitExit(h, Duration.ofNanos(left))) {
                h.destroyForcibly();
                awaitExit(h, Duration.ofSeconds(30));
            }
        }
        processes.clear();
        writeStateQuietly();
    }

    /** An attached cluster stops every node; a detached one leaves them running. */
    @Override
    public void close() {
        if (detached) {
            return;
        }
        try {
            stopAll();
        } catch (InterruptedException e) {
            processes.values().forEach(ProcessHandle::destroyForcibly);
            Thread.currentThread().interrupt();
        }
        if (killOnExit != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(killOnExit);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run: nothing left to remove
            }
            killOnExit = null;
        }
    }

    // ---- internals ----------------------------------------------------------------------------

    /** The command line of node {@code id}'s JVM. */
    List<String> command(long id) {
        List<String> cmd = new ArrayList<>();
        if (detached) {
            setsid().ifPresent(cmd::add);
        }
        cmd.add(javaBinary());
        cmd.add("-Xmx" + settings.heapMegabytes() + "m");
        cmd.add("--enable-native-access=ALL-UNNAMED");
        // extra JVM options for every node, e.g. -Dkvkit.cluster.jvmArgs=-XX:StartFlightRecording=filename=n-%p.jfr
        String jvmArgs = System.getProperty("kvkit.cluster.jvmArgs", "").trim();
        if (!jvmArgs.isEmpty()) {
            cmd.addAll(List.of(jvmArgs.split("\\s+")));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ServerMain.class.getName(),
                "--config", configFile(id).toString()));
        return cmd;
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private static Optional<String> setsid() {
        for (String p : List.of("/usr/bin/setsid", "/bin/setsid")) {
            if (Files.isExecutable(Path.of(p))) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** Starts the process; returns the log's length before it, where its READY line is looked for. */
    private long launch(long id) throws IOException {
        Path log = log(id);
        long offset = Files.exists(log) ? Files.size(log) : 0;
        ProcessBuilder pb = new ProcessBuilder(command(id)).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        if (detached) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        Process p = pb.start();
        ProcessHandle h = p.toHandle();
        launched.put(id, p);
        processes.put(id, h);
        startedMillis.put(id, h.info().startInstant().map(Instant::toEpochMilli).orElse(0L));
        if (!detached && killOnExit == null) {
            // a test JVM that dies without close() must not leave nodes behind
            killOnExit = new Thread(() -> processes.values().forEach(ProcessHandle::destroyForcibly), "local-cluster-kill-on-exit");
            Runtime.getRuntime().addShutdownHook(killOnExit);
        }
        writeState();
        return offset;
    }

    private void awaitReady(long id, long logOffset) throws IOException, InterruptedException {
        ProcessHandle h = processes.get(id);
        long deadline = System.nanoTime() + settings.readyTimeout().toNanos();
        String prefix = "READY node=" + id + " ";
        while (true) {
            String out = readFrom(log(id), logOffset);
            if (out.lines().anyMatch(l -> l.startsWith(prefix))) {
                return;
            }
            if (!h.isAlive()) {
                Integer status = exitStatus(id);
                processes.remove(id);
                writeStateQuietly();
                throw new IllegalStateException("node " + id + " exited" + (status == null ? "" : " with status " + status)
                        + " before it was ready; last lines of " + log(id) + ":\n" + tail(log(id), LOG_TAIL_LINES));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("node " + id + " (pid " + h.pid() + ") not ready after "
                        + settings.readyTimeout().toSeconds() + " s; last lines of " + log(id) + ":\n" + tail(log(id), LOG_TAIL_LINES));
            }
            Thread.sleep(50);
        }
    }

    /** The exit status, if this JVM started the process (a process started by another has none to read here). */
    private Integer exitStatus(long id) {
        Process p = launched.get(id);
        return p != null && !p.isAlive() ? p.exitValue() : null;
    }

    private void signal(long id, String sig) throws IOException, InterruptedException {
        ProcessHandle h = processes.get(requireNodeId(id));
        if (h == null || !h.isAlive()) {
            throw new IllegalStateException("node " + id + " is not running");
        }
        Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(h.pid())).redirectErrorStream(true).start();
        String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + sig + " " + h.pid() + " (node " + id + ") failed: " + out);
        }
    }

    private static void resumeQuietly(ProcessHandle h) {
        try {
            new ProcessBuilder("kill", "-CONT", Long.toString(h.pid())).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        } catch (IOException e) {
            // not paused, or gone: SIGKILL after the timeout covers it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void terminate(ProcessHandle h, Duration timeout) throws InterruptedException {
        if (!h.isAlive()) {
            return;
        }
        h.destroy();
        resumeQuietly(h);
        if (!awaitExit(h, timeout)) {
            h.destroyForcibly();
            awaitExit(h, Duration.ofSeconds(30));
        }
    }

    static boolean awaitExit(ProcessHandle h, Duration timeout) throws InterruptedException {
        try {
            h.onExit().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return !h.isAlive();
        }
    }

    private NodeConfig requireNode(long id) {
        NodeConfig c = configs.get(id);
        if (c == null) {
            throw new IllegalArgumentException("no node " + id + " in this cluster; nodes: " + configs.keySet());
        }
        return c;
    }

    private long requireNodeId(long id) {
        requireNode(id);
        return id;
    }

    private static String configFileName(long id) {
        return "node-" + id + ".yaml";
    }

    ClusterState state() {
        List<ClusterState.Node> nodes = new ArrayList<>();
        configs.forEach((id, c) -> {
            boolean running = isRunning(id);
            NodeConfig.Member m = c.self();
            nodes.add(new ClusterState.Node(id, running ? processes.get(id).pid() : 0, running ? startedMillis.getOrDefault(id, 0L) : 0,
                    m.host(), m.raftPort(), m.clientPort(), m.adminPort(), m.respPort(), c.dataDir(), configFile(id), log(id)));
        });
        return new ClusterState(ClusterState.FORMAT, settings.partitions(), settings.replicationFactor(), settings.engine(), nodes);
    }

    private void writeState() throws IOException {
        state().write(dir);
    }

    private void writeStateQuietly() {
        try {
            writeState();
        } catch (IOException e) {
            System.err.println("local cluster: cannot write " + dir.resolve(ClusterState.FILE_NAME) + ": " + e.getMessage());
        }
    }

    private static String readFrom(Path file, long offset) throws IOException {
        if (!Files.exists(file)) {
            return "";
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long length = f.length();
            if (length <= offset) {
                return "";
            }
            byte[] bytes = new byte[(int) Math.min(length - offset, 16 << 20)];
            f.seek(offset);
            f.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Ports already used by this cluster, for tests. */
    Set<Integer> ports() {
        Set<Integer> out = new HashSet<>();
        configs.values().forEach(c -> {
            NodeConfig.Member m = c.self();
            out.addAll(List.of(m.raftPort(), m.clientPort(), m.adminPort(), m.respPort()));
        });
        return out;
    }
}
