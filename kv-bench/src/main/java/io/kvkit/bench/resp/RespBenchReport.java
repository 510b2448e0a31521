package io.kvkit.bench.resp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kvkit.bench.report.LatencySummary;
import io.kvkit.bench.report.Machine;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The post-processing step of {@code kv-bench/scripts/resp-bench.sh}: reads what the script's
 * run left in the output directory and writes {@code results.json}, {@code results.md},
 * {@code throughput.png} and {@code machine.txt} there.
 *
 * <p>Input layout (written by the script, all under the output directory):
 * <pre>
 * raw/targets.tsv               one line per target: name TAB what it is (version, durability settings)
 * raw/&lt;target&gt;-P&lt;p&gt;.csv         redis-benchmark --csv output of one target at pipeline depth p
 * raw/&lt;target&gt;-P&lt;p&gt;.status      "ok", or "failed: why" (exit status, timeout)
 * kvclient/kvclient-load.json   {@link KvClientLoad}'s result against the 3-node cluster (optional)
 * etcd/results.json             the cluster benchmark's result for etcd (optional)
 * </pre>
 *
 * <pre>
 * java -cp &lt;kv-bench class path&gt; io.kvkit.bench.resp.RespBenchReport --out DIR --n N [--quick] [--note TEXT]... [--data-dir DIR]
 * </pre>
 * Exit status: 0 written and every measurement ok; 1 written, some measurement failed; 2 bad arguments or unreadable input.
 */
public final class RespBenchReport {
    static final String SCHEMA = "kvkit-bench-resp/1";
    /** Target names in run order, as the script names its files. */
    static final List<String> TARGETS = List.of("kvkit-3node", "kvkit-1node", "redis-always", "redis-nopersist");
    static final List<Integer> PIPELINES = List.of(1, 16);
    static final List<String> TESTS = List.of("SET", "GET", "INCR", "MSET (10 keys)");
    static final int CLIENTS = 50;
    static final long KEY_SPACE = 1_000_000;
    static final int VALUE_BYTES = 100;

    /** One redis-benchmark figure: one target, pipeline depth and test. Latencies in ms; -1 where not measured. */
    public record Row(String target, int pipeline, String test, String status, String message, double rps, double avgMs, double minMs,
                      double p50Ms, double p95Ms, double p99Ms, double maxMs) {
        boolean ok() {
            return "ok".equals(status);
        }
    }

    /**
     * A ratio one of the targets is stated in.
     *
     * @param value   numerator / denominator (throughput), or -1 when a side is missing
     * @param goal    the target, e.g. "≥ 1.0×"
     * @param met     whether {@code value} meets the goal (false when unknown)
     */
    public record Ratio(String name, String numerator, String denominator, double value, double numeratorP99Ms, double denominatorP99Ms,
                        String goal, boolean met) {
    }

    /** One operation of the 64-client comparison, kvkit (kv-client) next to etcd (gRPC). */
    public record ClientComparison(String operation, int clients, LatencySummary kvkit, double kvkitOpsPerSecond, String kvkitStatus,
                                   LatencySummary etcd, double etcdOpsPerSecond, String etcdStatus, double throughputRatio, double p99Ratio,
                                   boolean met) {
    }

    public record Result(String schema, String generatedAt, Machine machine, Map<String, Object> parameters, List<String> notes,
                         Map<String, String> targets, List<Row> rows, List<Ratio> ratios, List<ClientComparison> clientComparison,
                         String etcdVersion) {
    }

