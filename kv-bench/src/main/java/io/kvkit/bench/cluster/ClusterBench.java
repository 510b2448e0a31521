package io.kvkit.bench.cluster;

import io.kvkit.bench.EngineBench;
import io.kvkit.bench.workload.KeyFormat;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The cluster benchmark: starts each target as 3 server processes on loopback and measures
 * closed-loop puts and linearizable reads at several concurrencies, for one and for many Raft
 * groups, then failover after kill -9 of the leader, the disk used per entry and the servers'
 * CPU per operation. Writes results.json, results.md, two PNG plots and one .hgrm per point.
 *
 * <pre>
 * java -cp &lt;kv-bench class path&gt; io.kvkit.bench.cluster.ClusterBench --quick
 * java -cp ... io.kvkit.bench.cluster.ClusterBench --targets etcd --concurrency 1,16,64,256 --seconds 30
 * </pre>
 *
 * Exit status: 0 when every point that could run ran without error; 1 when a target failed or a
 * point had errors (results are still written); 2 for bad arguments or a missing etcd binary.
 */
@Command(name = "kv bench cluster", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Measures replicated puts, linearizable reads, failover, disk and CPU per entry of 3-process clusters on "
                + "loopback: kvkit's multi-Raft runtime and etcd, side by side.")
public final class ClusterBench implements Callable<Integer> {
    static final int EXIT_MEASUREMENT_FAILED = 1;
    static final int EXIT_USAGE = 2;

    @Option(names = "--targets", split = ",", paramLabel = "NAME", description = "Targets, comma separated (default: kvkit,etcd).")
    List<String> targets;

    @Option(names = "--concurrency", split = ",", paramLabel = "N",
            description = "Proposer counts, each with one request outstanding (default: 1,16,64,256).")
    List<Integer> concurrency;

    @Option(names = "--groups", split = ",", paramLabel = "G",
            description = "Raft group counts (default: 1,64). etcd is one group per cluster and runs only G = 1.")
    List<Integer> groups;

    @Option(names = "--phases", split = ",", paramLabel = "PHASE", description = "Any of puts, reads, failover (default: all three).")
    List<String> phases;

    @Option(names = "--nodes", paramLabel = "N", description = "Server processes per cluster (default ${DEFAULT-VALUE}).")
    int nodes = ClusterBenchOptions.DEFAULT_NODES;

    @Option(names = "--seconds", paramLabel = "S", description = "Measured seconds per point (default "
            + ClusterBenchOptions.DEFAULT_SECONDS_PER_POINT + "; --quick: " + ClusterBenchOptions.QUICK_SECONDS_PER_POINT + ").")
    Double seconds;

    @Option(names = "--warmup", paramLabel = "S", description = "Unmeasured seconds of the same load before each point (default "
            + ClusterBenchOptions.DEFAULT_WARMUP_SECONDS + "; --quick: " + ClusterBenchOptions.QUICK_WARMUP_SECONDS + ").")
    Double warmup;

    @Option(names = "--client-warmup", paramLabel = "S", description = "Unmeasured puts once after each cluster start, so the "
            + "client's JIT compilation is over before the first point (default " + ClusterBenchOptions.DEFAULT_CLIENT_WARMUP_SECONDS
            + "; --quick: " + ClusterBenchOptions.QUICK_CLIENT_WARMUP_SECONDS + "; 0: none).")
    Double clientWarmup;

    @Option(names = "--failover-trials", paramLabel = "N", description = "kill -9 trials per cluster (default "
            + ClusterBenchOptions.DEFAULT_FAILOVER_TRIALS + "; --quick: " + ClusterBenchOptions.QUICK_FAILOVER_TRIALS + ").")
    Integer failoverTrials;

    @Option(names = "--quick", description = "A smoke run: " + ClusterBenchOptions.QUICK_SECONDS_PER_POINT + " s per point after "
            + ClusterBenchOptions.QUICK_WARMUP_SECONDS + " s of warm-up, " + ClusterBenchOptions.QUICK_FAILOVER_TRIALS
            + " failover trials, output in a -quick directory.")
    boolean quick;

