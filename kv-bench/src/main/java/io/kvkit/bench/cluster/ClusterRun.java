package io.kvkit.bench.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kvkit.bench.report.CpuAccounting;
import io.kvkit.bench.report.LatencySummary;
import io.kvkit.bench.report.Machine;
import io.kvkit.bench.workload.KeyFormat;
import io.kvkit.bench.workload.ValueSource;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One run of the cluster benchmark: for each target and group count, a fresh cluster in a
 * temporary directory; puts at every concurrency, then linearizable reads of the keys written,
 * then the failover trials; the cluster stopped and its directory deleted; then the reports.
 */
final class ClusterRun {
    private static final double TICKS_PER_SECOND = 100.0;
    /** Idle interval after each cluster's warm-up: 10 ms CPU ticks need seconds to say anything. */
    static final double IDLE_SECONDS = 6;

    private final ClusterBenchOptions o;
    private final ClusterTargets catalog;
    private final PrintStream stdout;
    private final PrintStream stderr;
    private final KeyFormat keys;
    private final ValueSource values;
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** The target running now and its directory, for the shutdown hook (Ctrl-C). */
    private volatile ClusterTarget current;
    private volatile Path currentDir;

    ClusterRun(ClusterBenchOptions o, ClusterTargets catalog, PrintStream stdout, PrintStream stderr) {
        this.o = o;
        this.catalog = catalog;
        this.stdout = stdout;
        this.stderr = stderr;
        this.keys = new KeyFormat(o.keyBytes());
        this.values = new ValueSource(o.valueBytes(), o.seed());
    }