    private RespBenchReport() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Path dir = null;
        Path dataDir = Path.of(System.getProperty("java.io.tmpdir"));
        long n = -1;
        boolean quick = false;
        List<String> notes = new ArrayList<>();
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--out" -> dir = Path.of(value(args, ++i, "--out"));
                    case "--data-dir" -> dataDir = Path.of(value(args, ++i, "--data-dir"));
                    case "--n" -> n = parseCount(value(args, ++i, "--n"));
                    case "--quick" -> quick = true;
                    case "--note" -> notes.add(value(args, ++i, "--note"));
                    default -> throw new IllegalArgumentException("unknown argument '" + args[i]
                            + "'; allowed: --out DIR, --n N, --quick, --note TEXT, --data-dir DIR");
                }
            }
            if (dir == null || n < 0) {
                throw new IllegalArgumentException("--out DIR and --n N are required");
            }
            Result r = build(dir, n, quick, notes, Machine.probe(dataDir));
            write(r, dir);
            out.print(Files.readString(dir.resolve("results.md")));
            boolean allOk = r.rows().stream().allMatch(Row::ok)
                    && r.clientComparison().stream().allMatch(c -> "ok".equals(c.kvkitStatus()) && "ok".equals(c.etcdStatus()));
            return allOk ? 0 : 1;
        } catch (IllegalArgumentException | IOException e) {
            err.println("resp-bench report: " + e.getMessage());
            return 2;
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static long parseCount(String v) {
        try {
            long n = Long.parseLong(v.replace(",", "").replace("_", ""));
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--n must be a positive whole number, got '" + v + "'");
        }
    }

    /** Reads the run's files under {@code dir}; see the class comment for the layout. */
    static Result build(Path dir, long n, boolean quick, List<String> notes, Machine machine) throws IOException {
        Path raw = dir.resolve("raw");
        if (!Files.isDirectory(raw)) {
            throw new IOException("no " + raw + ": run kv-bench/scripts/resp-bench.sh, which writes it before calling this report");
        }
        Map<String, String> targets = new LinkedHashMap<>();
        Path tsv = raw.resolve("targets.tsv");
        if (Files.exists(tsv)) {
            for (String line : Files.readAllLines(tsv, StandardCharsets.UTF_8)) {
                int tab = line.indexOf('\t');
                if (tab > 0) {
                    targets.put(line.substring(0, tab), line.substring(tab + 1));
                }
            }
        }
        List<Row> rows = new ArrayList<>();
        for (String target : TARGETS) {
            for (int p : PIPELINES) {
                rows.addAll(rowsOf(raw, target, p));
            }
        }
        List<Ratio> ratios = new ArrayList<>();
        for (int p : PIPELINES) {
            ratios.add(ratio("3-node kvkit SET / redis-server appendfsync always SET, -P " + p, rows, "kvkit-3node", "redis-always", "SET", p,
                    1.0));
        }
        for (int p : PIPELINES) {
            ratios.add(ratio("1-node kvkit GET / redis-server without persistence GET, -P " + p, rows, "kvkit-1node", "redis-nopersist", "GET",
                    p, 0.5));
        }
        JsonNode kv = readJson(dir.resolve("kvclient").resolve("kvclient-load.json"));
        JsonNode etcd = readJson(dir.resolve("etcd").resolve("results.json"));
        List<ClientComparison> comparison = new ArrayList<>();
        String etcdVersion = null;
        if (kv != null || etcd != null) {
            JsonNode etcdTarget = etcd == null ? null : first(etcd.path("targets"), t -> "etcd".equals(t.path("target").asText()));
            etcdVersion = etcdTarget == null ? null : etcdTarget.path("version").asText(null);
            for (String op : List.of("put", "get")) {
                JsonNode k = kv == null ? null : first(kv.path("points"), pt -> op.equals(pt.path("operation").asText()));
                JsonNode e = etcdTarget == null ? null : first(etcdTarget.path("points"), pt -> op.equals(pt.path("operation").asText()));
                int clients = k != null ? k.path("concurrency").asInt() : e != null ? e.path("concurrency").asInt() : 64;
                LatencySummary kl = latency(k);
                LatencySummary el = latency(e);
                double kr = k == null ? -1 : k.path("opsPerSecond").asDouble();
                double er = e == null ? -1 : e.path("opsPerSecond").asDouble();
                String ks = k == null ? "not run" : k.path("status").asText();
                String es = e == null ? "not run" : e.path("status").asText();
                boolean both = "ok".equals(ks) && "ok".equals(es) && er > 0 && el != null && el.p99Micros() > 0;
                double tr = both ? kr / er : -1;
                double lr = both ? kl.p99Micros() / el.p99Micros() : -1;
                comparison.add(new ClientComparison(op, clients, kl, kr, ks, el, er, es, tr, lr, both && tr >= 2.0 && lr <= 1.0));
            }
        }
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("requestsPerTest", n);
        parameters.put("quick", quick);
        parameters.put("redisBenchmark", "redis-benchmark -t set,get,incr,mset -c " + CLIENTS + " -n " + n + " -r " + KEY_SPACE + " -d "
                + VALUE_BYTES + " -P {1,16} --csv");
        parameters.put("clients", CLIENTS);
        parameters.put("keySpace", KEY_SPACE);
        parameters.put("valueBytes", VALUE_BYTES);
        parameters.put("pipelines", PIPELINES);
        parameters.put("tests", TESTS);
        parameters.put("targetsInRunOrder", TARGETS);
        if (kv != null) {
            parameters.put("kvclientClients", kv.path("clients").asInt());
            parameters.put("kvclientSecondsPerPoint", kv.path("secondsPerPoint").asDouble());
            parameters.put("kvclientWarmupSeconds", kv.path("warmupSeconds").asDouble());
            parameters.put("kvclientClientWarmupSeconds", kv.path("clientWarmupSeconds").asDouble());
        }
        return new Result(SCHEMA, Instant.now().toString(), machine.withLoadAverageAtEnd(), parameters, List.copyOf(notes), targets, rows,
                ratios, comparison, etcdVersion);
    }

    /** The four tests of one target at one depth: parsed figures, or a failed row per test saying why. */
    static List<Row> rowsOf(Path raw, String target, int p) throws IOException {
        Path csv = raw.resolve(target + "-P" + p + ".csv");
        Path statusFile = raw.resolve(target + "-P" + p + ".status");
        String status = Files.exists(statusFile) ? Files.readString(statusFile, StandardCharsets.UTF_8).strip() : "not run";
        List<RedisBenchmarkCsv.Row> parsed = List.of();
        String problem = status.equals("ok") ? null : status;
        if (Files.exists(csv)) {
            try {
                parsed = RedisBenchmarkCsv.parse(Files.readString(csv, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                problem = problem == null ? e.getMessage() : problem + "; " + e.getMessage();
            }
        }
        List<Row> rows = new ArrayList<>();
        for (String test : TESTS) {
            Optional<RedisBenchmarkCsv.Row> r = parsed.stream().filter(x -> x.test().equals(test)).findFirst();
            if (r.isPresent() && problem == null) {
                RedisBenchmarkCsv.Row x = r.get();
                boolean good = x.rps() > 0;
                rows.add(new Row(target, p, test, good ? "ok" : "failed", good ? null : "redis-benchmark reported 0 requests per second",
                        x.rps(), x.avgMs(), x.minMs(), x.p50Ms(), x.p95Ms(), x.p99Ms(), x.maxMs()));
            } else {
                String why = problem != null ? problem : "no " + test + " line in " + csv.getFileName();
                String rowStatus = status.equals("not run") ? "not run" : "failed";
                rows.add(new Row(target, p, test, rowStatus, why, -1, -1, -1, -1, -1, -1, -1));
            }
        }
        return rows;
    }

    static Ratio ratio(String name, List<Row> rows, String num, String den, String test, int p, double goal) {
        Optional<Row> a = find(rows, num, test, p);
        Optional<Row> b = find(rows, den, test, p);
        boolean known = a.isPresent() && b.isPresent() && b.get().rps() > 0;
        double v = known ? a.get().rps() / b.get().rps() : -1;
        return new Ratio(name, num + " " + test + " -P " + p, den + " " + test + " -P " + p, v, a.map(Row::p99Ms).orElse(-1.0),
                b.map(Row::p99Ms).orElse(-1.0), String.format(Locale.ROOT, "≥ %.1f×", goal), known && v >= goal);
    }

    static Optional<Row> find(List<Row> rows, String target, String test, int p) {
        return rows.stream().filter(r -> r.ok() && r.target().equals(target) && r.test().equals(test) && r.pipeline() == p).findFirst();
    }

    private static LatencySummary latency(JsonNode point) {
        if (point == null || !point.path("latency").isObject()) {
            return null;
        }
        JsonNode l = point.path("latency");
        return new LatencySummary(l.path("count").asLong(), l.path("meanMicros").asDouble(), l.path("p50Micros").asDouble(),
                l.path("p99Micros").asDouble(), l.path("p999Micros").asDouble(), l.path("maxMicros").asDouble());
    }

    private static JsonNode first(JsonNode array, java.util.function.Predicate<JsonNode> test) {
        for (JsonNode e : array) {
            if (test.test(e)) {
                return e;
            }
        }
        return null;
    }

    private static JsonNode readJson(Path file) throws IOException {
        return Files.exists(file) ? new ObjectMapper().readTree(file.toFile()) : null;
    }

    static void write(Result r, Path dir) throws IOException {
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("results.json").toFile(), r);
        Files.writeString(dir.resolve("results.md"), RespBenchMarkdown.render(r), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("machine.txt"), machineText(r), StandardCharsets.UTF_8);
        RespBenchChart.write(r, dir.resolve("throughput.png"));
    }

    static String machineText(Result r) {
        Machine m = r.machine();
        return "cores: " + m.cores() + "\n"
                + "cpu model: " + m.cpuModel() + "\n"
                + "memory: " + (m.memoryBytes() >> 20) + " MiB\n"
                + "kernel: " + m.os() + "\n"
                + "disk (temporary directories of the servers): " + m.disk() + "\n"
                + "jdk: " + m.jdk() + "\n"
                + "date (of the report): " + m.date() + "\n"
                + "load average when the report was written: " + m.loadAverageAtEnd() + " (at the start of the run: see the notes in results.md)\n";
    }
}
