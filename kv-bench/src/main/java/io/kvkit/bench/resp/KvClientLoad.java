package io.kvkit.bench.resp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kvkit.bench.cluster.ClosedLoopLoad;
import io.kvkit.bench.report.LatencySummary;
import io.kvkit.bench.workload.KeyFormat;
import io.kvkit.bench.workload.ValueSource;
import io.kvkit.client.KvClient;
import io.kvkit.client.KvTable;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A kvkit cluster (kv-server nodes) measured through {@code kv-client} exactly as the cluster
 * benchmark measures etcd ({@code io.kvkit.bench.cluster.ClusterRun}): unmeasured puts first
 * (client JIT warm-up), then closed-loop puts at {@code clients} concurrent proposers (each with one
 * request outstanding), then linearizable gets of keys written, same key and value format, same
 * warm-up and window lengths. Writes one JSON file and one {@code .hgrm} per operation.
 *
 * <pre>
 * java -cp &lt;kv-bench class path&gt; io.kvkit.bench.resp.KvClientLoad --endpoints 127.0.0.1:7001,... --clients 64 \
 *     --seconds 10 --warmup 3 --client-warmup 5 --out DIR
 * </pre>
 *
 * Exit status: 0 every request succeeded; 1 a point had errors or failed (the JSON says which);
 * 2 bad arguments.
 */
public final class KvClientLoad {
    static final String SCHEMA = "kvkit-bench-kvclient-load/1";

    /** One operation's measured window. */
    public record Point(String operation, int concurrency, String status, String firstError, long operations, long errors, double seconds,
                        double opsPerSecond, LatencySummary latency, String histogramFile) {
    }

    /** Everything one run measured. */
    public record Result(String schema, String endpoints, int clients, int keyBytes, int valueBytes, long keySpace, double secondsPerPoint,
                         double warmupSeconds, double clientWarmupSeconds, String consistency, Map<String, String> clientSettings,
                         List<Point> points) {
    }

