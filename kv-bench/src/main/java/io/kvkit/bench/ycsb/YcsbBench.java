package io.kvkit.bench.ycsb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvkit.bench.ChildJvm;
import io.kvkit.bench.report.Machine;
import io.kvkit.engine.api.StorageEngines;
import io.kvkit.engine.api.UnsupportedFeatureException;
import io.kvkit.engine.api.model.ModelEngineProvider;
import io.kvkit.ycsb.CoreWorkloads;
import io.kvkit.ycsb.KvkitBindingOptions;
import io.kvkit.ycsb.KvkitCluster;
import io.kvkit.ycsb.KvkitEmbeddedDB;
import io.kvkit.ycsb.KvkitRemoteDB;
import io.kvkit.ycsb.KvkitRemoteOptions;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code ./kv ycsb load|run <workload>}: YCSB's own client ({@code site.ycsb.Client}), one JVM per
 * store and phase, against kvkit's engines and the peers through the same binding code
 * ({@link io.kvkit.ycsb.RecordStoreDB}), HdrHistogram measurement on; then a report (markdown,
 * JSON, {@code .hgrm} files, latency percentile plots) in {@code bench-results/ycsb/<UTC date-time>/}.
 *
 * <p>{@code load} loads each store afresh. {@code run} runs the workload on each store, loading it
 * first unless its directory already holds a load of the same record count; {@code run all} loads
 * once and runs A, B, C, F, D, E in that order (YCSB's recommended order; E last, since D and E
 * insert). Exit status: 0 when every phase was OK or unsupported, 1 when one failed, 2 for bad
 * arguments.
 */
@Command(name = "ycsb", mixinStandardHelpOptions = true, sortOptions = false,
        description = "YCSB core workloads against kvkit engines and peers (RocksDB, LMDB), with a report in bench-results/ycsb/.")
public final class YcsbBench implements Callable<Integer> {
    static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss'Z'").withZone(ZoneOffset.UTC);
    static final List<String> PEERS = List.of("rocksdb", "lmdb");
    /** The order in which `run all` runs the workloads on one load. */
    static final List<String> RUN_ALL_ORDER = List.of("workloada", "workloadb", "workloadc", "workloadf", "workloadd", "workloade");
    static final String LOAD_MARKER = "ycsb-load.properties";
    static final String PERCENTILES = "50,95,99,99.9";

    @Parameters(index = "0", paramLabel = "load|run", description = "load: load the records; run: run the workload (loading first if needed)")
    String action;

    @Parameters(index = "1", paramLabel = "WORKLOAD", description = "workloada ... workloadf (or a ... f), or all")
    String workload;

    @Option(names = "--store", paramLabel = "STORES", defaultValue = "all",
            description = "lsm, hash, bplustree, rocksdb, lmdb, a comma-separated list, or all (default); with --target remote: the engines"
                    + " of the cluster tables (lsm, hash, bplustree; all = the three)")
    String stores;

    @Option(names = "--target", paramLabel = "embedded|remote", defaultValue = "embedded",
            description = "embedded: engines and peers in the YCSB JVM (default); remote: a running kvkit cluster through kv-client (--endpoints)")
    String target;

    @Option(names = "--endpoints", paramLabel = "HOST:PORT,...", description = "client endpoints of the cluster's nodes (with --target remote)")
    String endpoints;

    @Option(names = "--consistency", paramLabel = "LEVEL", defaultValue = "linearizable",
            description = "with --target remote: read consistency, linearizable (default), lease, follower or stale")
    String consistency;

    @Option(names = "--records", paramLabel = "N", defaultValue = "100000", description = "recordcount (default ${DEFAULT-VALUE})")
    long records;

