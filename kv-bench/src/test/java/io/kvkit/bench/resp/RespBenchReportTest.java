package io.kvkit.bench.resp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvkit.bench.report.Machine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The report over a run directory laid out as resp-bench.sh leaves it, with made-up figures. */
class RespBenchReportTest {
    @TempDir
    Path dir;

    private static String csv(double set, double get, double setP99) {
        return "\"test\",\"rps\",\"avg_latency_ms\",\"min_latency_ms\",\"p50_latency_ms\",\"p95_latency_ms\",\"p99_latency_ms\",\"max_latency_ms\"\n"
                + "\"SET\",\"" + set + "\",\"1\",\"0.5\",\"1\",\"2\",\"" + setP99 + "\",\"9\"\n"
                + "\"GET\",\"" + get + "\",\"1\",\"0.5\",\"1\",\"2\",\"3\",\"9\"\n"
                + "\"INCR\",\"100\",\"1\",\"0.5\",\"1\",\"2\",\"3\",\"9\"\n"
                + "\"MSET (10 keys)\",\"50\",\"1\",\"0.5\",\"1\",\"2\",\"3\",\"9\"\n";
    }

    private void target(String name, int p, String csv) throws IOException {
        Files.writeString(dir.resolve("raw").resolve(name + "-P" + p + ".csv"), csv);
        Files.writeString(dir.resolve("raw").resolve(name + "-P" + p + ".status"), "ok\n");
    }

    private void layout() throws IOException {
        Files.createDirectories(dir.resolve("raw"));
        Files.writeString(dir.resolve("raw/targets.tsv"), "kvkit-3node\tkvkit, 3 nodes\nredis-always\tRedis 7, AOF always\n");
        target("kvkit-3node", 1, csv(1200, 4000, 30));
        target("kvkit-3node", 16, csv(6000, 20000, 50));
        target("kvkit-1node", 1, csv(2000, 30000, 20));
        target("kvkit-1node", 16, csv(9000, 90000, 20));
        target("redis-always", 1, csv(1000, 50000, 10));
        target("redis-always", 16, csv(12000, 400000, 10));
        target("redis-nopersist", 1, csv(50000, 50000, 2));
        // -P 16 of redis-nopersist failed: a status line, no CSV
        Files.writeString(dir.resolve("raw/redis-nopersist-P16.status"), "failed: redis-benchmark exit 1: Connection refused\n");
        Files.createDirectories(dir.resolve("kvclient"));
        Files.writeString(dir.resolve("kvclient/kvclient-load.json"), """
                {"clients": 64, "secondsPerPoint": 3.0, "warmupSeconds": 1.0, "clientWarmupSeconds": 3.0, "points": [
                  {"operation": "put", "concurrency": 64, "status": "ok", "opsPerSecond": 12000.0,
                   "latency": {"count": 36000, "meanMicros": 5000, "p50Micros": 4000, "p99Micros": 20000, "p999Micros": 30000, "maxMicros": 40000}},
                  {"operation": "get", "concurrency": 64, "status": "ok", "opsPerSecond": 20000.0,
                   "latency": {"count": 60000, "meanMicros": 3000, "p50Micros": 2000, "p99Micros": 40000, "p999Micros": 50000, "maxMicros": 60000}}]}
                """);
        Files.createDirectories(dir.resolve("etcd"));
        Files.writeString(dir.resolve("etcd/results.json"), """
                {"targets": [{"target": "etcd", "version": "etcd 3.4.23", "points": [
                  {"operation": "put", "concurrency": 64, "status": "ok", "opsPerSecond": 5000.0,
                   "latency": {"count": 15000, "meanMicros": 11000, "p50Micros": 10000, "p99Micros": 28000, "p999Micros": 50000, "maxMicros": 60000}},
                  {"operation": "get", "concurrency": 64, "status": "ok", "opsPerSecond": 5000.0,
                   "latency": {"count": 15000, "meanMicros": 11000, "p50Micros": 10000, "p99Micros": 35000, "p999Micros": 50000, "maxMicros": 60000}}]}]}
                """);
    }

