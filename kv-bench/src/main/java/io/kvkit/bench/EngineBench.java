package io.kvkit.bench;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kvkit.bench.report.Machine;
import io.kvkit.bench.report.MarkdownReport;
import io.kvkit.bench.report.Parameters;
import io.kvkit.bench.report.RunResult;
import io.kvkit.bench.report.StoreResult;
import io.kvkit.bench.report.ThroughputChart;
import io.kvkit.bench.store.StoreCatalog;
import io.kvkit.bench.store.StoreKind;
import io.kvkit.bench.workload.KeyFormat;
import io.kvkit.bench.workload.Workload;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * The db_bench-style engine runner: runs the same workloads over kvkit's engines and the peers,
 * one child JVM per store, and writes results.json, results.md and a PNG plot.
 *
 * <pre>
 * java -cp &lt;kv-bench class path&gt; io.kvkit.bench.EngineBench --quick
 * java -cp ... io.kvkit.bench.EngineBench --engines rocksdb,lmdb,model --workloads fillrandom,readrandom --n 200000
 * </pre>
 *
 * Exit status: 0 when every store ran every workload it supports; 1 when a store's child failed
 * or timed out or a workload failed (results are still written); 2 for bad arguments (an unknown
 * store or workload is named, with the list of those available).
 */
@Command(name = "kv bench engines", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs db_bench-style workloads over kvkit engines and peers (RocksDB, LMDB, Chronicle Map, ConcurrentHashMap), "
                + "one JVM per store, and writes JSON, a markdown table and a plot.")
public final class EngineBench implements Callable<Integer> {
    static final int EXIT_MEASUREMENT_FAILED = 1;
    static final int EXIT_USAGE = 2;
    public static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss'Z'").withZone(ZoneOffset.UTC);

    @Option(names = {"--engines", "--stores"}, split = ",", paramLabel = "NAME",
            description = "Stores to run, comma separated (default: every kvkit engine found, then rocksdb, lmdb, chronicle, chm, model).")
    List<String> stores;

    @Option(names = "--workloads", split = ",", paramLabel = "NAME",
            description = "Workloads, comma separated (default: all: fillseq, fillrandom, overwrite, readrandom, readrandom2, "
                    + "readmissing, seekrandom, readwhilewriting, deleterandom, fillsync).")
    List<String> workloads;

    @Option(names = "--n", paramLabel = "KEYS", description = "Key count N (default " + EngineBenchOptions.DEFAULT_N + "; --quick: "
            + EngineBenchOptions.QUICK_N + ").")
    Integer n;

    @Option(names = "--quick", description = "A quick run: N = " + EngineBenchOptions.QUICK_N + " unless --n is given, each workload "
            + "stopped after " + EngineBenchOptions.QUICK_MAX_SECONDS_PER_WORKLOAD + " s, " + EngineBenchOptions.QUICK_STORE_TIMEOUT_SECONDS
            + " s per store at most.")
    boolean quick;

    @Option(names = "--key-bytes", paramLabel = "BYTES", description = "Key length (default ${DEFAULT-VALUE}).")
    int keyBytes = EngineBenchOptions.DEFAULT_KEY_BYTES;

    @Option(names = "--value-bytes", paramLabel = "BYTES", description = "Value length (default ${DEFAULT-VALUE}).")
    int valueBytes = EngineBenchOptions.DEFAULT_VALUE_BYTES;

    @Option(names = "--seed", description = "Seed of the random key orders and values (default ${DEFAULT-VALUE}).")
    long seed = EngineBenchOptions.DEFAULT_SEED;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Output directory (default bench-results/engines/<UTC date-time>/ under the repository root, with a -quick "
                    + "suffix for --quick; the newest run is also copied to bench-results/engines/latest.{json,md,png}).")
    Path out;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where the stores' temporary directories go (default: java.io.tmpdir).")
    Path dataDir;

    @Option(names = "--child-heap", paramLabel = "SIZE", description = "-Xmx of each child JVM (default ${DEFAULT-VALUE}).")
    String childHeap = EngineBenchOptions.DEFAULT_CHILD_HEAP;

    @Option(names = "--jvm-arg", paramLabel = "FLAG", description = "An extra flag for every child JVM (repeatable), e.g. "
            + "-XX:+UseTransparentHugePages; recorded with each store's jvmArguments.")
    List<String> jvmArgs = new ArrayList<>();

