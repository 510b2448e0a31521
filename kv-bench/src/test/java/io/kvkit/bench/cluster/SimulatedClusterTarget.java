package io.kvkit.bench.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A cluster target without processes, for testing the benchmark itself: an in-memory map whose
 * requests complete after a fixed delay, a leader that a kill removes and an "election" replaces
 * after a fixed time, and disk and CPU figures derived from the entries written.
 */
final class SimulatedClusterTarget implements ClusterTarget {
    static final long BYTES_PER_ENTRY = 300;
    static final long CPU_NANOS_PER_OP = 50_000;

    private final String name;
    private final Duration latency;
    private final Duration election;
    private final Map<String, byte[]> data = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "simulated-cluster");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong entries = new AtomicLong();
    private final AtomicLong ops = new AtomicLong();
    private int nodes;
    private boolean[] alive;
    private volatile int leader;
    private volatile long electedAtNanos;
    boolean started;
    boolean closed;

    SimulatedClusterTarget(String name, Duration latency, Duration election) {
        this.name = name;
        this.latency = latency;
        this.election = election;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String version() {
        return name + " (simulated)";
    }

    @Override
    public Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("latency", latency.toMillis() + " ms");
        return s;
    }

    @Override
    public int maxGroups() {
        return name.equals("etcd") ? 1 : 64;
    }

    @Override
    public void start(int nodes, int groups, Path dataDir) {
        if (!Files.isDirectory(dataDir)) {
            throw new IllegalStateException("data dir " + dataDir + " missing");
        }
        this.nodes = nodes;
        this.alive = new boolean[nodes];
        Arrays.fill(alive, true);
        started = true;
    }

    private <T> CompletableFuture<T> later(java.util.function.Supplier<T> result) {
        CompletableFuture<T> f = new CompletableFuture<>();
        timer.schedule(() -> {
            ops.incrementAndGet();
            f.complete(result.get());
        }, latency.toNanos(), TimeUnit.NANOSECONDS);
        return f;
    }

    @Override
    public CompletableFuture<Void> put(byte[] key, byte[] value) {
        return later(() -> {
            data.put(Arrays.toString(key), value.clone());
            entries.incrementAndGet();
            return null;
        });
    }

    @Override
    public CompletableFuture<byte[]> linearizableGet(byte[] key) {
        return later(() -> data.get(Arrays.toString(key)));
    }

    @Override
    public synchronized int leaderNode(byte[] key) {
        return leader;
    }

    @Override
    public synchronized void kill(int node) {
        alive[node] = false;
        if (node == leader) {
            leader = -1;
            electedAtNanos = System.nanoTime() + election.toNanos();
            int next = (node + 1) % nodes;
            timer.schedule(() -> {
                synchronized (this) {
                    leader = next;
                }
            }, election.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public CompletableFuture<Void> putAfterFailure(byte[] key, byte[] value, Duration deadline) {
        if (leader < 0 || System.nanoTime() < electedAtNanos) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            timer.schedule(() -> f.completeExceptionally(new IllegalStateException("no leader")), 1, TimeUnit.MILLISECONDS);
            return f;
        }
        return put(key, value);
    }

    @Override
    public synchronized void restart(int node) {
        alive[node] = true;
    }

    @Override
    public long dataBytesAllocated() {
        return entries.get() * BYTES_PER_ENTRY;
    }

    @Override
    public long dataBytesApparent() {
        return entries.get() * BYTES_PER_ENTRY;
    }

    @Override
    public long[] serverCpuNanosPerNode() {
        long[] cpu = new long[nodes];
        cpu[0] = ops.get() * CPU_NANOS_PER_OP; // all the work on node 0, none on the others
        return cpu;
    }

    @Override
    public void saveLogs(Path dir) throws java.io.IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("node0.log"), "simulated\n");
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
    }
}