    @Test
    void computesTheIssuesRatiosAndMarksWhatWasNotMet() throws IOException {
        layout();
        RespBenchReport.Result r = RespBenchReport.build(dir, 20_000, true, java.util.List.of("a note"), Machine.probe(dir));
        assertThat(r.rows()).hasSize(4 * 2 * 4);
        // 3-node SET / redis-always SET: 1200/1000 at -P 1 (met), 6000/12000 at -P 16 (not met)
        assertThat(r.ratios().get(0).value()).isEqualTo(1.2);
        assertThat(r.ratios().get(0).met()).isTrue();
        assertThat(r.ratios().get(0).numeratorP99Ms()).isEqualTo(30);
        assertThat(r.ratios().get(0).denominatorP99Ms()).isEqualTo(10);
        assertThat(r.ratios().get(1).value()).isEqualTo(0.5);
        assertThat(r.ratios().get(1).met()).isFalse();
        // 1-node GET / redis-nopersist GET: 30000/50000 = 0.6 (goal 0.5, met); -P 16 unknown (the peer failed)
        assertThat(r.ratios().get(2).value()).isEqualTo(0.6);
        assertThat(r.ratios().get(2).met()).isTrue();
        assertThat(r.ratios().get(3).value()).isEqualTo(-1);
        assertThat(r.ratios().get(3).met()).isFalse();
        assertThat(r.rows()).filteredOn(row -> row.target().equals("redis-nopersist") && row.pipeline() == 16)
                .allSatisfy(row -> {
                    assertThat(row.status()).isEqualTo("failed");
                    assertThat(row.message()).contains("Connection refused");
                });
        // kvkit/etcd: puts 12000/5000 = 2.4x with p99 20 < 28 ms (met); gets 4x but p99 40 > 35 ms (not met)
        assertThat(r.clientComparison()).hasSize(2);
        assertThat(r.clientComparison().get(0).throughputRatio()).isEqualTo(2.4);
        assertThat(r.clientComparison().get(0).met()).isTrue();
        assertThat(r.clientComparison().get(1).throughputRatio()).isEqualTo(4.0);
        assertThat(r.clientComparison().get(1).met()).isFalse();
        assertThat(r.etcdVersion()).isEqualTo("etcd 3.4.23");
    }

    @Test
    void writesJsonMarkdownPlotAndMachineAndExitsOneWhenAMeasurementFailed() throws IOException {
        layout();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = RespBenchReport.run(new String[] {"--out", dir.toString(), "--n", "20000", "--quick", "--note", "made up"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(rc).as(err.toString(StandardCharsets.UTF_8)).isEqualTo(1); // redis-nopersist -P 16 failed
        JsonNode json = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        assertThat(json.path("schema").asText()).isEqualTo(RespBenchReport.SCHEMA);
        assertThat(json.path("rows")).hasSize(32);
        assertThat(json.path("rows").get(0).path("p95Ms").asDouble()).isEqualTo(2);
        String md = Files.readString(dir.resolve("results.md"));
        assertThat(md).contains("| kvkit-3node | SET | 1 | 1,200 | 1.00 | 30.0 | 1.20× | 0.02× | ok |");
        assertThat(md).contains("| 3-node kvkit SET / redis-server appendfsync always SET, -P 1 | 1.20× | ≥ 1.0× | yes |");
        assertThat(md).contains("| put | 64 | 12,000 | 4.00 | 20.0 | 30.0 | 5,000 | 10.0 | 28.0 | 50.0 | 2.40× | 0.71× |");
        assertThat(md).contains("failed: redis-benchmark exit 1: Connection refused");
        assertThat(md).contains("- made up");
        assertThat(Files.readString(dir.resolve("machine.txt"))).contains("cores: ").contains("kernel: ").contains("disk").contains("date (of the report): ");
        byte[] png = Files.readAllBytes(dir.resolve("throughput.png"));
        assertThat(png).hasSizeGreaterThan(1000);
        assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
    }

    @Test
    void refusesBadArgumentsAndAMissingRunDirectory() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertThat(RespBenchReport.run(new String[] {"--out", dir.toString(), "--n", "0"}, System.out, e)).isEqualTo(2);
        assertThat(RespBenchReport.run(new String[] {"--bogus"}, System.out, e)).isEqualTo(2);
        assertThat(RespBenchReport.run(new String[] {"--out", dir.resolve("nothing").toString(), "--n", "10"}, System.out, e)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--n must be a positive whole number, got '0'")
                .contains("unknown argument '--bogus'").contains("resp-bench.sh");
    }

    @Test
    void kvClientLoadRefusesUnknownAndMissingArguments() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertThat(KvClientLoad.run(new String[] {"--endpoints", "127.0.0.1:1"}, e)).isEqualTo(2);
        assertThat(KvClientLoad.run(new String[] {"--endpoints", "127.0.0.1:1", "--out", dir.toString(), "--clients", "0"}, e)).isEqualTo(2);
        assertThat(KvClientLoad.run(new String[] {"--nope", "1"}, e)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--out is required").contains("--clients must be in 1..4096, got 0")
                .contains("unknown argument '--nope'");
    }
}