    int run() throws IOException, InterruptedException {
        Files.createDirectories(o.outDir().resolve("hgrm"));
        Files.createDirectories(o.dataDir());
        Machine machine = Machine.probe(o.dataDir());
        String started = Instant.now().toString();
        stderr.printf("kv bench cluster: targets %s, %d nodes, groups %s, concurrency %s, phases %s, %.1f s per point after %.1f s "
                        + "warm-up; load average %s -> %s%n", o.targets(), o.nodes(), o.groups(), o.concurrency(), o.phases(),
                o.secondsPerPoint(), o.warmupSeconds(), machine.loadAverageAtStart(), o.outDir());
        Thread hook = new Thread(this::abandon, "cluster-bench-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        List<TargetResult> results = new ArrayList<>();
        try {
            for (String name : o.targets()) {
                results.add(runTarget(name));
            }
        } finally {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        ClusterRunResult run = new ClusterRunResult(ClusterRunResult.SCHEMA, started, Instant.now().toString(),
                machine.withLoadAverageAtEnd(), parameters(), notes(machine), results, ClusterReport.ratios(results));
        write(run);
        boolean allOk = results.stream().allMatch(t -> TargetResult.OK.equals(t.status())
                && t.points().stream().noneMatch(p -> PointResult.ERROR.equals(p.status()))
                && t.failover().stream().allMatch(f -> f.failedTrials() == 0));
        return allOk ? 0 : ClusterBench.EXIT_MEASUREMENT_FAILED;
    }

    /** Ctrl-C or a JVM exit mid-run: stop the servers, remove their data. */
    private void abandon() {
        ClusterTarget t = current;
        if (t != null) {
            t.close();
        }
        Path d = currentDir;
        if (d != null) {
            EtcdCluster.deleteTree(d);
        }
    }

    private TargetResult runTarget(String name) throws IOException, InterruptedException {
        List<PointResult> points = new ArrayList<>();
        List<StorageResult> storage = new ArrayList<>();
        List<IdleCpuResult> idle = new ArrayList<>();
        List<FailoverResult> failover = new ArrayList<>();
        String version = name;
        Map<String, String> settings = Map.of();
        int maxGroups = 1;
        for (int g : o.groups()) {
            try (ClusterTarget target = catalog.create(name)) {
                version = target.version();
                settings = target.settings();
                maxGroups = target.maxGroups();
                if (g > target.maxGroups()) {
                    String why = name + " runs at most " + target.maxGroups() + " Raft group(s) per cluster (one etcd cluster is one "
                            + "group): compare other targets' " + g + "-group figures with " + name + "'s 1-group ones";
                    stderr.printf("[%s] groups=%d: not run (%s)%n", name, g, why);
                    for (String op : operations()) {
                        for (int c : o.concurrency()) {
                            points.add(PointResult.notRun(name, op, g, c, why));
                        }
                    }
                    continue;
                }
                Path dir = Files.createTempDirectory(o.dataDir(), "kvkit-cluster-" + name + "-g" + g + "-");
                currentDir = dir;
                current = target;
                try {
                    stderr.printf("[%s] groups=%d: starting %d nodes%n", name, g, o.nodes());
                    target.start(o.nodes(), g, dir);
                    long keyBase = 0;
                    if (o.clientWarmupSeconds() > 0) {
                        // JIT-compiles the client (and warms the servers) before any point: on 2 cores, C2 compiling
                        // gRPC and Netty during a measured window takes CPU from the servers
                        stderr.printf("[%s] groups=%d: %.0f s of unmeasured puts (client and server warm-up)%n", name, g,
                                o.clientWarmupSeconds());
                        ClosedLoopLoad.Result w = ClosedLoopLoad.run(16, Duration.ZERO, seconds(o.clientWarmupSeconds()),
                                seq -> put(target, seq), null);
                        keyBase += w.issued();
                    }
                    idle.add(measureIdle(target, g));
                    long alloc0 = target.dataBytesAllocated();
                    long apparent0 = target.dataBytesApparent();
                    long written = 0;
                    if (o.runs("puts")) {
                        for (int c : o.concurrency()) {
                            long base = keyBase;
                            Measured m = measure(target, "put", g, c, seq -> put(target, base + seq));
                            points.add(m.point);
                            keyBase += m.issued;
                            written += m.point.entriesWritten();
                        }
                        storage.add(StorageResult.of(g, o.nodes(), written, target.dataBytesAllocated() - alloc0,
                                target.dataBytesApparent() - apparent0, "du and file sizes include preallocated space "
                                        + "(etcd: 64 MB WAL segments, bbolt's file growth steps); short runs overstate bytes per entry"));
                    }
                    if (o.runs("reads")) {
                        long present = Math.min(keyBase, o.keySpace());
                        if (present == 0) {
                            present = preload(target);
                        }
                        long readable = present;
                        for (int c : o.concurrency()) {
                            points.add(measure(target, "get", g, c, seq -> get(target, readable)).point);
                        }
                    }
                    if (o.runs("failover")) {
                        // per group count: with many groups, the killed process led a share of them all
                        byte[] key = keys.key(o.keySpace() + 1); // outside the put key space: its own key
                        byte[] value = new byte[o.valueBytes()];
                        values.fill(0, value);
                        stderr.printf("[%s] groups=%d: %d failover trials%n", name, g, o.failoverTrials());
                        failover.add(FailoverResult.of(g, FailoverMeasurement.run(target, o.failoverTrials(), key, value,
                                line -> stderr.printf("[%s] %s%n", name, line))));
                    }
                } finally {
                    try {
                        target.saveLogs(o.outDir().resolve("logs").resolve(name + "-g" + g));
                    } catch (IOException | RuntimeException e) {
                        stderr.printf("[%s] could not save the servers' logs: %s%n", name, e);
                    }
                    target.close();
                    current = null;
                    EtcdCluster.deleteTree(dir);
                    currentDir = null;
                }
            } catch (IOException | RuntimeException e) {
                String msg = e.getClass().getSimpleName() + ": " + e.getMessage();
                stderr.printf("[%s] FAILED: %s%n", name, msg);
                return new TargetResult(name, version, settings, maxGroups, TargetResult.FAILED, msg, points, idle, storage, failover);
            }
        }
        return new TargetResult(name, version, settings, maxGroups, TargetResult.OK, null, points, idle, storage, failover);
    }

    /** Server CPU with no requests, over {@link #IDLE_SECONDS} or a point's length if shorter. */
    private IdleCpuResult measureIdle(ClusterTarget target, int groups) throws InterruptedException {
        double secs = Math.min(IDLE_SECONDS, o.secondsPerPoint());
        long c0 = target.serverCpuNanos();
        long t0 = System.nanoTime();
        Thread.sleep(Duration.ofNanos((long) (secs * 1e9)));
        long c1 = target.serverCpuNanos();
        double wall = (System.nanoTime() - t0) / 1e9;
        IdleCpuResult r = new IdleCpuResult(groups, wall, (c1 - c0) / 1e9 / wall);
        stderr.printf("[%s] groups=%d: idle servers use %.1f%% of one core%n", target.name(), groups, r.serverCores() * 100);
        return r;
    }

    private List<String> operations() {
        List<String> ops = new ArrayList<>();
        if (o.runs("puts")) {
            ops.add("put");
        }
        if (o.runs("reads")) {
            ops.add("get");
        }
        return ops;
    }

    private CompletableFuture<?> put(ClusterTarget target, long n) {
        byte[] value = new byte[o.valueBytes()];
        values.fill(n, value);
        return target.put(keys.key(Math.floorMod(n, o.keySpace())), value);
    }

    private CompletableFuture<?> get(ClusterTarget target, long present) {
        long n = ThreadLocalRandom.current().nextLong(present);
        return target.linearizableGet(keys.key(n)).thenApply(v -> {
            if (v == null || v.length != o.valueBytes()) {
                throw new IllegalStateException("read of key " + n + " found " + (v == null ? "nothing" : v.length + " bytes")
                        + "; it was written with " + o.valueBytes());
            }
            return v;
        });
    }

    /** Reads without a put phase first: write a small key set untimed, 64 puts in flight. */
    private long preload(ClusterTarget target) throws InterruptedException {
        long n = Math.min(10_000, o.keySpace());
        stderr.printf("[%s] preloading %,d keys for the reads%n", target.name(), n);
        int window = 64;
        Semaphore inFlight = new Semaphore(window);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (long i = 0; i < n && failure.get() == null; i++) {
            inFlight.acquire();
            put(target, i).whenComplete((r, e) -> {
                if (e != null) {
                    failure.compareAndSet(null, e);
                }
                inFlight.release();
            });
        }
        inFlight.acquire(window);
        if (failure.get() != null) {
            throw new IllegalStateException("preloading keys for the reads failed: " + failure.get(), failure.get());
        }
        return n;
    }

    private record Measured(PointResult point, long issued) {
    }

    private Measured measure(ClusterTarget target, String op, int groups, int concurrency, ClosedLoopLoad.Operation operation)
            throws InterruptedException {
        long alloc0 = op.equals("put") ? target.dataBytesAllocated() : 0;
        long apparent0 = op.equals("put") ? target.dataBytesApparent() : 0;
        long self = ProcessHandle.current().pid();
        long[] at = new long[8];
        long[][] perNode = new long[2][];
        ClosedLoopLoad.Window window = new ClosedLoopLoad.Window() {
            @Override
            public void opened() {
                perNode[0] = target.serverCpuNanosPerNode();
                at[0] = sum(perNode[0]);
                at[1] = ProcessCpu.cpuNanos(self);
                at[2] = CpuAccounting.machineBusyTicks();
                at[3] = System.nanoTime();
            }

            @Override
            public void closed() {
                perNode[1] = target.serverCpuNanosPerNode();
                at[4] = sum(perNode[1]);
                at[5] = ProcessCpu.cpuNanos(self);
                at[6] = CpuAccounting.machineBusyTicks();
                at[7] = System.nanoTime();
            }
        };
        ClosedLoopLoad.Result r = ClosedLoopLoad.run(concurrency, seconds(o.warmupSeconds()), seconds(o.secondsPerPoint()), operation, window);
        String load = Machine.loadAverage();
        long allocGrowth = op.equals("put") ? target.dataBytesAllocated() - alloc0 : 0;
        long apparentGrowth = op.equals("put") ? target.dataBytesApparent() - apparent0 : 0;
        double serverPerOp = r.operations() > 0 ? (double) (at[4] - at[0]) / r.operations() : -1;
        double clientPerOp = r.operations() > 0 && at[1] >= 0 ? (double) (at[5] - at[1]) / r.operations() : -1;
        double others = otherShare(at);
        List<Double> perNodePerOp = new ArrayList<>();
        for (int i = 0; perNode[0] != null && perNode[1] != null && i < perNode[0].length; i++) {
            boolean known = perNode[0][i] >= 0 && perNode[1][i] >= 0 && r.operations() > 0;
            perNodePerOp.add(known ? (double) (perNode[1][i] - perNode[0][i]) / r.operations() : -1);
        }
        String file = "hgrm/" + target.name() + "-g" + groups + "-" + op + "-c" + concurrency + ".hgrm";
        writeHistogram(r.latencyNanos(), o.outDir().resolve(file));
        String status = r.errors() == 0 && r.operations() > 0 ? PointResult.OK : PointResult.ERROR;
        String message = r.firstError() == null ? (r.operations() == 0 ? "no request completed in the window" : null)
                : r.errors() + " failed; first: " + r.firstError();
        PointResult p = new PointResult(target.name(), op, groups, concurrency, status, message, r.operations(), r.errors(), r.seconds(),
                r.opsPerSecond(), LatencySummary.of(r.latencyNanos()), serverPerOp, perNodePerOp, clientPerOp, op.equals("put") ? r.succeeded() : 0,
                allocGrowth, apparentGrowth, load, others, file);
        stderr.printf("[%s] g=%d %s c=%d: %,.0f ops/s, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, server CPU %.0f us/op, errors %d, "
                        + "load %s, others' CPU %s%n", target.name(), groups, op, concurrency, p.opsPerSecond(),
                p.latency().p50Micros() / 1000, p.latency().p99Micros() / 1000, p.latency().p999Micros() / 1000, serverPerOp / 1000,
                r.errors(), load, others < 0 ? "?" : String.format("%.0f%%", others * 100));
        return new Measured(p, r.issued());
    }

    private static long sum(long[] cpu) {
        long s = 0;
        for (long c : cpu) {
            s += Math.max(0, c);
        }
        return s;
    }

    /** Share of all cores' time in the window used by processes other than the servers and this JVM. */
    private static double otherShare(long[] at) {
        if (at[2] < 0 || at[6] < 0 || at[1] < 0 || at[5] < 0) {
            return -1;
        }
        double seconds = (at[7] - at[3]) / 1e9;
        double busy = (at[6] - at[2]) / TICKS_PER_SECOND;
        double ours = ((at[4] - at[0]) + (at[5] - at[1])) / 1e9;
        double share = (busy - ours) / (seconds * Runtime.getRuntime().availableProcessors());
        return Math.max(0, Math.min(1, share));
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos((long) (s * 1e9));
    }

    private static void writeHistogram(Histogram h, Path file) {
        try (PrintStream ps = new PrintStream(Files.newOutputStream(file), true, StandardCharsets.UTF_8)) {
            h.outputPercentileDistribution(ps, 1000.0); // nanoseconds recorded, microseconds written
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private ClusterParameters parameters() {
        return new ClusterParameters(o.nodes(), o.groups(), o.concurrency(), o.phases(), o.secondsPerPoint(), o.warmupSeconds(),
                o.clientWarmupSeconds(),
                o.failoverTrials(), o.keyBytes(), o.valueBytes(), o.keySpace(), o.seed(), o.quick(),
                "key number as 8 big-endian bytes, zero padded to " + o.keyBytes() + " bytes; puts take key numbers in sequence "
                        + "modulo keySpace, reads uniformly among the keys written",
                "50% compressible, " + o.valueBytes() + " bytes",
                "closed loop: each proposer has one request outstanding; every request timed from issue to its future's completion "
                        + "(stamped on the client's I/O thread) into an HdrHistogram (3 significant digits); only requests completing in "
                        + "the measured window count",
                "utime+stime of the server processes from /proc/<pid>/stat (10 ms ticks) over the measured window, per operation "
                        + "completed in it; the benchmark JVM's own CPU likewise (it shares the same cores)",
                "growth of the nodes' data directories (du allocated bytes and apparent sizes) over the put points / puts committed");
    }

    private List<String> notes(Machine machine) {
        List<String> all = new ArrayList<>(o.notes());
        all.add("Servers and the benchmark client share this machine's " + machine.cores() + " cores; figures from one run on a small "
                + "VM are noisy: compare ratios within a run, not across runs. Load average at start: " + machine.loadAverageAtStart()
                + "; every point records the load and the other processes' CPU share.");
        if (o.targets().contains("etcd")) {
            all.add("etcd runs one Raft group per cluster: its multi-group points are not run; kvkit's G-group figures are compared "
                    + "with etcd's 1-group ones.");
        }
        return all;
    }

    private void write(ClusterRunResult run) throws IOException {
        Path jsonFile = o.outDir().resolve("results.json");
        Path mdFile = o.outDir().resolve("results.md");
        json.writeValue(jsonFile.toFile(), run);
        String md = ClusterReport.render(run);
        Files.writeString(mdFile, md, StandardCharsets.UTF_8);
        List<String> written = new ArrayList<>(List.of(jsonFile.toString(), mdFile.toString()));
        try {
            written.addAll(ClusterCharts.write(run, o.outDir()));
        } catch (IOException | RuntimeException | Error e) {
            stderr.println("kv bench cluster: could not draw the plots (" + e + "); JSON and table are written");
        }
        stdout.println(md);
        stderr.println("kv bench cluster: wrote " + String.join(", ", written));
    }
}
