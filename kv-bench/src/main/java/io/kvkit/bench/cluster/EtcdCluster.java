package io.kvkit.bench.cluster;

import io.kvkit.bench.cluster.etcdpb.StatusResponse;
import io.kvkit.bench.report.DirectorySize;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A cluster of etcd members on 127.0.0.1, each its own process with its own data directory,
 * started with etcd's default settings (100 ms heartbeat, 1000 ms election timeout, fsync of
 * every WAL append, no auto-compaction) and only the flags a static bootstrap needs: name,
 * data dir, client and peer URLs on free loopback ports, the initial cluster and a fresh token.
 *
 * <p>Every member is stopped by {@link #close} and, if the JVM ends first (Ctrl-C, an
 * exception), by a shutdown hook: no etcd outlives the benchmark. The data directories stay
 * under the root the caller owns and deletes.
 */
public final class EtcdCluster implements AutoCloseable {
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    static final Duration STATUS_DEADLINE = Duration.ofSeconds(1);
    private static final int START_ATTEMPTS = 3;
    static final int LOG_HEAD_LINES = 300;
    static final int LOG_TAIL_LINES = 1500;

    private final Path etcd;
    private final Path root;
    private final int size;
    private final List<Member> members = new ArrayList<>();
    private final Thread shutdownHook = new Thread(this::destroyAll, "etcd-cluster-shutdown");
    private boolean hookAdded;

    private static final class Member {
        final int index;
        final String name;
        final Path dataDir;
        final Path log;
        int clientPort;
        int peerPort;
        Process process;
        EtcdClient control;
        long memberId;
        List<String> launchCommand;
        boolean killed;

        Member(int index, Path root) {
            this.index = index;
            this.name = "m" + index;
            this.dataDir = root.resolve(name);
            this.log = root.resolve("logs").resolve(name + ".log");
        }
    }

    /** A cluster of {@code size} members running {@code etcd}, data and logs under {@code root}; not started yet. */
    public EtcdCluster(Path etcd, Path root, int size) {
        if (size < 1 || size > 7) {
            throw new IllegalArgumentException("an etcd cluster here has 1..7 members, got " + size);
        }
        this.etcd = etcd;
        this.root = root;
        this.size = size;
        for (int i = 0; i < size; i++) {
            members.add(new Member(i, root));
        }
    }

    public int size() {
        return size;
    }

