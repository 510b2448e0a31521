package io.kvkit.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Renders a {@link RunResult} as markdown: the machine and parameters, one table row per workload
 * and store with ratio columns against the peers, and each store's settings.
 */
public final class MarkdownReport {
    /** The peers every row is compared with, in column order. */
    public static final List<String> RATIO_PEERS = List.of("rocksdb", "lmdb", "chronicle");

    private MarkdownReport() {
    }

    /**
     * This row's throughput over the peer's on the same workload ("2.50x" = 2.5 times the peer's
     * ops/s), or null when either has no successful result for it.
     */
    public static Double ratio(WorkloadResult row, StoreResult peer) {
        if (row == null || !row.ok() || peer == null) {
            return null;
        }
        WorkloadResult p = peer.workload(row.workload());
        if (p == null || !p.ok() || p.opsPerSecond() <= 0) {
            return null;
        }
        return row.opsPerSecond() / p.opsPerSecond();
    }

    public static String render(RunResult run) {
        StringBuilder md = new StringBuilder();
        Machine m = run.machine();
        Parameters p = run.parameters();
        md.append("# kvkit engine benchmark, ").append(run.startedAt()).append("\n\n");
        md.append("**Machine:** ").append(m.cpuModel()).append(", ").append(m.cores()).append(" cores, ")
                .append(mib(m.memoryBytes()) / 1024).append(" GiB memory; disk ").append(m.disk()).append("; ").append(m.jdk())
                .append("; ").append(m.os()).append(". Load average at start ").append(m.loadAverageAtStart()).append(", at end ")
                .append(m.loadAverageAtEnd()).append(".\n\n");
        md.append("**Parameters:** N = ").append(String.format(Locale.ROOT, "%,d", p.n())).append(", keys ").append(p.keyBytes())
                .append(" bytes (").append(p.keyFormat()).append("), values ").append(p.valueBytes()).append(" bytes (")
                .append(p.valueFormat()).append("), seed ").append(p.seed()).append(p.quick() ? ", quick run" : "")
                .append("; one JVM per store (-Xmx").append(p.childJvmHeap()).append("); latency: ").append(p.latencyMethod())
                .append(p.maxSecondsPerWorkload() > 0 ? String.format(Locale.ROOT, "; each workload stopped after %.1f s at most (†)",
                        p.maxSecondsPerWorkload()) : "")
                .append(".\n\n");
        for (String note : run.notes()) {
            md.append("> ").append(note).append("\n");
        }
        if (!run.notes().isEmpty()) {
            md.append("\n");
        }

        List<String> peersPresent = new ArrayList<>();
        for (String peer : RATIO_PEERS) {
            if (run.store(peer) != null) {
                peersPresent.add(peer);
            }
        }
        md.append("| workload | store | ops/s | MB/s | p50 µs | p99 µs | p99.9 µs | disk MiB | peak RSS MiB | others' CPU % |");
        peersPresent.forEach(peer -> md.append(" vs ").append(peer).append(" |"));
        md.append("\n|---|---|--:|--:|--:|--:|--:|--:|--:|--:|");
        peersPresent.forEach(peer -> md.append("--:|"));
        md.append("\n");
        List<String> footnotes = new ArrayList<>();
        for (String workload : workloadsInOrder(run)) {
            for (StoreResult s : run.stores()) {
                WorkloadResult w = s.workload(workload);
                String storeCell = s.store() + (s.durable() ? "" : " (not durable)");
                if (w == null) {
                    if (!StoreResult.OK.equals(s.status())) {
                        md.append("| ").append(workload).append(" | ").append(storeCell).append(" | ").append(s.status())
                                .append(" |  |  |  |  |  |  |  |");
                        peersPresent.forEach(peer -> md.append("  |"));
                        md.append("\n");
                    }
                    continue;
                }
                md.append("| ").append(workload).append(" | ").append(storeCell).append(" | ");
                if (!w.ok()) {
                    footnotes.add(s.store() + " / " + workload + ": " + w.status() + ": " + w.message());
                    md.append(w.status()).append(" [").append(footnotes.size()).append("] |  |  |  |  |  |  |  |");
                    peersPresent.forEach(peer -> md.append("  |"));
                    md.append("\n");
                    continue;
                }
                LatencySummary l = w.latency();
                md.append(String.format(Locale.ROOT, "%,.0f%s | %.1f | %s | %s | %s | %s | %,d | %s |", w.opsPerSecond(),
                        w.timeCapped() ? " †" : "", w.mbPerSecond(),
                        micros(l.p50Micros()), micros(l.p99Micros()), micros(l.p999Micros()),
                        s.durable() ? String.format(Locale.ROOT, "%.1f", w.diskBytes() / 1048576.0) : "—", mib(w.peakRssBytes()),
                        w.otherCpuShare() < 0 ? "?" : String.valueOf(Math.round(w.otherCpuShare() * 100))));
                for (String peer : peersPresent) {
                    Double r = ratio(w, run.store(peer));
                    md.append(" ").append(r == null ? "—" : String.format(Locale.ROOT, "%.2f×", r)).append(" |");
                }
                md.append("\n");
            }
        }
        boolean anyCapped = run.stores().stream().flatMap(st -> st.workloads().stream()).anyMatch(WorkloadResult::timeCapped);
        if (anyCapped) {
            md.append("\n† stopped by the time cap before its full operation count: fewer operations (see results.json), and the "
                    + "workloads after it used the keys actually written.\n");
        }
        md.append("\nops/s counts the reader threads in readrandom2 and readwhilewriting; \"vs X\" is this row's ops/s over X's "
                + "on the same workload (above 1: faster than X); disk is what the store's directory holds right after the workload "
                + "(store open), as blocks allocated (du): RocksDB's preallocated WAL (about 1.1 x write_buffer_size) counts, and the "
                + "sparse files of LMDB and Chronicle Map count only what is written (results.json also has the apparent size); "
                + "peak RSS is the child JVM's VmHWM so far (heap included); others' CPU is the share of all cores' time that other "
                + "processes used during the workload (from /proc/stat): where it is high, the figure was disturbed.\n");
        if (!footnotes.isEmpty()) {
            md.append("\n");
            for (int i = 0; i < footnotes.size(); i++) {
                md.append("[").append(i + 1).append("] ").append(footnotes.get(i)).append("  \n");
            }
        }
        extraFigures(run, md);
        md.append("\n## Stores\n\n");
        for (StoreResult s : run.stores()) {
            md.append("- **").append(s.store()).append("** (").append(s.family()).append(", ").append(s.version()).append(")")
                    .append(s.durable() ? "" : " **not durable**").append(": ").append(s.durability()).append(". ");
            List<String> kv = new ArrayList<>();
            for (Map.Entry<String, String> e : s.settings().entrySet()) {
                kv.add(e.getKey() + " = " + e.getValue());
            }
            md.append(String.join("; ", kv)).append(".");
            if (s.diskBytesAfterClose() != null && s.durable()) {
                md.append(String.format(Locale.ROOT, " On disk after the last workload and close: %.1f MiB.", s.diskBytesAfterClose() / 1048576.0));
            }
            if (!StoreResult.OK.equals(s.status())) {
                md.append(" **").append(s.status()).append(":** ").append(s.message());
            }
            md.append("\n");
        }
        md.append("\n## Workloads\n\n");
        for (Map.Entry<String, Long> e : p.operations().entrySet()) {
            md.append("- ").append(e.getKey()).append(String.format(Locale.ROOT, " (%,d ops)", e.getValue())).append("\n");
        }
        return md.toString();
    }

