package io.kvkit.bench.ycsb;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kvkit.bench.report.Machine;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Writes results.json, results.md and the plots of a YCSB run. */
final class YcsbReport {
    /** The operation each workload is mostly about, for the summary's p99 columns. */
    static final Map<String, String> MAIN_OPERATION = Map.of(
            "workloada", "UPDATE", "workloadb", "READ", "workloadc", "READ", "workloadd", "READ", "workloade", "SCAN",
            "workloadf", "READ-MODIFY-WRITE");

    private YcsbReport() {
    }

    static void write(YcsbResults.Run run, Map<String, Histogram> histograms, Path dir) throws IOException {
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("results.json").toFile(), run);
        List<String> charts = YcsbCharts.write(run, histograms, dir);
        Files.writeString(dir.resolve("results.md"), markdown(run, charts));
    }

    static List<String> runWorkloads(YcsbResults.Run run) {
        Set<String> w = new LinkedHashSet<>();
        run.results().stream().filter(r -> r.phase().equals("run")).forEach(r -> w.add(r.workload()));
        return new ArrayList<>(w);
    }

    static YcsbResults.PhaseResult find(YcsbResults.Run run, String store, String workload, String phase) {
        return run.results().stream().filter(r -> r.store().equals(store) && r.workload().equals(workload) && r.phase().equals(phase))
                .findFirst().orElse(null);
    }

    static String cell(YcsbResults.PhaseResult r) {
        if (r == null) {
            return "—";
        }
        return switch (r.status()) {
            case YcsbResults.OK -> String.format(Locale.ROOT, "%,.0f", r.opsPerSecond());
            case YcsbResults.UNSUPPORTED -> "not supported";
            default -> r.status();
        };
    }

    /** The kvkit engine with the highest OK throughput on {@code workload}, or null. */
    static YcsbResults.PhaseResult bestKvkit(YcsbResults.Run run, String workload) {
        YcsbResults.PhaseResult best = null;
        for (YcsbResults.StoreInfo s : run.stores()) {
            if (!s.family().equals("kvkit")) {
                continue;
            }
            YcsbResults.PhaseResult r = find(run, s.store(), workload, "run");
            if (r != null && r.status().equals(YcsbResults.OK) && (best == null || r.opsPerSecond() > best.opsPerSecond())) {
                best = r;
            }
        }
        return best;
    }

    static String ratio(YcsbResults.PhaseResult a, YcsbResults.PhaseResult b) {
        if (a == null || b == null || !b.status().equals(YcsbResults.OK) || b.opsPerSecond() <= 0) {
            return "—";
        }
        return String.format(Locale.ROOT, "%.2f×", a.opsPerSecond() / b.opsPerSecond());
    }

    static String p99(YcsbResults.PhaseResult r, String op) {
        if (r == null || !r.status().equals(YcsbResults.OK)) {
            return "—";
        }
        YcsbResults.OpLatency l = r.latency(op);
        return l == null ? "—" : String.format(Locale.ROOT, "%,d", l.p99Micros());
    }

    static String markdown(YcsbResults.Run run, List<String> charts) {
        StringBuilder b = new StringBuilder();
        Map<String, Object> p = run.parameters();
        b.append("# YCSB: kvkit engines and peers through one binding\n\n");
        b.append(String.format(Locale.ROOT, "`%s %s`, recordcount %,d, operationcount %,d per workload, %s client thread(s), 10 fields × 100 bytes, "
                        + "HdrHistogram measurement. Started %s, finished %s.%n%n",
                p.get("action"), p.get("workloads"), ((Number) p.get("recordcount")).longValue(), ((Number) p.get("operationcount")).longValue(),
                p.get("threads"), run.startedAt(), run.finishedAt()));
        Machine m = run.machine();
        b.append(String.format(Locale.ROOT, "Machine: %s, %d cores, %.1f GiB, disk %s, %s, %s. Load average %s at start, %s at end.%n%n",
                m.cpuModel(), m.cores(), m.memoryBytes() / (double) (1L << 30), m.disk(), m.jdk(), m.os(), m.loadAverageAtStart(),
                m.loadAverageAtEnd()));
        for (String n : run.notes()) {
            b.append("- ").append(n).append('\n');
        }
        b.append('\n');

        List<String> workloads = runWorkloads(run);
        List<String> stores = run.stores().stream().map(YcsbResults.StoreInfo::store).toList();
        if (!workloads.isEmpty()) {
            b.append("## Throughput (ops/s) and the best kvkit engine against the peers\n\n");
            b.append("| workload |");
            stores.forEach(s -> b.append(' ').append(s).append(" |"));
            b.append(" best kvkit | vs rocksdb | vs lmdb | main op | p99 µs best kvkit | p99 µs rocksdb | p99 µs lmdb |\n|---|");
            stores.forEach(s -> b.append("--:|"));
            b.append("---|--:|--:|---|--:|--:|--:|\n");
            for (String w : workloads) {
                b.append("| ").append(w).append(" |");
                for (String s : stores) {
                    b.append(' ').append(cell(find(run, s, w, "run"))).append(" |");
                }
                YcsbResults.PhaseResult best = bestKvkit(run, w);
                YcsbResults.PhaseResult rocks = find(run, "rocksdb", w, "run");
                YcsbResults.PhaseResult lmdb = find(run, "lmdb", w, "run");
                String op = MAIN_OPERATION.getOrDefault(w, "READ");
                b.append(' ').append(best == null ? "—" : best.store()).append(" | ").append(ratio(best, rocks)).append(" | ")
                        .append(ratio(best, lmdb)).append(" | ").append(op).append(" | ").append(p99(best, op)).append(" | ")
                        .append(p99(rocks, op)).append(" | ").append(p99(lmdb, op)).append(" |\n");
            }
            b.append('\n');
        }

        List<YcsbResults.PhaseResult> loads = run.results().stream().filter(r -> r.phase().equals("load")).toList();
        if (!loads.isEmpty()) {
            b.append("## Load phase (inserts)\n\n");
            phaseTable(b, loads);
        }
        for (String w : workloads) {
            b.append("## ").append(w).append("\n\n");
            phaseTable(b, run.results().stream().filter(r -> r.phase().equals("run") && r.workload().equals(w)).toList());
        }

        b.append("## Stores\n\n| store | YCSB DB class | setup |\n|---|---|---|\n");
        for (YcsbResults.StoreInfo s : run.stores()) {
            b.append("| ").append(s.store()).append(" | `").append(s.dbClass()).append("` | ").append(s.setup()).append(" |\n");
        }
        b.append("\nEvery store runs YCSB's own client (`site.ycsb.Client`) through the same binding code "
                + "(`io.kvkit.ycsb.RecordStoreDB`: one value per record, compact encoding, per-key atomic partial updates); only the "
                + "store class underneath differs. Latencies are YCSB's, per operation, in microseconds; `.hgrm` files in `hgrm/` hold "
                + "the full distributions; each client JVM's output is in `logs/`.\n\n");
        if (!charts.isEmpty()) {
            b.append("## Plots\n\n");
            for (String c : charts) {
                b.append("![").append(c).append("](").append(c).append(")\n\n");
            }
        }
        return b.toString();
    }

    private static void phaseTable(StringBuilder b, List<YcsbResults.PhaseResult> rows) {
        List<String> ops = new ArrayList<>();
        for (YcsbResults.PhaseResult r : rows) {
            for (YcsbResults.OpLatency l : r.latencies()) {
                if (!ops.contains(l.operation())) {
                    ops.add(l.operation());
                }
            }
        }
        b.append("| store | status | ops/s | run time s |");
        for (String op : ops) {
            b.append(' ').append(op).append(" p50 / p95 / p99 / p99.9 µs |");
        }
        b.append("\n|---|---|--:|--:|");
        ops.forEach(o -> b.append("--:|"));
        b.append('\n');
        Map<String, String> messages = new LinkedHashMap<>();
        for (YcsbResults.PhaseResult r : rows) {
            b.append("| ").append(r.store()).append(" | ").append(r.status()).append(" | ").append(cell(r)).append(" | ")
                    .append(String.format(Locale.ROOT, "%.1f", r.runtimeMillis() / 1000.0)).append(" |");
            for (String op : ops) {
                YcsbResults.OpLatency l = r.latency(op);
                b.append(' ').append(l == null ? "—" : String.format(Locale.ROOT, "%,d / %,d / %,d / %,d", l.p50Micros(), l.p95Micros(),
                        l.p99Micros(), l.p999Micros())).append(" |");
            }
            b.append('\n');
            if (r.message() != null) {
                messages.put(r.store(), r.message());
            }
        }
        b.append('\n');
        messages.forEach((s, msg) -> b.append("- ").append(s).append(": ").append(msg).append('\n'));
        if (!messages.isEmpty()) {
            b.append('\n');
        }
    }
}