    @Option(names = "--timeout-seconds", paramLabel = "S", description = "Kill a store's JVM after this long (default "
            + EngineBenchOptions.DEFAULT_STORE_TIMEOUT_SECONDS + "; --quick: " + EngineBenchOptions.QUICK_STORE_TIMEOUT_SECONDS + ").")
    Long timeoutSeconds;

    @Option(names = "--max-seconds-per-workload", paramLabel = "S", description = "Stop each workload's timed loop after this long "
            + "(default: none; --quick: " + EngineBenchOptions.QUICK_MAX_SECONDS_PER_WORKLOAD + "). A stopped workload reports the "
            + "operations it did, marked in the table.")
    Double maxSecondsPerWorkload;

    @Option(names = "--note", paramLabel = "TEXT", description = "A note recorded with the results (repeatable), e.g. what shared the machine.")
    List<String> notes = new ArrayList<>();

    private final PrintStream stdout;
    private final PrintStream stderr;

    public EngineBench() {
        this(System.out, System.err);
    }

    EngineBench(PrintStream stdout, PrintStream stderr) {
        this.stdout = stdout;
        this.stderr = stderr;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line {@code args}; returns the exit status. */
    public static int run(String[] args, PrintStream stdout, PrintStream stderr) {
        CommandLine cl = new CommandLine(new EngineBench(stdout, stderr));
        cl.setOut(new PrintWriter(stdout, true));
        cl.setErr(new PrintWriter(stderr, true));
        cl.setExitCodeExceptionMapper(e -> e instanceof IllegalArgumentException ? EXIT_USAGE : EXIT_MEASUREMENT_FAILED);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("kv bench engines: " + e.getMessage());
            return e instanceof IllegalArgumentException ? EXIT_USAGE : EXIT_MEASUREMENT_FAILED;
        });
        return cl.execute(args);
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        StoreCatalog catalog = StoreCatalog.discover();
        EngineBenchOptions o = options(catalog);
        return new Runner(o, catalog).run();
    }

    /** Checks the arguments; an unknown store or workload, or a bad size, is an {@link IllegalArgumentException}. */
    EngineBenchOptions options(StoreCatalog catalog) {
        List<String> storeNames = stores == null || stores.isEmpty() ? catalog.names() : stores.stream().map(String::trim).toList();
        for (String s : storeNames) {
            catalog.get(s); // throws, listing what is available
        }
        List<String> workloadIds = workloads == null || workloads.isEmpty() ? Workload.ids()
                : workloads.stream().map(w -> Workload.byId(w).id()).toList();
        int keys = n != null ? n : quick ? EngineBenchOptions.QUICK_N : EngineBenchOptions.DEFAULT_N;
        if (keys < 1) {
            throw new IllegalArgumentException("--n must be at least 1, got " + keys);
        }
        if (keyBytes < KeyFormat.MIN_KEY_BYTES || keyBytes > EngineBenchOptions.MAX_KEY_BYTES) {
            throw new IllegalArgumentException("--key-bytes must be in " + KeyFormat.MIN_KEY_BYTES + ".." + EngineBenchOptions.MAX_KEY_BYTES
                    + ", got " + keyBytes);
        }
        if (valueBytes < 1 || valueBytes > EngineBenchOptions.MAX_VALUE_BYTES) {
            throw new IllegalArgumentException("--value-bytes must be in 1.." + EngineBenchOptions.MAX_VALUE_BYTES + ", got " + valueBytes);
        }
        if (!childHeap.matches("[0-9]+[kKmMgG]?")) {
            throw new IllegalArgumentException("--child-heap must look like 512m or 2g, got '" + childHeap + "'");
        }
        long timeout = timeoutSeconds != null ? timeoutSeconds
                : quick ? EngineBenchOptions.QUICK_STORE_TIMEOUT_SECONDS : EngineBenchOptions.DEFAULT_STORE_TIMEOUT_SECONDS;
        if (timeout < 1) {
            throw new IllegalArgumentException("--timeout-seconds must be at least 1, got " + timeout);
        }
        double cap = maxSecondsPerWorkload != null ? maxSecondsPerWorkload
                : quick ? EngineBenchOptions.QUICK_MAX_SECONDS_PER_WORKLOAD : 0;
        if (cap < 0) {
            throw new IllegalArgumentException("--max-seconds-per-workload must be 0 (no cap) or positive, got " + cap);
        }
        String stamp = STAMP.format(Instant.now());
        Path enginesDir = repositoryRoot().resolve("bench-results").resolve("engines");
        Path outDir = out != null ? out : enginesDir.resolve(quick ? stamp + "-quick" : stamp); // quick runs are not committed
        Path latest = out != null ? null : enginesDir;
        Path data = dataDir != null ? dataDir : Path.of(System.getProperty("java.io.tmpdir"));
        for (String a : jvmArgs) {
            if (!a.startsWith("-")) {
                throw new IllegalArgumentException("--jvm-arg takes a JVM flag starting with '-', got '" + a + "'");
            }
        }
        return new EngineBenchOptions(storeNames, workloadIds, keys, keyBytes, valueBytes, seed, quick, outDir, latest, data, childHeap,
                List.copyOf(jvmArgs),
                timeout, cap, List.copyOf(notes));
    }

    /** The nearest directory at or above the working directory that holds bench-results/ or .git; else the working directory. */
    public static Path repositoryRoot() {
        Path cwd = Path.of("").toAbsolutePath();
        for (Path p = cwd; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("bench-results")) || Files.exists(p.resolve(".git"))) {
                return p;
            }
        }
        return cwd;
    }

    /** One run: children in turn, then the reports. */
    final class Runner {
        private final EngineBenchOptions o;
        private final StoreCatalog catalog;
        private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

        Runner(EngineBenchOptions o, StoreCatalog catalog) {
            this.o = o;
            this.catalog = catalog;
        }

        int run() throws IOException, InterruptedException {
            Files.createDirectories(o.outDir());
            Files.createDirectories(o.dataDir());
            Path runData = Files.createTempDirectory(o.dataDir(), "kvkit-bench-");
            Machine machine = Machine.probe(runData);
            String started = Instant.now().toString();
            stderr.printf("kv bench engines: N=%,d, stores %s, workloads %s -> %s%n", o.n(), String.join(",", o.stores()),
                    String.join(",", o.workloads()), o.outDir());
            List<StoreResult> results = new ArrayList<>();
            try {
                for (String store : o.stores()) {
                    results.add(runChild(catalog.get(store), runData));
                }
            } finally {
                deleteQuietly(runData);
            }
            RunResult run = new RunResult(RunResult.SCHEMA, started, Instant.now().toString(), machine.withLoadAverageAtEnd(), parameters(),
                    notes(machine), results);
            writeReports(run);
            boolean allOk = results.stream().allMatch(s -> StoreResult.OK.equals(s.status())
                    && s.workloads().stream().noneMatch(w -> w.status().equals("error")));
            if (!allOk) {
                stderr.println("kv bench engines: some measurements failed (see the table's notes and " + o.outDir().resolve("logs") + ")");
            }
            return allOk ? 0 : EXIT_MEASUREMENT_FAILED;
        }

        private List<String> notes(Machine machine) {
            List<String> all = new ArrayList<>(o.notes());
            all.add("Machine shared or not, figures from one run on a small VM are noisy: compare ratios within a run, not across runs. "
                    + "Load average at start: " + machine.loadAverageAtStart() + ".");
            return all;
        }

        private Parameters parameters() {
            Map<String, Long> ops = new LinkedHashMap<>();
            for (String id : o.workloads()) {
                Workload w = Workload.byId(id);
                ops.put(w.id() + ": " + w.description(), w.operations(o.n()));
            }
            return new Parameters(o.n(), o.keyBytes(), o.valueBytes(), o.seed(), o.quick(), o.workloads(), ops,
                    "8-byte big-endian key number, zero padded", "50% compressible (db_bench --compression_ratio=0.5)",
                    "every operation timed with System.nanoTime into an HdrHistogram (3 significant digits); timing overhead included",
                    o.childHeap(), o.maxSecondsPerWorkload());
        }

        private StoreResult runChild(StoreKind kind, Path runData) throws IOException, InterruptedException {
            Path resultFile = o.outDir().resolve("stores").resolve(kind.name() + ".json");
            Files.deleteIfExists(resultFile);
            Path log = o.outDir().resolve("logs").resolve(kind.name() + ".log");
            Files.createDirectories(log.getParent());
            List<String> args = List.of("--store", kind.name(), "--workloads", String.join(",", o.workloads()), "--n", String.valueOf(o.n()),
                    "--key-bytes", String.valueOf(o.keyBytes()), "--value-bytes", String.valueOf(o.valueBytes()), "--seed",
                    String.valueOf(o.seed()), "--store-dir", runData.resolve(kind.name()).toString(), "--histogram-dir",
                    o.outDir().resolve("hgrm").toString(), "--max-seconds-per-workload", String.valueOf(o.maxSecondsPerWorkload()),
                    "--result", resultFile.toString());
            List<String> cmd = ChildJvm.command(o.childHeap(), o.childJvmArgs(), EngineBenchChild.class, args);
            stderr.printf("[%s] starting%n", kind.name());
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            Deque<String> tail = new ArrayDeque<>();
            Thread pump = Thread.ofPlatform().daemon().name("pump-" + kind.name()).start(() -> pump(p, kind.name(), log, tail));
            boolean finished = p.waitFor(o.storeTimeoutSeconds(), TimeUnit.SECONDS);
            if (!finished) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
            pump.join(5000);
            double secs = (System.nanoTime() - t0) / 1e9;
            deleteQuietly(runData.resolve(kind.name()));
            StoreResult r = null;
            if (Files.exists(resultFile)) {
                r = json.readValue(resultFile.toFile(), StoreResult.class);
            }
            if (!finished) {
                String msg = "killed after " + o.storeTimeoutSeconds() + " s (--timeout-seconds)";
                stderr.printf("[%s] %s%n", kind.name(), msg);
                return failed(kind, StoreResult.TIMEOUT, msg + lastLines(tail), secs);
            }
            if (p.exitValue() != 0 || r == null) {
                String msg = "child JVM exited with " + p.exitValue() + lastLines(tail);
                stderr.printf("[%s] FAILED: %s%n", kind.name(), msg);
                return failed(kind, StoreResult.FAILED, msg, secs);
            }
            stderr.printf("[%s] done in %.1f s%n", kind.name(), secs);
            return r;
        }

        private StoreResult failed(StoreKind kind, String status, String message, double secs) {
            return new StoreResult(kind.name(), kind.family(), kind.version(), kind.durable(), kind.durability(),
                    kind.settings(o.keyBytes(), o.valueBytes(), o.n()), List.of(), status, message, secs, -1, null, List.of());
        }

        private static String lastLines(Deque<String> tail) {
            synchronized (tail) {
                return tail.isEmpty() ? "" : "; last output: " + String.join(" | ", tail);
            }
        }

        private void pump(Process p, String name, Path log, Deque<String> tail) {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                 PrintStream logOut = new PrintStream(Files.newOutputStream(log), true, StandardCharsets.UTF_8)) {
                for (String line; (line = in.readLine()) != null; ) {
                    logOut.println(line);
                    stderr.println("[" + name + "] " + line);
                    synchronized (tail) {
                        tail.addLast(line);
                        if (tail.size() > 5) {
                            tail.removeFirst();
                        }
                    }
                }
            } catch (IOException e) {
                stderr.println("[" + name + "] cannot read the child's output: " + e.getMessage());
            }
        }

        private void writeReports(RunResult run) throws IOException {
            Path jsonFile = o.outDir().resolve("results.json");
            Path mdFile = o.outDir().resolve("results.md");
            Path pngFile = o.outDir().resolve("ops-per-second.png");
            json.writeValue(jsonFile.toFile(), run);
            String md = MarkdownReport.render(run);
            Files.writeString(mdFile, md, StandardCharsets.UTF_8);
            boolean plotted = false;
            try {
                ThroughputChart.writePng(run, pngFile, 1400, 750);
                plotted = true;
            } catch (IOException | RuntimeException | Error e) {
                stderr.println("kv bench engines: could not draw the plot (" + e + "); JSON and table are written");
            }
            if (o.latestDir() != null) {
                Files.copy(jsonFile, o.latestDir().resolve("latest.json"), StandardCopyOption.REPLACE_EXISTING);
                Files.copy(mdFile, o.latestDir().resolve("latest.md"), StandardCopyOption.REPLACE_EXISTING);
                if (plotted) {
                    Files.copy(pngFile, o.latestDir().resolve("latest.png"), StandardCopyOption.REPLACE_EXISTING);
                }
                Files.writeString(o.latestDir().resolve("latest.txt"), o.latestDir().relativize(o.outDir()) + "\n");
            }
            stdout.println(md);
            stderr.println("kv bench engines: wrote " + jsonFile + ", " + mdFile + (plotted ? ", " + pngFile : ""));
        }
    }

    static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            System.err.println("kv bench engines: could not delete " + dir + ": " + e.getMessage());
        }
    }
}