    private static void extraFigures(RunResult run, StringBuilder md) {
        List<String> lines = new ArrayList<>();
        for (StoreResult s : run.stores()) {
            WorkloadResult w = s.workload("readwhilewriting");
            if (w != null && w.ok() && w.extra().get("writerOpsPerSecond") instanceof Number writer) {
                lines.add(String.format(Locale.ROOT, "%s %,.0f", s.store(), writer.doubleValue()));
            }
        }
        if (!lines.isEmpty()) {
            md.append("\nreadwhilewriting, the writer's ops/s alongside the reader: ").append(String.join(", ", lines)).append(".\n");
        }
    }

    /** Workloads in the order first seen, across all stores. */
    static List<String> workloadsInOrder(RunResult run) {
        Set<String> order = new LinkedHashSet<>(run.parameters().workloads());
        for (StoreResult s : run.stores()) {
            s.workloads().forEach(w -> order.add(w.workload()));
        }
        return List.copyOf(order);
    }

    private static String micros(double us) {
        return us < 10 ? String.format(Locale.ROOT, "%.2f", us) : us < 100 ? String.format(Locale.ROOT, "%.1f", us)
                : String.format(Locale.ROOT, "%,.0f", us);
    }

    private static long mib(long bytes) {
        return bytes < 0 ? -1 : bytes >> 20;
    }
}