    /** Starts every member and waits until all serve and agree on a leader; retries with new ports if one could not bind. */
    public void start() throws IOException, InterruptedException {
        Files.createDirectories(root.resolve("logs"));
        if (!hookAdded) {
            Runtime.getRuntime().addShutdownHook(shutdownHook);
            hookAdded = true;
        }
        IllegalStateException last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            int[] ports = FreePorts.pick(2 * size);
            StringBuilder initial = new StringBuilder();
            for (Member m : members) {
                m.clientPort = ports[2 * m.index];
                m.peerPort = ports[2 * m.index + 1];
                initial.append(initial.isEmpty() ? "" : ",").append(m.name).append("=http://127.0.0.1:").append(m.peerPort);
            }
            String token = "kvkit-bench-" + UUID.randomUUID();
            for (Member m : members) {
                launch(m, initial.toString(), token);
            }
            try {
                awaitHealthy(START_TIMEOUT);
                for (Member m : members) {
                    m.memberId = status(m).getHeader().getMemberId();
                }
                return;
            } catch (IllegalStateException e) {
                last = e;
                destroyAll();
                for (Member m : members) {
                    closeControl(m);
                    deleteTree(m.dataDir);
                }
                System.err.printf("kv bench cluster: etcd start attempt %d of %d failed: %s%n", attempt, START_ATTEMPTS, e.getMessage());
            }
        }
        throw last;
    }

    private void launch(Member m, String initialCluster, String token) throws IOException {
        List<String> cmd = List.of(etcd.toString(),
                "--name", m.name,
                "--data-dir", m.dataDir.toString(),
                "--listen-client-urls", "http://127.0.0.1:" + m.clientPort,
                "--advertise-client-urls", "http://127.0.0.1:" + m.clientPort,
                "--listen-peer-urls", "http://127.0.0.1:" + m.peerPort,
                "--initial-advertise-peer-urls", "http://127.0.0.1:" + m.peerPort,
                "--initial-cluster", initialCluster,
                "--initial-cluster-token", token,
                "--initial-cluster-state", "new");
        m.process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(m.log.toFile())).start();
        m.control = new EtcdClient(m.clientPort, 1);
        m.killed = false;
        // restart() reuses the command: a member with a data dir ignores the --initial-* flags and rejoins
        m.launchCommand = cmd;
    }

    /** Client port of member {@code index}. */
    public int clientPort(int index) {
        return members.get(index).clientPort;
    }

    public boolean isAlive(int index) {
        Process p = members.get(index).process;
        return p != null && p.isAlive();
    }

    /** Waits until every live member answers Status and all name the same leader; returns the leader's index. */
    public int awaitHealthy(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        String lastProblem = "no answer yet";
        while (System.nanoTime() < end) {
            for (Member m : members) {
                if (!m.killed && m.process != null && !m.process.isAlive()) {
                    throw new IllegalStateException("etcd member " + m.name + " exited with " + m.process.exitValue()
                            + "; last lines of its log: " + tail(m.log));
                }
            }
            try {
                Map<Long, Integer> votes = new HashMap<>();
                int live = 0;
                for (Member m : members) {
                    if (m.process != null && m.process.isAlive()) {
                        live++;
                        votes.merge(status(m).getLeader(), 1, Integer::sum);
                    }
                }
                if (votes.size() == 1 && !votes.containsKey(0L) && live > 0) {
                    long leader = votes.keySet().iterator().next();
                    int index = indexOf(leader);
                    if (index >= 0 || anyMemberIdUnknown()) {
                        return index;
                    }
                }
                lastProblem = "members name different leaders or none: " + votes;
            } catch (IllegalStateException e) {
                lastProblem = e.getMessage();
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("etcd cluster not healthy after " + timeout.toSeconds() + " s (" + lastProblem
                + "); last lines of " + members.getFirst().name + "'s log: " + tail(members.getFirst().log));
    }

    /** Index of the member the live members name as leader. */
    public int leaderIndex() throws InterruptedException {
        return awaitHealthy(START_TIMEOUT);
    }

    /** kill -9 of member {@code index}; returns once the process is gone. */
    public void kill(int index) throws InterruptedException {
        Member m = members.get(index);
        m.killed = true;
        m.process.destroyForcibly(); // SIGKILL on Linux
        if (!m.process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("etcd member " + m.name + " (pid " + m.process.pid() + ") survived SIGKILL for 10 s");
        }
    }

    /** Starts a killed member again on its data directory and waits until the cluster is healthy with it. */
    public void restart(int index) throws IOException, InterruptedException {
        Member m = members.get(index);
        if (m.process != null && m.process.isAlive()) {
            throw new IllegalStateException("etcd member " + m.name + " is running; kill it before restarting it");
        }
        m.process = new ProcessBuilder(m.launchCommand).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(m.log.toFile())).start();
        m.killed = false;
        closeControl(m);
        m.control = new EtcdClient(m.clientPort, 1);
        awaitHealthy(START_TIMEOUT);
    }

    /**
     * utime + stime of each member, nanoseconds; -1 for a member killed here. A member that died
     * without being killed here is an error: figures taken while it was gone would mean nothing.
     */
    public long[] cpuNanosPerMember() {
        long[] cpu = new long[size];
        for (Member m : members) {
            if (!m.killed && m.process != null && !m.process.isAlive()) {
                throw new IllegalStateException("etcd member " + m.name + " exited with " + m.process.exitValue()
                        + " while the benchmark ran; last lines of its log: " + tail(m.log));
            }
            cpu[m.index] = m.process != null && m.process.isAlive() ? ProcessCpu.cpuNanos(m.process.pid()) : -1;
        }
        return cpu;
    }

    /** PIDs of the live members. */
    public List<Long> pids() {
        return members.stream().filter(m -> m.process != null && m.process.isAlive()).map(m -> m.process.pid()).toList();
    }

    public long dataBytesAllocated() {
        return members.stream().mapToLong(m -> DirectorySize.allocatedBytes(m.dataDir)).sum();
    }

    public long dataBytesApparent() {
        return members.stream().mapToLong(m -> DirectorySize.apparentBytes(m.dataDir)).sum();
    }

    /**
     * Copies each member's log into {@code dir} as &lt;member&gt;.log, with this cluster's root
     * directory replaced by {@code <data-dir>} so no path of this machine is kept.
     */
    public void saveLogs(Path dir) throws IOException {
        Files.createDirectories(dir);
        String rootText = root.toAbsolutePath().toString();
        for (Member m : members) {
            if (Files.exists(m.log)) {
                List<String> lines = Files.readAllLines(m.log, StandardCharsets.UTF_8);
                List<String> kept = new ArrayList<>();
                for (String line : keptLogLines(lines)) {
                    kept.add(line.replace(rootText, "<data-dir>").replace(etcd.toString(), "etcd"));
                }
                Files.write(dir.resolve(m.name + ".log"), kept, StandardCharsets.UTF_8);
            }
        }
    }

    /**
     * A loaded etcd logs every request slower than 100 ms: a long run's log runs to megabytes.
     * Results keep its first {@value #LOG_HEAD_LINES} lines (start-up) and its last {@value #LOG_TAIL_LINES}.
     */
    static List<String> keptLogLines(List<String> lines) {
        if (lines.size() <= LOG_HEAD_LINES + LOG_TAIL_LINES) {
            return lines;
        }
        List<String> kept = new ArrayList<>(lines.subList(0, LOG_HEAD_LINES));
        kept.add("... (" + (lines.size() - LOG_HEAD_LINES - LOG_TAIL_LINES) + " lines left out by the benchmark) ...");
        kept.addAll(lines.subList(lines.size() - LOG_TAIL_LINES, lines.size()));
        return kept;
    }

    @Override
    public void close() {
        destroyAll();
        for (Member m : members) {
            closeControl(m);
        }
        if (hookAdded) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down and runs the hook itself
            }
            hookAdded = false;
        }
    }

    private void destroyAll() {
        for (Member m : members) {
            if (m.process != null) {
                m.process.destroyForcibly();
            }
        }
        for (Member m : members) {
            if (m.process != null) {
                try {
                    m.process.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private StatusResponse status(Member m) throws InterruptedException {
        try {
            return m.control.status(STATUS_DEADLINE).get(STATUS_DEADLINE.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            // a fresh channel next time: gRPC backs a failed connection off for up to minutes
            closeControl(m);
            m.control = new EtcdClient(m.clientPort, 1);
            throw new IllegalStateException(m.name + " does not answer Status: " + c.getMessage(), c);
        }
    }

    private int indexOf(long memberId) {
        for (Member m : members) {
            if (m.memberId == memberId) {
                return m.index;
            }
        }
        return -1;
    }

    private boolean anyMemberIdUnknown() {
        return members.stream().anyMatch(m -> m.memberId == 0);
    }

    private static void closeControl(Member m) {
        if (m.control != null) {
            m.control.close();
            m.control = null;
        }
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("kv bench cluster: could not delete " + dir + ": " + e.getMessage());
        }
    }
}