    private KvClientLoad() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.err));
    }

    static int run(String[] args, PrintStream log) {
        Map<String, String> a;
        try {
            a = parse(args);
        } catch (IllegalArgumentException e) {
            log.println("kv-client load: " + e.getMessage());
            return 2;
        }
        try {
            Result r = measure(a.get("--endpoints"), intArg(a, "--clients", 64, 1, 4096), doubleArg(a, "--seconds", 10),
                    doubleArg(a, "--warmup", 3), doubleArg(a, "--client-warmup", 5), Path.of(a.get("--out")), log);
            return r.points().stream().allMatch(p -> p.status().equals("ok")) ? 0 : 1;
        } catch (IllegalArgumentException e) {
            log.println("kv-client load: " + e.getMessage());
            return 2;
        } catch (IOException | RuntimeException e) {
            log.println("kv-client load: FAILED: " + e);
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    /** Measures puts then linearizable gets; writes {@code out/kvclient-load.json} and {@code out/hgrm/*.hgrm}. */
    public static Result measure(String endpoints, int clients, double seconds, double warmup, double clientWarmup, Path out, PrintStream log)
            throws IOException, InterruptedException {
        // the cluster benchmark's formats: 16-byte keys, 100-byte values, puts cycling over 1,000,000 keys
        KeyFormat keys = new KeyFormat(16);
        ValueSource values = new ValueSource(100, 20261125L);
        long keySpace = 1_000_000;
        Files.createDirectories(out.resolve("hgrm"));
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("poolSizePerNode", "1");
        settings.put("ioThreads", "2");
        settings.put("defaultDeadline", "10s");
        settings.put("consistency of gets", "LINEARIZABLE (ReadIndex on the leader)");
        settings.put("routing", "each request to its partition's leader (client routing cache)");
        List<Point> points = new ArrayList<>();
        try (KvClient client = KvClient.builder().seeds(endpoints.split(",")).ioThreads(2).defaultDeadline(Duration.ofSeconds(10))
                .clientName("kv-bench-kvclient-load").build()) {
            KvTable table = client.defaultTable();
            long[] next = {0};
            ClosedLoopLoad.Operation put = seq -> {
                long n = next[0] + seq;
                byte[] value = new byte[values.valueBytes()];
                values.fill(n, value);
                return table.putAsync(keys.key(Math.floorMod(n, keySpace)), value);
            };
            if (clientWarmup > 0) {
                log.printf("[kvkit kv-client] %.0f s of unmeasured puts (client and server warm-up)%n", clientWarmup);
                ClosedLoopLoad.Result w = ClosedLoopLoad.run(16, Duration.ZERO, seconds(clientWarmup), put, null);
                next[0] += w.issued();
            }
            long base = next[0];
            ClosedLoopLoad.Result puts = ClosedLoopLoad.run(clients, seconds(warmup), seconds(seconds),
                    seq -> put.issue(seq), null);
            points.add(point("put", clients, puts, out, log));
            next[0] = base + puts.issued();
            long present = Math.min(next[0], keySpace);
            if (present == 0) {
                throw new IllegalStateException("no put succeeded, so there is nothing to read (first error: " + puts.firstError() + ")");
            }
            int valueBytes = values.valueBytes();
            ClosedLoopLoad.Result gets = ClosedLoopLoad.run(clients, seconds(warmup), seconds(seconds), seq -> {
                long n = ThreadLocalRandom.current().nextLong(present);
                CompletableFuture<byte[]> f = table.getAsync(keys.key(n));
                return f.thenApply(v -> {
                    if (v == null || v.length != valueBytes) {
                        throw new IllegalStateException("read of key " + n + " found " + (v == null ? "nothing" : v.length + " bytes")
                                + "; it was written with " + valueBytes);
                    }
                    return v;
                });
            }, null);
            points.add(point("get", clients, gets, out, log));
        }
        Result r = new Result(SCHEMA, endpoints, clients, keys.keyBytes(), values.valueBytes(), keySpace, seconds, warmup, clientWarmup,
                "LINEARIZABLE", settings, points);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("kvclient-load.json").toFile(), r);
        return r;
    }

    private static Point point(String op, int clients, ClosedLoopLoad.Result r, Path out, PrintStream log) throws IOException {
        String file = "hgrm/kvkit-3node-kvclient-" + op + "-c" + clients + ".hgrm";
        writeHistogram(r.latencyNanos(), out.resolve(file));
        String status = r.errors() == 0 && r.operations() > 0 ? "ok" : "error";
        LatencySummary l = LatencySummary.of(r.latencyNanos());
        log.printf("[kvkit kv-client] %s c=%d: %,.0f ops/s, p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, %d errors%s%n", op, clients,
                r.opsPerSecond(), l.p50Micros() / 1000, l.p99Micros() / 1000, l.p999Micros() / 1000, r.errors(),
                r.firstError() == null ? "" : " (first: " + r.firstError() + ")");
        return new Point(op, clients, status, r.firstError(), r.operations(), r.errors(), r.seconds(), r.opsPerSecond(), l, file);
    }

    private static void writeHistogram(Histogram h, Path file) throws IOException {
        try (PrintStream ps = new PrintStream(Files.newOutputStream(file), true, StandardCharsets.UTF_8)) {
            h.outputPercentileDistribution(ps, 1000.0); // nanoseconds recorded, microseconds written
        }
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos((long) (s * 1e9));
    }

    static Map<String, String> parse(String[] args) {
        List<String> known = List.of("--endpoints", "--clients", "--seconds", "--warmup", "--client-warmup", "--out");
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!known.contains(args[i])) {
                throw new IllegalArgumentException("unknown argument '" + args[i] + "'; allowed: " + String.join(", ", known) + " (each with a value)");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            m.put(args[i], args[++i]);
        }
        for (String required : List.of("--endpoints", "--out")) {
            if (!m.containsKey(required)) {
                throw new IllegalArgumentException(required + " is required");
            }
        }
        return m;
    }

    private static int intArg(Map<String, String> a, String name, int dflt, int min, int max) {
        String v = a.get(name);
        int n;
        try {
            n = v == null ? dflt : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number in " + min + ".." + max + ", got '" + v + "'");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(name + " must be in " + min + ".." + max + ", got " + n);
        }
        return n;
    }

    private static double doubleArg(Map<String, String> a, String name, double dflt) {
        String v = a.get(name);
        double d;
        try {
            d = v == null ? dflt : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number of seconds in 0..3600, got '" + v + "'");
        }
        if (!(d >= 0 && d <= 3600)) {
            throw new IllegalArgumentException(name + " must be a number of seconds in 0..3600, got " + v);
        }
        return d;
    }
}
