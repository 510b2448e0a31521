package io.kvkit.bench.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClusterBenchTest {

    private static ClusterBenchOptions parse(String... args) {
        ClusterBench bench = new ClusterBench();
        new CommandLine(bench).parseArgs(args);
        return bench.options();
    }

    @Test
    void defaultsAreTheIssuesBenchmark() {
        ClusterBenchOptions o = parse();
        assertThat(o.targets()).containsExactly("kvkit", "etcd");
        assertThat(o.nodes()).isEqualTo(3);
        assertThat(o.concurrency()).containsExactly(1, 16, 64, 256);
        assertThat(o.groups()).containsExactly(1, 64);
        assertThat(o.phases()).containsExactly("puts", "reads", "failover");
        assertThat(o.keyBytes()).isEqualTo(16);
        assertThat(o.valueBytes()).isEqualTo(100);
        assertThat(o.failoverTrials()).isEqualTo(10);
        assertThat(o.secondsPerPoint()).isEqualTo(ClusterBenchOptions.DEFAULT_SECONDS_PER_POINT);
        assertThat(o.outDir().getParent().getFileName().toString()).isEqualTo("cluster");
        assertThat(o.outDir().getFileName().toString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\dZ");
    }

    @Test
    void quickShortensEverythingAndMarksTheDirectory() {
        ClusterBenchOptions o = parse("--quick");
        assertThat(o.secondsPerPoint()).isEqualTo(ClusterBenchOptions.QUICK_SECONDS_PER_POINT);
        assertThat(o.warmupSeconds()).isEqualTo(ClusterBenchOptions.QUICK_WARMUP_SECONDS);
        assertThat(o.failoverTrials()).isEqualTo(ClusterBenchOptions.QUICK_FAILOVER_TRIALS);
        assertThat(o.outDir().getFileName().toString()).endsWith("-quick");
        ClusterBenchOptions explicit = parse("--quick", "--seconds", "7", "--failover-trials", "4", "--phases", "failover,puts");
        assertThat(explicit.secondsPerPoint()).isEqualTo(7);
        assertThat(explicit.failoverTrials()).isEqualTo(4);
        assertThat(explicit.phases()).containsExactly("puts", "failover"); // always in run order
    }

    @Test
    void badArgumentsNameTheOptionAndWhatItAccepts() {
        assertThatThrownBy(() -> parse("--targets", "nosuch")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'nosuch'").hasMessageContaining("available: ").hasMessageContaining("etcd");
        assertThatThrownBy(() -> parse("--targets", "etcd,etcd")).hasMessageContaining("--targets names a value twice");
        assertThatThrownBy(() -> parse("--concurrency", "0")).hasMessageContaining("--concurrency must be in 1..");
        assertThatThrownBy(() -> parse("--groups", "1,1")).hasMessageContaining("--groups names a value twice");
        assertThatThrownBy(() -> parse("--phases", "writes")).hasMessageContaining("no phase named 'writes'")
                .hasMessageContaining("puts, reads, failover");
        assertThatThrownBy(() -> parse("--nodes", "1")).hasMessageContaining("failover phase needs --nodes 3");
        assertThatThrownBy(() -> parse("--seconds", "0")).hasMessageContaining("--seconds must be in 0.1..");
        assertThatThrownBy(() -> parse("--value-bytes", "0")).hasMessageContaining("--value-bytes");
    }

    @Test
    void theCommandLineExitsWithTwoOnBadArguments() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ClusterBench.run(new String[]{"--targets", "nosuch"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).isEqualTo(ClusterBench.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no cluster target named 'nosuch'");
    }

    @Test
    void aRunWritesJsonMarkdownPlotsHistogramsLogsAndRatios(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out");
        Path data = tmp.resolve("data");
        ClusterBenchOptions o = new ClusterBenchOptions(List.of("etcd", "kvkit"), 3, List.of(1, 64), List.of(1, 4), ClusterBenchOptions.PHASES,
                0.3, 0.1, 0.1, 2, 16, 100, 1000, 1L, true, out, data, null, 1, List.of("test run"));
        List<SimulatedClusterTarget> made = new ArrayList<>();
        Map<String, ClusterTargets.Factory> factories = new LinkedHashMap<>();
        factories.put("etcd", () -> remember(made, new SimulatedClusterTarget("etcd", Duration.ofMillis(4), Duration.ofMillis(120))));
        factories.put("kvkit", () -> remember(made, new SimulatedClusterTarget("kvkit", Duration.ofMillis(2), Duration.ofMillis(60))));
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        int status = new ClusterRun(o, new ClusterTargets(factories), new PrintStream(stdout, true, StandardCharsets.UTF_8),
                new PrintStream(stderr, true, StandardCharsets.UTF_8)).run();
        assertThat(status).as(stderr.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(made).allMatch(t -> t.closed);

        JsonNode json = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertThat(json.get("schema").asText()).isEqualTo(ClusterRunResult.SCHEMA);
        assertThat(json.at("/machine/loadAverageAtStart").asText()).isNotEmpty();
        JsonNode etcd = json.get("targets").get(0);
        assertThat(etcd.get("target").asText()).isEqualTo("etcd");
        List<String> etcdStatuses = new ArrayList<>();
        etcd.get("points").forEach(p -> etcdStatuses.add(p.get("groups").asInt() + ":" + p.get("status").asText()));
        assertThat(etcdStatuses).containsOnly("1:ok", "64:not run").contains("64:not run");
        JsonNode kvkit = json.get("targets").get(1);
        assertThat(kvkit.get("points")).hasSize(2 * 2 * 2); // put and get x 2 concurrencies x 2 group counts
        kvkit.get("points").forEach(p -> {
            assertThat(p.get("status").asText()).isEqualTo("ok");
            assertThat(p.at("/latency/p50Micros").asDouble()).isGreaterThanOrEqualTo(1900);
            assertThat(p.get("serverCpuNanosPerOp").asDouble()).isEqualTo(SimulatedClusterTarget.CPU_NANOS_PER_OP, org.assertj.core.data.Offset.offset(15_000.0));
            assertThat(p.get("serverCpuNanosPerOpByNode")).hasSize(3);
            assertThat(p.get("serverCpuNanosPerOpByNode").get(1).asDouble()).isZero();
            assertThat(out.resolve(p.get("histogramFile").asText())).isRegularFile();
        });
        assertThat(kvkit.get("idleCpu")).hasSize(2);
        JsonNode storage = kvkit.get("storage").get(0);
        assertThat(storage.get("allocatedBytesPerEntry").asDouble()).isEqualTo(SimulatedClusterTarget.BYTES_PER_ENTRY);
        assertThat(etcd.get("failover")).hasSize(1); // etcd ran only its one group
        assertThat(kvkit.get("failover")).hasSize(2); // one per group count
        assertThat(kvkit.at("/failover/1/groups").asInt()).isEqualTo(64);
        JsonNode failover = etcd.get("failover").get(0);
        assertThat(failover.get("trials")).hasSize(2);
        assertThat(failover.get("failedTrials").asInt()).isZero();
        assertThat(failover.get("medianMillis").asDouble()).isBetween(110.0, 5_000.0);
        List<String> metrics = new ArrayList<>();
        json.get("ratios").forEach(r -> metrics.add(r.get("metric").asText() + "/" + r.get("kvkitGroups").asInt()));
        assertThat(metrics).contains("opsPerSecond/1", "opsPerSecond/64", "p99Micros/64", "failoverMedianMillis/1", "failoverMedianMillis/64",
                "diskBytesPerEntry/64");

        String md = Files.readString(out.resolve("results.md"));
        assertThat(md).contains("## Puts", "## Linearizable reads", "## Failover", "## Disk per entry", "| not run |", "kvkit / etcd",
                "**Load average**", "test run", "Idle servers");
        assertThat(out.resolve("throughput.png")).isNotEmptyFile();
        assertThat(out.resolve("p99-latency.png")).isNotEmptyFile();
        assertThat(out.resolve("logs/kvkit-g64/node0.log")).isRegularFile();
        try (var left = Files.list(data)) {
            assertThat(left.toList()).as("temporary data directories are removed").isEmpty();
        }
    }

    private static SimulatedClusterTarget remember(List<SimulatedClusterTarget> made, SimulatedClusterTarget t) {
        synchronized (made) {
            made.add(t);
        }
        return t;
    }
}
