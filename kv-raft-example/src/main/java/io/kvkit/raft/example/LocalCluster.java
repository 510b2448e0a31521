package io.kvkit.raft.example;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Example nodes as separate JVM processes on 127.0.0.1 (for the demo, tests and benchmarks):
 * start, {@code kill -9},
 * pause ({@code SIGSTOP}) and resume ({@code SIGCONT}), restart from the same data directory.
 * Every process is killed on {@link #close()}. Each node's output goes to {@code node-<id>.log}
 * in the cluster's directory, which a failing test prints.
 */
public final class LocalCluster implements AutoCloseable {

    private final Path dir;
    private final int groups;
    private final List<String> extraArgs;
    private int heapMegabytes = 256;
    private final Map<Long, int[]> ports = new LinkedHashMap<>();
    private final java.util.Set<Integer> taken = new java.util.HashSet<>();
    private final java.util.Random random = new java.util.Random();
    private final Map<Long, Process> processes = new LinkedHashMap<>();
    /** Launches per node: a node is ready once its log holds that many READY lines (it appends across restarts). */
    private final Map<Long, Integer> launches = new LinkedHashMap<>();

    public LocalCluster(Path dir, int nodes, int groups, String... extraArgs) throws IOException {
        this.dir = dir;
        this.groups = groups;
        this.extraArgs = List.of(extraArgs);
        for (long id = 1; id <= nodes; id++) {
            ports.put(id, new int[] {freePort(), freePort()});
        }
    }

    /** Heap of each node's JVM (default 256 MiB); set before starting nodes. */
    public LocalCluster withHeapMegabytes(int mb) {
        this.heapMegabytes = mb;
        return this;
    }

    /**
     * A port that is free now, below Linux's ephemeral range (32768 and up): a port from that
     * range can be taken, between this check and the node's bind, as the local port of some
     * outgoing connection — the nodes' own connections to each other, for one.
     */
    private int freePort() throws IOException {
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int port = 10_000 + random.nextInt(22_000);
            if (taken.contains(port)) {
                continue;
            }
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 1);
                taken.add(port);
                return port;
            } catch (IOException inUse) {
                // try another
            }
        }
        throw new IOException("no free port found in 10000..31999 on 127.0.0.1");
    }

    public void startAll() throws Exception {
        for (long id : ports.keySet()) {
            launch(id);
        }
        for (long id : ports.keySet()) {
            awaitReady(id);
        }
    }

    public void start(long id) throws Exception {
        launch(id);
        awaitReady(id);
    }

    /** The process of node {@code id} (to read its CPU time, say), or null if never started. */
    public Process process(long id) {
        return processes.get(id);
    }

    private void launch(long id) throws IOException {
        List<String> peers = new ArrayList<>();
        ports.forEach((n, p) -> peers.add(n + "=127.0.0.1:" + p[0] + ":" + p[1]));
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx" + heapMegabytes + "m", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), RaftKvServer.class.getName(),
                "--id", Long.toString(id), "--peers", String.join(",", peers),
                "--dir", dir.resolve("node-" + id).toString(), "--groups", Integer.toString(groups)));
        cmd.addAll(extraArgs);
        // extra JVM options for every node, e.g. -Dkvkit.cluster.jvmArgs=-XX:StartFlightRecording=filename=n-%p.jfr
        String jvmArgs = System.getProperty("kvkit.cluster.jvmArgs", "").trim();
        if (!jvmArgs.isEmpty()) {
            cmd.addAll(1, List.of(jvmArgs.split("\\s+")));
        }
        Path log = log(id);
        launches.merge(id, 1, Integer::sum);
        processes.put(id, new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start());
    }

    private void awaitReady(long id) throws Exception {
        long deadline = System.nanoTime() + readyTimeout().toNanos();
        while (System.nanoTime() < deadline) {
            String out = Files.exists(log(id)) ? Files.readString(log(id), StandardCharsets.UTF_8) : "";
            long readies = out.lines().filter(l -> l.startsWith("READY")).count();
            Process p = processes.get(id);
            if (readies >= launches.get(id)) {
                return;
            }
            if (!p.isAlive()) {
                throw new IllegalStateException("node " + id + " exited with " + p.exitValue() + ":\n" + out);
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("node " + id + " not ready after " + readyTimeout().toSeconds() + " s:\n" + Files.readString(log(id)));
    }

    /** A node founds every group on its first start (a few fsyncs each): allow for it. */
    private Duration readyTimeout() {
        return Duration.ofSeconds(60 + groups / 10);
    }

    public Path log(long id) {
        return dir.resolve("node-" + id + ".log");
    }

    /** SIGKILL: the process gets no chance to flush or sync anything. */
    public void kill9(long id) throws InterruptedException {
        Process p = processes.get(id);
        p.destroyForcibly();
        p.waitFor();
    }

    public void pause(long id) throws Exception {
        signal(id, "STOP");
    }

    public void resume(long id) throws Exception {
        signal(id, "CONT");
    }

    private void signal(long id, String sig) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(processes.get(id).pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + sig + " of node " + id + " failed");
        }
    }

    public Map<Long, InetSocketAddress> clientEndpoints() {
        Map<Long, InetSocketAddress> out = new LinkedHashMap<>();
        ports.forEach((n, p) -> out.put(n, new InetSocketAddress("127.0.0.1", p[1])));
        return out;
    }

    public RaftKvClient client(long timeoutMillis) {
        return new RaftKvClient(clientEndpoints(), timeoutMillis);
    }

    /** Every node's log, for a failure message. */
    public String logs() {
        StringBuilder sb = new StringBuilder();
        for (long id : ports.keySet()) {
            try {
                sb.append("==== node ").append(id).append('\n').append(Files.readString(log(id)));
            } catch (IOException e) {
                sb.append("(no log: ").append(e).append(")\n");
            }
        }
        return sb.toString();
    }

    /** Stops every node: SIGTERM (its shutdown hook closes the node cleanly), SIGKILL after 10 s. */
    @Override
    public void close() {
        for (Process p : processes.values()) {
            p.destroy();
        }
        for (Process p : processes.values()) {
            try {
                if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