    @Option(names = "--key-bytes", paramLabel = "BYTES", description = "Key length (default ${DEFAULT-VALUE}).")
    int keyBytes = ClusterBenchOptions.DEFAULT_KEY_BYTES;

    @Option(names = "--value-bytes", paramLabel = "BYTES", description = "Value length (default ${DEFAULT-VALUE}).")
    int valueBytes = ClusterBenchOptions.DEFAULT_VALUE_BYTES;

    @Option(names = "--key-space", paramLabel = "KEYS", description = "Puts cycle over this many distinct keys (default ${DEFAULT-VALUE}).")
    long keySpace = ClusterBenchOptions.DEFAULT_KEY_SPACE;

    @Option(names = "--seed", description = "Seed of the values (default ${DEFAULT-VALUE}).")
    long seed = ClusterBenchOptions.DEFAULT_SEED;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Output directory (default: bench-results/cluster/<UTC date-time>[-quick]/ under the repository root).")
    Path out;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where the clusters' temporary data directories go (default: java.io.tmpdir).")
    Path dataDir;

    @Option(names = "--etcd", paramLabel = "PATH", description = "The etcd binary (default: etcd on PATH or /usr/bin/etcd, else "
            + EtcdBinary.INSTALLER + " installs it).")
    Path etcd;

    @Option(names = "--etcd-channels", paramLabel = "N", description = "gRPC channels (TCP connections) to each etcd member "
            + "(default ${DEFAULT-VALUE}).")
    int etcdChannels = ClusterBenchOptions.DEFAULT_ETCD_CHANNELS_PER_MEMBER;

    @Option(names = "--note", paramLabel = "TEXT", description = "A note recorded with the results (repeatable).")
    List<String> notes = new ArrayList<>();

    private final PrintStream stdout;
    private final PrintStream stderr;

    public ClusterBench() {
        this(System.out, System.err);
    }

    ClusterBench(PrintStream stdout, PrintStream stderr) {
        this.stdout = stdout;
        this.stderr = stderr;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line {@code args}; returns the exit status. */
    public static int run(String[] args, PrintStream stdout, PrintStream stderr) {
        CommandLine cl = new CommandLine(new ClusterBench(stdout, stderr));
        cl.setOut(new PrintWriter(stdout, true));
        cl.setErr(new PrintWriter(stderr, true));
        cl.setExitCodeExceptionMapper(e -> e instanceof IllegalArgumentException ? EXIT_USAGE : EXIT_MEASUREMENT_FAILED);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("kv bench cluster: " + e.getMessage());
            return e instanceof IllegalArgumentException ? EXIT_USAGE : EXIT_MEASUREMENT_FAILED;
        });
        return cl.execute(args);
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        ClusterBenchOptions o = options();
        Path etcdBinary = null;
        if (o.targets().contains("etcd")) {
            try {
                etcdBinary = EtcdBinary.locate(o.etcd(), EngineBench.repositoryRoot());
            } catch (IllegalStateException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }
        return new ClusterRun(o, ClusterTargets.standard(etcdBinary, o.etcdChannelsPerMember()), stdout, stderr).run();
    }

