package io.kvkit.bench.resp;

import io.kvkit.bench.report.LatencySummary;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** results.md of a RESP benchmark run: the ratios first, then every figure. */
final class RespBenchMarkdown {
    private RespBenchMarkdown() {
    }

    static String render(RespBenchReport.Result r) {
        StringBuilder md = new StringBuilder();
        md.append("# RESP benchmark: kvkit next to redis-server, and kvkit next to etcd\n\n");
        md.append("Generated ").append(r.generatedAt()).append(" (schema `").append(r.schema()).append("`). ")
                .append("`").append(r.parameters().get("redisBenchmark")).append("`")
                .append(Boolean.TRUE.equals(r.parameters().get("quick")) ? " (**--quick**: a smoke run, not figures to quote)" : "")
                .append(". Machine: ").append(r.machine().cores()).append(" cores, ").append(r.machine().cpuModel()).append(", load average ")
                .append(r.machine().loadAverageAtEnd()).append(" at the report (see machine.txt).\n\n");

        md.append("## The issue's targets\n\n");
        md.append("| ratio | value | goal | met | p99 numerator | p99 denominator |\n|---|--:|---|---|--:|--:|\n");
        for (RespBenchReport.Ratio q : r.ratios()) {
            md.append("| ").append(q.name()).append(" | ").append(times(q.value())).append(" | ").append(q.goal()).append(" | ")
                    .append(q.value() < 0 ? "unknown" : q.met() ? "yes" : "**no**").append(" | ").append(ms(q.numeratorP99Ms()))
                    .append(" | ").append(ms(q.denominatorP99Ms())).append(" |\n");
        }
        for (RespBenchReport.ClientComparison c : r.clientComparison()) {
            md.append("| 3-node kvkit (kv-client) / etcd, ").append(c.operation().equals("put") ? "puts" : "linearizable gets").append(", ")
                    .append(c.clients()).append(" clients | ").append(times(c.throughputRatio())).append(" | ≥ 2.0× and p99 ≤ etcd's | ")
                    .append(c.throughputRatio() < 0 ? "unknown" : c.met() ? "yes" : "**no**").append(" | ")
                    .append(c.kvkit() == null ? "n/a" : ms(c.kvkit().p99Micros() / 1000)).append(" | ")
                    .append(c.etcd() == null ? "n/a" : ms(c.etcd().p99Micros() / 1000)).append(" |\n");
        }
        md.append('\n');

        md.append("## redis-benchmark, every target\n\n");
        md.append("Requests per second and latency as redis-benchmark reports them (").append(RespBenchReport.CLIENTS)
                .append(" connections; MSET sets 10 keys per request). The ratio columns divide a row's rps by the same test and depth on "
                        + "each redis-server.\n\n");
        md.append("| target | test | -P | rps | p50 ms | p99 ms | × redis-always | × redis-nopersist | status |\n"
                + "|---|---|--:|--:|--:|--:|--:|--:|---|\n");
        for (RespBenchReport.Row row : r.rows()) {
            Optional<RespBenchReport.Row> always = RespBenchReport.find(r.rows(), "redis-always", row.test(), row.pipeline());
            Optional<RespBenchReport.Row> none = RespBenchReport.find(r.rows(), "redis-nopersist", row.test(), row.pipeline());
            md.append("| ").append(row.target()).append(" | ").append(row.test()).append(" | ").append(row.pipeline()).append(" | ")
                    .append(row.ok() ? String.format(Locale.ROOT, "%,.0f", row.rps()) : "–").append(" | ")
                    .append(row.ok() ? ms(row.p50Ms()) : "–").append(" | ").append(row.ok() ? ms(row.p99Ms()) : "–").append(" | ")
                    .append(row.ok() && always.isPresent() ? times(row.rps() / always.get().rps()) : "–").append(" | ")
                    .append(row.ok() && none.isPresent() ? times(row.rps() / none.get().rps()) : "–").append(" | ")
                    .append(row.ok() ? "ok" : row.status() + ": " + row.message()).append(" |\n");
        }
        md.append("\nAverage, minimum, p95 and maximum latencies are in results.json; redis-benchmark's own CSV output in raw/.\n\n");

        if (!r.clientComparison().isEmpty()) {
            md.append("## etcd and kvkit at the same concurrency\n\n");
            md.append("Closed loop (each client one request outstanding), 16-byte keys, 100-byte values; kvkit: the 3-node cluster above "
                    + "through kv-client (`KvClientLoad`), etcd: 3 members (")
                    .append(r.etcdVersion() == null ? "not run" : r.etcdVersion())
                    .append(") through gRPC (kv-bench's cluster benchmark, in etcd/). Latencies from HdrHistogram, in ms.\n\n");
            md.append("| operation | clients | kvkit ops/s | p50 | p99 | p99.9 | etcd ops/s | p50 | p99 | p99.9 | kvkit/etcd ops | kvkit/etcd p99 |\n"
                    + "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
            for (RespBenchReport.ClientComparison c : r.clientComparison()) {
                md.append("| ").append(c.operation().equals("put") ? "put" : "linearizable get").append(" | ").append(c.clients()).append(" | ")
                        .append(side(c.kvkitStatus(), c.kvkitOpsPerSecond(), c.kvkit())).append(" | ")
                        .append(side(c.etcdStatus(), c.etcdOpsPerSecond(), c.etcd())).append(" | ")
                        .append(times(c.throughputRatio())).append(" | ").append(times(c.p99Ratio())).append(" |\n");
            }
            md.append('\n');
        }

        md.append("## Targets as run\n\n| target | what |\n|---|---|\n");
        for (Map.Entry<String, String> t : r.targets().entrySet()) {
            md.append("| ").append(t.getKey()).append(" | ").append(t.getValue()).append(" |\n");
        }
        if (!r.notes().isEmpty()) {
            md.append("\n## Notes\n\n");
            for (String n : r.notes()) {
                md.append("- ").append(n).append('\n');
            }
        }
        return md.toString();
    }

    private static String side(String status, double ops, LatencySummary l) {
        if (!"ok".equals(status) || l == null) {
            return status + " | – | – | –";
        }
        return String.format(Locale.ROOT, "%,.0f | %s | %s | %s", ops, ms(l.p50Micros() / 1000), ms(l.p99Micros() / 1000),
                ms(l.p999Micros() / 1000));
    }

    static String times(double v) {
        return v < 0 ? "–" : String.format(Locale.ROOT, "%.2f×", v);
    }

    static String ms(double v) {
        return v < 0 ? "–" : String.format(Locale.ROOT, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
    }
}