    @Option(names = "--ops", paramLabel = "N", defaultValue = "100000", description = "operationcount per workload (default ${DEFAULT-VALUE})")
    long ops;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "0",
            description = "stop each run phase after S seconds (YCSB's maxexecutiontime; the ops then need not all be done); 0 = no limit")
    int seconds;

    @Option(names = "--threads", paramLabel = "T", defaultValue = "1", description = "YCSB client threads (default ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "where the stores live (default <java.io.tmpdir>/kvkit-ycsb)")
    Path dataDir;

    @Option(names = "--out", paramLabel = "DIR", description = "report directory (default bench-results/ycsb/<UTC date-time>/ under the repository root)")
    Path out;

    @Option(names = "--heap", paramLabel = "SIZE", defaultValue = "3g", description = "-Xmx of each YCSB client JVM (default ${DEFAULT-VALUE})")
    String heap;

    @Option(names = "--timeout-minutes", paramLabel = "M", defaultValue = "60", description = "longest one client JVM may run (default ${DEFAULT-VALUE})")
    int timeoutMinutes;

    @Option(names = "--jvm-arg", paramLabel = "FLAG", description = "an extra flag for every YCSB client JVM (repeatable)")
    List<String> jvmArgs = new ArrayList<>();

    @Option(names = "--note", paramLabel = "TEXT", description = "a note recorded with the results (repeatable), e.g. what shared the machine")
    List<String> notes = new ArrayList<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new YcsbBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (!action.equals("load") && !action.equals("run")) {
            throw new CommandLine.ParameterException(new CommandLine(this), "the first argument is load or run, not '" + action + "'");
        }
        if (!target.equals("embedded") && !target.equals("remote")) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--target is embedded or remote, not '" + target + "'");
        }
        if (target.equals("remote") != (endpoints != null)) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--endpoints goes with --target remote, and --target remote needs it");
        }
        if (seconds < 0) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--seconds must be 0 (no limit) or more, got " + seconds);
        }
        if (records < 1 || ops < 1 || threads < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--records, --ops and --threads must be at least 1");
        }
        List<String> workloads;
        try {
            workloads = workload.equalsIgnoreCase("all") ? RUN_ALL_ORDER : List.of(CoreWorkloads.canonicalName(workload));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage() + ", or all");
        }
        List<YcsbResults.StoreInfo> storeInfos = target.equals("remote") ? resolveRemoteStores() : resolveStores();
        Path data = dataDir != null ? dataDir : Path.of(System.getProperty("java.io.tmpdir"), "kvkit-ycsb");
        Path outDir = out != null ? out : repositoryRoot().resolve("bench-results").resolve("ycsb").resolve(STAMP.format(Instant.now()));
        Files.createDirectories(outDir.resolve("hgrm"));
        Files.createDirectories(outDir.resolve("logs"));
        Path raw = data.resolve("raw-" + outDir.getFileName());
        Files.createDirectories(raw);

        String started = Instant.now().toString();
        Machine machine = Machine.probe(Files.createDirectories(data));
        List<YcsbResults.PhaseResult> results = new ArrayList<>();
        Map<String, Histogram> histograms = new LinkedHashMap<>();
        PhaseRunner runner = new PhaseRunner(outDir, raw, histograms);
        for (YcsbResults.StoreInfo store : storeInfos) {
            Path storeDir = data.resolve(fileSafe(store.store()));
            // a cluster's tables outlive this process and this machine's files: a remote store is loaded by every invocation
            if (action.equals("load") || remote(store) || !loadedWith(storeDir)) {
                // the load phase uses the first workload's file: every core workload has the same record layout
                results.add(runner.run(store, workloads.get(0), "load", storeDir));
                YcsbResults.PhaseResult load = results.getLast();
                if (load.status().equals(YcsbResults.OK)) {
                    markLoaded(storeDir);
                } else {
                    System.out.println("  " + store.store() + ": load " + load.status() + ", its runs are skipped: " + load.message());
                    continue;
                }
            }
            if (action.equals("run")) {
                for (String w : workloads) {
                    results.add(runner.run(store, w, "run", storeDir));
                }
            }
        }
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("action", action);
        parameters.put("workloads", workloads);
        parameters.put("recordcount", records);
        parameters.put("operationcount", ops);
        parameters.put("threads", threads);
        if (seconds > 0) {
            parameters.put("maxexecutiontime", seconds);
        }
        parameters.put("fieldcount", 10);
        parameters.put("fieldlength", 100);
        parameters.put("measurementtype", "hdrhistogram");
        parameters.put("ycsb", "site.ycsb:core 0.17.0, site.ycsb.Client in one JVM per store and phase");
        parameters.put("target", target);
        if (target.equals("remote")) {
            parameters.put("endpoints", endpoints);
            parameters.put("consistency", consistency);
        }
        List<String> flags = new ArrayList<>(ChildJvm.PEER_FLAGS);
        flags.addAll(jvmArgs);
        parameters.put("childJvm", "-Xmx" + heap + " " + String.join(" ", flags));
        List<String> allNotes = new ArrayList<>(notes);
        allNotes.add("Load average at start " + machine.loadAverageAtStart() + " on " + machine.cores()
                + " cores: other work shared the CPU, so figures are noisy; compare ratios within this run.");
        YcsbResults.Run run = new YcsbResults.Run(YcsbResults.SCHEMA, started, Instant.now().toString(), machine.withLoadAverageAtEnd(),
                parameters, allNotes, storeInfos, results);
        YcsbReport.write(run, histograms, outDir);
        System.out.println("report: " + outDir.resolve("results.md"));
        boolean allOk = results.stream().allMatch(r -> r.status().equals(YcsbResults.OK) || r.status().equals(YcsbResults.UNSUPPORTED));
        return allOk ? 0 : 1;
    }

    private List<YcsbResults.StoreInfo> resolveStores() {
        List<String> engines = new ArrayList<>(StorageEngines.names());
        engines.remove(ModelEngineProvider.NAME);
        List<String> all = new ArrayList<>(engines);
        all.addAll(PEERS);
        List<String> chosen = stores.equalsIgnoreCase("all") ? all
                : Stream.of(stores.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        List<YcsbResults.StoreInfo> out = new ArrayList<>();
        for (String s : chosen) {
            if (s.equals("rocksdb")) {
                out.add(new YcsbResults.StoreInfo(s, "peer", RocksDbYcsbDB.class.getName(), RocksDbRecordStore.settings()));
            } else if (s.equals("lmdb")) {
                out.add(new YcsbResults.StoreInfo(s, "peer", LmdbYcsbDB.class.getName(), LmdbRecordStore.settings()));
            } else if (StorageEngines.names().contains(s)) {
                out.add(new YcsbResults.StoreInfo(s, "kvkit", KvkitEmbeddedDB.class.getName(),
                        "kvkit engine '" + s + "' with default options, unsynced writes, per-key write lock stripes for partial updates"));
            } else {
                throw new CommandLine.ParameterException(new CommandLine(this), "no store named '" + s + "'; available: "
                        + String.join(", ", all) + ", or all");
            }
        }
        if (out.isEmpty()) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--store names no store");
        }
        return out;
    }

    /** The YCSB properties of the remote binding for the cluster table of {@code engine}: "ycsb_" + engine. */
    private Properties remoteProperties(String engine) {
        Properties p = new Properties();
        p.setProperty(KvkitRemoteOptions.ENDPOINTS, endpoints);
        p.setProperty(KvkitRemoteOptions.TABLE, "ycsb_" + engine);
        p.setProperty(KvkitRemoteOptions.ENGINE, engine);
        p.setProperty(KvkitRemoteOptions.CONSISTENCY, consistency);
        return p;
    }

    /**
     * One store per engine, a cluster table on it, recreated empty (every remote store is loaded
     * by this invocation); labelled by the cluster ("kvkit 3-node (remote) lsm").
     */
    private List<YcsbResults.StoreInfo> resolveRemoteStores() {
        List<String> engines = stores.equalsIgnoreCase("all") ? io.kvkit.client.Protocol.ENGINES
                : Stream.of(stores.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        List<YcsbResults.StoreInfo> out = new ArrayList<>();
        for (String engine : engines) {
            if (!io.kvkit.client.Protocol.ENGINES.contains(engine)) {
                throw new CommandLine.ParameterException(new CommandLine(this), "no cluster engine named '" + engine + "'; available: "
                        + String.join(", ", io.kvkit.client.Protocol.ENGINES) + ", or all");
            }
            KvkitCluster cluster;
            try {
                cluster = KvkitCluster.recreateTable(remoteProperties(engine));
            } catch (IllegalArgumentException | io.kvkit.client.KvException e) {
                throw new CommandLine.ParameterException(new CommandLine(this), "cannot prepare table ycsb_" + engine + " on the cluster at "
                        + endpoints + ": " + e.getMessage());
            }
            out.add(new YcsbResults.StoreInfo(cluster.label() + " " + engine, "kvkit-remote", KvkitRemoteDB.class.getName(), cluster.setup()));
        }
        if (out.isEmpty()) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--store names no engine");
        }
        return out;
    }

    private static boolean remote(YcsbResults.StoreInfo store) {
        return store.family().equals("kvkit-remote");
    }

    /** The engine of a remote store's table: the last word of its label. */
    private static String remoteEngine(YcsbResults.StoreInfo store) {
        return store.store().substring(store.store().lastIndexOf(' ') + 1);
    }

    /** A store's label in file names ("kvkit 3-node (remote) lsm" as "kvkit-3-node-remote-lsm"). */
    static String fileSafe(String label) {
        return label.replaceAll("[^A-Za-z0-9._-]+", "-").replaceAll("-+$", "");
    }

    private boolean loadedWith(Path storeDir) {
        Path marker = storeDir.resolve(LOAD_MARKER);
        if (!Files.isRegularFile(marker)) {
            return false;
        }
        Properties p = new Properties();
        try (var in = Files.newInputStream(marker)) {
            p.load(in);
        } catch (IOException e) {
            return false;
        }
        return String.valueOf(records).equals(p.getProperty("recordcount"));
    }

    private void markLoaded(Path storeDir) throws IOException {
        Properties p = new Properties();
        p.setProperty("recordcount", String.valueOf(records));
        try (var o = Files.newOutputStream(storeDir.resolve(LOAD_MARKER))) {
            p.store(o, "loaded by io.kvkit.bench.ycsb.YcsbBench");
        }
    }

    /** The nearest directory at or above the working directory holding bench-results/ or .git; else the working directory. */
    static Path repositoryRoot() {
        Path start = Path.of("").toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("bench-results")) || Files.exists(p.resolve(".git"))) {
                return p;
            }
        }
        return start;
    }

    /** Runs one YCSB client JVM and turns its export and histogram logs into a {@link YcsbResults.PhaseResult}. */
    final class PhaseRunner {
        private final Path outDir;
        private final Path raw;
        private final Map<String, Histogram> histograms;

        PhaseRunner(Path outDir, Path raw, Map<String, Histogram> histograms) {
            this.outDir = outDir;
            this.raw = raw;
            this.histograms = histograms;
        }

        YcsbResults.PhaseResult run(YcsbResults.StoreInfo store, String workloadName, String phase, Path storeDir) throws IOException {
            if (phase.equals("load") && !remote(store)) {
                deleteTree(storeDir); // a remote store's table was recreated empty when the stores were resolved
            }
            Files.createDirectories(storeDir);
            String id = store.store() + "-" + workloadName + "-" + phase;
            String fileId = fileSafe(store.store()) + "-" + workloadName + "-" + phase;
            Path workloadFile = CoreWorkloads.copyTo(workloadName, raw.resolve("workloads"));
            Path export = raw.resolve(fileId + ".json");
            Path hdrPrefix = raw.resolve(fileId + "-");
            Files.deleteIfExists(export);
            List<String> args = new ArrayList<>(List.of(phase.equals("load") ? "-load" : "-t", "-db", store.dbClass(),
                    "-P", workloadFile.toString(), "-threads", String.valueOf(threads), "-s",
                    "-p", "recordcount=" + records,
                    "-p", "operationcount=" + ops,
                    "-p", "measurementtype=hdrhistogram",
                    "-p", "hdrhistogram.fileoutput=true",
                    "-p", "hdrhistogram.output.path=" + hdrPrefix,
                    "-p", "hdrhistogram.percentiles=" + PERCENTILES,
                    "-p", "exporter=site.ycsb.measurements.exporter.JSONArrayMeasurementsExporter",
                    "-p", "exportfile=" + export));
            if (seconds > 0 && !phase.equals("load")) {
                args.add("-p");
                args.add("maxexecutiontime=" + seconds);
            }
            if (remote(store)) {
                remoteProperties(remoteEngine(store)).forEach((k, v) -> {
                    args.add("-p");
                    args.add(k + "=" + v);
                });
            } else {
                args.add("-p");
                args.add(KvkitBindingOptions.PATH + "=" + storeDir);
            }
            if (store.family().equals("kvkit")) {
                args.add("-p");
                args.add(KvkitBindingOptions.ENGINE + "=" + store.store());
            }
            List<String> cmd = ChildJvm.command(heap, jvmArgs, site.ycsb.Client.class, args);
            Path log = outDir.resolve("logs").resolve(fileId + ".log");
            System.out.printf("%s %-9s %-10s %-4s ...%n", Instant.now().toString().substring(11, 19), store.store(), workloadName, phase);
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean exited;
            try {
                exited = p.waitFor(timeoutMinutes, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while YCSB ran " + id, e);
            }
            String relLog = outDir.relativize(log).toString();
            if (!exited) {
                p.destroyForcibly();
                return failed(store, workloadName, phase, "timed out after " + timeoutMinutes + " minutes", relLog);
            }
            if (p.exitValue() != 0 || !Files.isRegularFile(export)) {
                return failed(store, workloadName, phase, "YCSB client exited with " + p.exitValue() + (Files.isRegularFile(export) ? "" : " and wrote no measurements")
                        + "; last output: " + tail(log), relLog);
            }
            YcsbResults.PhaseResult r = parse(store, workloadName, phase, export, hdrPrefix, id, relLog);
            System.out.printf("         %s %,.0f ops/s in %.1f s (wall %.1f s)%s%n", r.status(), r.opsPerSecond(), r.runtimeMillis() / 1000.0,
                    (System.nanoTime() - t0) / 1e9, r.message() == null ? "" : ": " + r.message());
            return r;
        }

        private YcsbResults.PhaseResult failed(YcsbResults.StoreInfo store, String w, String phase, String message, String log) {
            System.out.println("         FAILED: " + message);
            return new YcsbResults.PhaseResult(store.store(), w, phase, YcsbResults.FAILED, message, 0, 0, 0, threads, Map.of(), List.of(), log);
        }

        private YcsbResults.PhaseResult parse(YcsbResults.StoreInfo store, String w, String phase, Path export, Path hdrPrefix, String id,
                                              String relLog) throws IOException {
            JsonNode array = new ObjectMapper().readTree(export.toFile());
            double throughput = 0;
            long runtime = 0;
            Map<String, Map<String, Long>> returns = new TreeMap<>();
            for (JsonNode n : array) {
                String metric = n.path("metric").asText();
                String measurement = n.path("measurement").asText();
                if (metric.equals("OVERALL") && measurement.equals("Throughput(ops/sec)")) {
                    throughput = n.path("value").asDouble();
                } else if (metric.equals("OVERALL") && measurement.equals("RunTime(ms)")) {
                    runtime = n.path("value").asLong();
                } else if (measurement.startsWith("Return=")) {
                    returns.computeIfAbsent(metric, k -> new TreeMap<>()).put(measurement.substring("Return=".length()), n.path("value").asLong());
                }
            }
            long total = 0;
            long notOk = 0;
            long notImplemented = 0;
            List<String> problems = new ArrayList<>();
            for (Map.Entry<String, Map<String, Long>> op : returns.entrySet()) {
                if (op.getKey().equals("CLEANUP")) {
                    continue;
                }
                for (Map.Entry<String, Long> s : op.getValue().entrySet()) {
                    total += s.getValue();
                    if (!s.getKey().equals("OK")) {
                        notOk += s.getValue();
                        if (s.getKey().equals("NOT_IMPLEMENTED")) {
                            notImplemented += s.getValue();
                        }
                        problems.add(String.format("%s %s: %,d", op.getKey(), s.getKey(), s.getValue()));
                    }
                }
            }
            // read-modify-write is counted as its read and its update, and once more as itself
            long rmw = returns.getOrDefault("READ-MODIFY-WRITE", Map.of()).values().stream().mapToLong(Long::longValue).sum();
            long expected = phase.equals("load") ? records : ops;
            String status = YcsbResults.OK;
            String message = null;
            if (notOk > 0 && notOk == notImplemented) {
                status = YcsbResults.UNSUPPORTED;
                message = "not supported by this store: " + String.join(", ", problems) + unsupportedReason(store);
            } else if (notOk > 0) {
                status = YcsbResults.ERROR;
                message = "operations failed: " + String.join(", ", problems) + "; see " + relLog;
            } else if (total - 2 * rmw < expected && !(seconds > 0 && !phase.equals("load"))) {
                status = YcsbResults.ERROR;
                message = String.format("only %,d of %,d operations were done; see %s", total - 2 * rmw, expected, relLog);
            }
            List<YcsbResults.OpLatency> latencies = new ArrayList<>();
            for (Path hdr : hdrFiles(hdrPrefix)) {
                String name = hdr.getFileName().toString();
                String op = name.substring(hdrPrefix.getFileName().toString().length(), name.length() - ".hdr".length());
                Histogram h = readHistogram(hdr);
                if (h == null || h.getTotalCount() == 0 || op.equals("CLEANUP")) {
                    continue;
                }
                String hgrmName = "hgrm/" + w + "-" + fileSafe(store.store()) + (phase.equals("load") ? "-load" : "") + "-" + op + ".hgrm";
                try (PrintStream ps = new PrintStream(Files.newOutputStream(outDir.resolve(hgrmName)), false, StandardCharsets.UTF_8)) {
                    ps.println("# " + store.store() + " " + w + " " + phase + " " + op + ": YCSB latency in microseconds");
                    h.outputPercentileDistribution(ps, 1.0);
                }
                histograms.put(id + "/" + op, h);
                latencies.add(new YcsbResults.OpLatency(op, h.getTotalCount(), h.getMean(), h.getValueAtPercentile(50),
                        h.getValueAtPercentile(95), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getMaxValue(), hgrmName));
            }
            latencies.sort(Comparator.comparing(YcsbResults.OpLatency::operation));
            return new YcsbResults.PhaseResult(store.store(), w, phase, status, message, throughput, runtime, total - 2 * rmw, threads,
                    returns, latencies, relLog);
        }

        /** The reason the binding gives in its NOT_IMPLEMENTED status (YCSB counts statuses but prints no description). */
        private static String unsupportedReason(YcsbResults.StoreInfo store) {
            if (store.family().equals("kvkit") && !StorageEngines.provider(store.store()).capabilities().orderedScan()) {
                return " (scan needs an ordered engine: " + UnsupportedFeatureException.orderedScan(store.store()).getMessage() + ")";
            }
            return "";
        }

        private List<Path> hdrFiles(Path prefix) throws IOException {
            String p = prefix.getFileName().toString();
            try (Stream<Path> s = Files.list(prefix.getParent())) {
                return s.filter(f -> {
                    String n = f.getFileName().toString();
                    return n.startsWith(p) && n.endsWith(".hdr");
                }).sorted().toList();
            }
        }
    }

    /** Adds up every interval of a YCSB histogram log. */
    static Histogram readHistogram(Path hdr) throws IOException {
        Histogram total = null;
        HistogramLogReader reader = new HistogramLogReader(hdr.toFile());
        try {
            while (reader.hasNext()) {
                org.HdrHistogram.EncodableHistogram e = reader.nextIntervalHistogram();
                if (e instanceof Histogram h) {
                    if (total == null) {
                        total = new Histogram(3);
                    }
                    total.add(h);
                }
            }
        } finally {
            reader.close();
        }
        return total;
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