    /** Checks the arguments; anything out of range is an {@link IllegalArgumentException} naming the option and what it accepts. */
    ClusterBenchOptions options() {
        List<String> targetNames = targets == null || targets.isEmpty() ? List.of("kvkit", "etcd") : targets.stream().map(String::trim).toList();
        for (String t : targetNames) {
            ClusterTargets.check(t);
        }
        requireDistinct("--targets", targetNames);
        List<Integer> conc = concurrency == null || concurrency.isEmpty() ? ClusterBenchOptions.DEFAULT_CONCURRENCY : List.copyOf(concurrency);
        for (int c : conc) {
            requireIn("--concurrency", c, 1, ClusterBenchOptions.MAX_CONCURRENCY);
        }
        List<Integer> grp = groups == null || groups.isEmpty() ? ClusterBenchOptions.DEFAULT_GROUPS : List.copyOf(groups);
        for (int g : grp) {
            requireIn("--groups", g, 1, ClusterBenchOptions.MAX_GROUPS);
        }
        requireDistinct("--groups", grp);
        List<String> ph = phases == null || phases.isEmpty() ? ClusterBenchOptions.PHASES : phases.stream().map(String::trim).toList();
        for (String p : ph) {
            if (!ClusterBenchOptions.PHASES.contains(p)) {
                throw new IllegalArgumentException("no phase named '" + p + "'; available: " + String.join(", ", ClusterBenchOptions.PHASES));
            }
        }
        ph = ClusterBenchOptions.PHASES.stream().filter(ph::contains).toList(); // always puts, then reads, then failover
        requireIn("--nodes", nodes, 1, ClusterBenchOptions.MAX_NODES);
        double secs = seconds != null ? seconds : quick ? ClusterBenchOptions.QUICK_SECONDS_PER_POINT : ClusterBenchOptions.DEFAULT_SECONDS_PER_POINT;
        if (!(secs >= 0.1 && secs <= ClusterBenchOptions.MAX_SECONDS_PER_POINT)) {
            throw new IllegalArgumentException("--seconds must be in 0.1.." + (int) ClusterBenchOptions.MAX_SECONDS_PER_POINT + ", got " + secs);
        }
        double warm = warmup != null ? warmup : quick ? ClusterBenchOptions.QUICK_WARMUP_SECONDS : ClusterBenchOptions.DEFAULT_WARMUP_SECONDS;
        if (!(warm >= 0 && warm <= ClusterBenchOptions.MAX_SECONDS_PER_POINT)) {
            throw new IllegalArgumentException("--warmup must be in 0.." + (int) ClusterBenchOptions.MAX_SECONDS_PER_POINT + ", got " + warm);
        }
        double clientWarm = clientWarmup != null ? clientWarmup : quick ? ClusterBenchOptions.QUICK_CLIENT_WARMUP_SECONDS
                : ClusterBenchOptions.DEFAULT_CLIENT_WARMUP_SECONDS;
        if (!(clientWarm >= 0 && clientWarm <= ClusterBenchOptions.MAX_SECONDS_PER_POINT)) {
            throw new IllegalArgumentException("--client-warmup must be in 0.." + (int) ClusterBenchOptions.MAX_SECONDS_PER_POINT + ", got "
                    + clientWarm);
        }
        int trials = failoverTrials != null ? failoverTrials : quick ? ClusterBenchOptions.QUICK_FAILOVER_TRIALS
                : ClusterBenchOptions.DEFAULT_FAILOVER_TRIALS;
        requireIn("--failover-trials", trials, 1, ClusterBenchOptions.MAX_FAILOVER_TRIALS);
        if (ph.contains("failover") && nodes < 3) {
            throw new IllegalArgumentException("the failover phase needs --nodes 3 or more (a majority must survive a kill), got " + nodes);
        }
        requireIn("--key-bytes", keyBytes, KeyFormat.MIN_KEY_BYTES, 1024);
        requireIn("--value-bytes", valueBytes, 1, 512 * 1024);
        if (keySpace < 1) {
            throw new IllegalArgumentException("--key-space must be at least 1, got " + keySpace);
        }
        requireIn("--etcd-channels", etcdChannels, 1, 64);
        String stamp = EngineBench.STAMP.format(Instant.now());
        Path outDir = out != null ? out
                : EngineBench.repositoryRoot().resolve("bench-results").resolve("cluster").resolve(quick ? stamp + "-quick" : stamp);
        Path data = dataDir != null ? dataDir : Path.of(System.getProperty("java.io.tmpdir"));
        return new ClusterBenchOptions(targetNames, nodes, grp, conc, ph, secs, warm, clientWarm, trials, keyBytes, valueBytes, keySpace, seed, quick,
                outDir, data, etcd, etcdChannels, List.copyOf(notes));
    }

    private static void requireIn(String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(option + " must be in " + min + ".." + max + ", got " + value);
        }
    }

    private static void requireDistinct(String option, List<?> values) {
        if (values.stream().distinct().count() != values.size()) {
            throw new IllegalArgumentException(option + " names a value twice: " + values);
        }
    }
}
