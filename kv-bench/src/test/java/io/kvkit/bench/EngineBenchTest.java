package io.kvkit.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvkit.bench.report.RunResult;
import io.kvkit.bench.workload.Workload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The runner end to end at a tiny N, with real child JVMs, over the model engine and the ConcurrentHashMap. */
class EngineBenchTest {
    @TempDir
    Path tmp;

    private record Outcome(int exit, String out, String err) {
    }

    private Outcome run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = EngineBench.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void tinyRunOverModelAndChmWritesJsonTableAndPlot() throws Exception {
        Path out = tmp.resolve("run");
        Outcome o = run("--engines", "model,chm", "--n", "2000", "--out", out.toString(), "--data-dir", tmp.resolve("data").toString(),
                "--timeout-seconds", "120", "--max-seconds-per-workload", "0.5", // bounded on a loaded machine
                "--jvm-arg", "-Dkvkit.bench.marker=42");
        assertThat(o.exit()).as(o.err()).isZero();

        JsonNode root = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertThat(root.get("schema").asText()).isEqualTo(RunResult.SCHEMA);
        assertThat(root.get("parameters").get("n").asLong()).isEqualTo(2000);
        assertThat(root.get("machine").get("cores").asInt()).isPositive();
        assertThat(root.get("machine").get("jdk").asText()).contains(String.valueOf(Runtime.version().feature()));
        List<String> stores = new ArrayList<>();
        root.get("stores").forEach(s -> stores.add(s.get("store").asText()));
        assertThat(stores).containsExactly("model", "chm");
        for (JsonNode s : root.get("stores")) {
            assertThat(s.get("status").asText()).isEqualTo("ok");
            assertThat(s.get("jvmArguments").toString()).contains("-Dchronicle.analytics.disable=true").contains("-Dkvkit.bench.marker=42");
            assertThat(s.get("workloads")).hasSize(Workload.values().length);
            for (JsonNode w : s.get("workloads")) {
                String id = w.get("workload").asText();
                boolean hashOnlyGap = s.get("store").asText().equals("chm") && (id.equals("seekrandom") || id.equals("fillsync"));
                assertThat(w.get("status").asText()).as(s.get("store") + " " + id + ": " + w.get("message"))
                        .isEqualTo(hashOnlyGap ? "unsupported" : "ok");
                if (!hashOnlyGap) {
                    assertThat(w.get("opsPerSecond").asDouble()).isPositive();
                    assertThat(w.get("latency").get("count").asLong()).isEqualTo(w.get("operations").asLong());
                    assertThat(w.get("latency").get("p99Micros").asDouble()).isGreaterThanOrEqualTo(w.get("latency").get("p50Micros").asDouble());
                    assertThat(out.resolve(w.get("histogramFile").asText())).exists();
                }
            }
        }
        // the model persists; the map does not
        assertThat(root.get("stores").get(0).get("durable").asBoolean()).isTrue();
        assertThat(root.get("stores").get(1).get("durable").asBoolean()).isFalse();

        String md = Files.readString(out.resolve("results.md"));
        assertThat(md).contains("| workload | store | ops/s | MB/s | p50 µs | p99 µs | p99.9 µs | disk MiB | peak RSS MiB | others' CPU % |");
        assertThat(md).contains("| readrandom | model | ").contains("| readrandom | chm (not durable) | ");
        assertThat(md).contains("| seekrandom | chm (not durable) | unsupported");
        assertThat(o.out()).contains("| fillseq | model | ");
        assertThat(out.resolve("ops-per-second.png")).isNotEmptyFile();
        assertThat(Files.readAllBytes(out.resolve("ops-per-second.png"))).startsWith(0x89, 'P', 'N', 'G');
        // the stores' temporary directories are gone
        try (var left = Files.list(tmp.resolve("data"))) {
            assertThat(left.toList()).isEmpty();
        }
    }

    @Test
    void unknownStoreExitsNonZeroListingTheStoresAvailable() {
        Outcome o = run("--engines", "nosuch", "--out", tmp.resolve("never").toString());
        assertThat(o.exit()).isEqualTo(2);
        assertThat(o.err()).contains("no store named 'nosuch'").contains("available:")
                .contains("rocksdb").contains("lmdb").contains("chronicle").contains("chm").contains("model");
        assertThat(tmp.resolve("never")).doesNotExist();
    }

    @Test
    void unknownWorkloadExitsNonZeroListingTheWorkloads() {
        Outcome o = run("--engines", "chm", "--workloads", "fillseq,readsome", "--out", tmp.resolve("never").toString());
        assertThat(o.exit()).isEqualTo(2);
        assertThat(o.err()).contains("no workload named 'readsome'").contains("readwhilewriting");
    }

    @Test
    void badSizesAreRejectedWithTheAllowedRange() {
        Outcome o = run("--engines", "chm", "--value-bytes", "0", "--out", tmp.resolve("never").toString());
        assertThat(o.exit()).isEqualTo(2);
        assertThat(o.err()).contains("--value-bytes must be in 1..");
        Outcome k = run("--engines", "chm", "--key-bytes", "4", "--out", tmp.resolve("never").toString());
        assertThat(k.exit()).isEqualTo(2);
        assertThat(k.err()).contains("--key-bytes must be in 8..");
    }
}
