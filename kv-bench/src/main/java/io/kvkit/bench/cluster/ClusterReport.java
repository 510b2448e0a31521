package io.kvkit.bench.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** results.md of a cluster run, and the kvkit/etcd ratios that go into results.json. */
public final class ClusterReport {
    static final String KVKIT = "kvkit";
    static final String ETCD = "etcd";

    private ClusterReport() {
    }

    /**
     * kvkit / etcd for every figure both measured in this run: throughput, p99 and server CPU per
     * operation at each (operation, concurrency), kvkit at each group count against etcd at its
     * one group; failover median; disk bytes per entry. Empty unless both targets ran.
     */
    static List<Ratio> ratios(List<TargetResult> targets) {
        TargetResult kvkit = find(targets, KVKIT);
        TargetResult etcd = find(targets, ETCD);
        List<Ratio> out = new ArrayList<>();
        if (kvkit == null || etcd == null) {
            return out;
        }
        for (PointResult k : kvkit.points()) {
            if (!k.ok()) {
                continue;
            }
            PointResult e = etcd.points().stream()
                    .filter(p -> p.ok() && p.operation().equals(k.operation()) && p.concurrency() == k.concurrency() && p.groups() == 1)
                    .findFirst().orElse(null);
            if (e == null) {
                continue;
            }
            out.add(ratio("opsPerSecond", k, e, k.opsPerSecond(), e.opsPerSecond()));
            out.add(ratio("p99Micros", k, e, k.latency().p99Micros(), e.latency().p99Micros()));
            if (k.serverCpuNanosPerOp() > 0 && e.serverCpuNanosPerOp() > 0) {
                out.add(ratio("serverCpuNanosPerOp", k, e, k.serverCpuNanosPerOp(), e.serverCpuNanosPerOp()));
            }
        }
        FailoverResult etcdFailover = etcd.failover().stream().filter(f -> f.groups() == 1 && f.medianMillis() > 0).findFirst().orElse(null);
        for (FailoverResult k : kvkit.failover()) {
            if (etcdFailover != null && k.medianMillis() > 0) {
                out.add(new Ratio("failoverMedianMillis", "failover", 0, k.groups(), 1, k.medianMillis(), etcdFailover.medianMillis(),
                        k.medianMillis() / etcdFailover.medianMillis()));
            }
        }
        StorageResult etcdDisk = etcd.storage().stream().filter(s -> s.groups() == 1 && s.allocatedBytesPerEntry() > 0).findFirst().orElse(null);
        for (StorageResult s : kvkit.storage()) {
            if (etcdDisk != null && s.allocatedBytesPerEntry() > 0) {
                out.add(new Ratio("diskBytesPerEntry", "put", 0, s.groups(), 1, s.allocatedBytesPerEntry(), etcdDisk.allocatedBytesPerEntry(),
                        s.allocatedBytesPerEntry() / etcdDisk.allocatedBytesPerEntry()));
            }
        }
        return out;
    }

    private static Ratio ratio(String metric, PointResult k, PointResult e, double kv, double et) {
        return new Ratio(metric, k.operation(), k.concurrency(), k.groups(), e.groups(), kv, et, et == 0 ? -1 : kv / et);
    }

    private static TargetResult find(List<TargetResult> targets, String name) {
        return targets.stream().filter(t -> t.target().equals(name) && TargetResult.OK.equals(t.status())).findFirst()
                .or(() -> targets.stream().filter(t -> t.target().equals(name)).findFirst()).orElse(null);
    }

    /** The markdown report. */
    public static String render(ClusterRunResult run) {
        StringBuilder md = new StringBuilder();
        var m = run.machine();
        var p = run.parameters();
        md.append("# Cluster benchmark, ").append(run.startedAt()).append(p.quick() ? " (quick)" : "").append("\n\n");
        md.append(String.format(Locale.ROOT, "%d server processes per cluster on 127.0.0.1, fsync on (each system's default), %d-byte keys, "
                        + "%d-byte values; closed loop (each proposer one request outstanding), %.1f s measured per point after %.1f s "
                        + "of warm-up (and %.0f s of unmeasured puts after each cluster start, so the client's JIT compilation is over).%n%n",
                p.nodes(), p.keyBytes(), p.valueBytes(), p.secondsPerPoint(), p.warmupSeconds(), p.clientWarmupSeconds()));
        md.append("Machine: ").append(m.cpuModel()).append(", ").append(m.cores()).append(" cores, ")
                .append(m.memoryBytes() >> 30).append(" GiB, disk ").append(m.disk()).append(", ").append(m.jdk()).append(", ")
                .append(m.os()).append(". **Load average** at start ").append(m.loadAverageAtStart()).append(", at end ")
                .append(m.loadAverageAtEnd()).append(".\n\n");
        for (String note : run.notes()) {
            md.append("- ").append(note).append('\n');
        }
        md.append('\n');
        for (String op : List.of("put", "get")) {
            List<PointResult> points = new ArrayList<>();
            for (TargetResult t : run.targets()) {
                points.addAll(t.points().stream().filter(x -> x.operation().equals(op)).toList());
            }
            if (points.isEmpty()) {
                continue;
            }
            md.append(op.equals("put") ? "## Puts (committed on a majority)\n\n" : "## Linearizable reads\n\n");
            md.append("| target | groups | proposers | ops/s | p50 ms | p99 ms | p99.9 ms | server CPU µs/op | by node | client CPU µs/op "
                    + "| others' CPU | load (1/5/15 min) | status |\n");
            md.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|\n");
            for (PointResult x : points) {
                if (PointResult.NOT_RUN.equals(x.status())) {
                    md.append(String.format(Locale.ROOT, "| %s | %d | %d | — | — | — | — | — | — | — | — | — | not run |%n", x.target(), x.groups(),
                            x.concurrency()));
                    continue;
                }
                md.append(String.format(Locale.ROOT, "| %s | %d | %d | %,.0f | %.2f | %.2f | %.2f | %s | %s | %s | %s | %s | %s |%n",
                        x.target(), x.groups(), x.concurrency(), x.opsPerSecond(), x.latency().p50Micros() / 1000,
                        x.latency().p99Micros() / 1000, x.latency().p999Micros() / 1000, micros(x.serverCpuNanosPerOp()),
                        String.join(" / ", x.serverCpuNanosPerOpByNode().stream().map(ClusterReport::micros).toList()),
                        micros(x.clientCpuNanosPerOp()), x.otherCpuShare() < 0 ? "?" : String.format(Locale.ROOT, "%.0f%%", x.otherCpuShare() * 100),
                        x.loadAverage(), x.ok() ? "ok" : x.status() + ": " + x.message()));
            }
            md.append('\n');
        }
        List<PointResult> skipped = run.targets().stream().flatMap(t -> t.points().stream())
                .filter(x -> PointResult.NOT_RUN.equals(x.status())).toList();
        if (!skipped.isEmpty()) {
            md.append("Not run: ").append(skipped.getFirst().message()).append(".\n\n");
        }
        List<String> idle = new ArrayList<>();
        for (TargetResult t : run.targets()) {
            for (IdleCpuResult i : t.idleCpu()) {
                idle.add(String.format(Locale.ROOT, "%s with %d group%s: %.1f%% of one core", t.target(), i.groups(), i.groups() == 1 ? "" : "s",
                        i.serverCores() * 100));
            }
        }
        if (!idle.isEmpty()) {
            md.append("Idle servers (no requests, measured over a few seconds after the warm-up; included in every point's server CPU "
                    + "per op): ").append(String.join("; ", idle)).append(".\n\n");
        }
        boolean anyStorage = run.targets().stream().anyMatch(t -> !t.storage().isEmpty());
        if (anyStorage) {
            md.append("## Disk per entry (all replicas)\n\n| target | groups | nodes | entries | allocated growth | bytes/entry (allocated) "
                    + "| apparent growth | bytes/entry (apparent) |\n|---|--:|--:|--:|--:|--:|--:|--:|\n");
            String caveat = null;
            for (TargetResult t : run.targets()) {
                for (StorageResult s : t.storage()) {
                    md.append(String.format(Locale.ROOT, "| %s | %d | %d | %,d | %,d | %,.0f | %,d | %,.0f |%n", t.target(), s.groups(), s.nodes(),
                            s.entries(), s.allocatedBytesGrowth(), s.allocatedBytesPerEntry(), s.apparentBytesGrowth(),
                            s.apparentBytesPerEntry()));
                    caveat = s.caveat();
                }
            }
            md.append('\n').append("Caveat: ").append(caveat).append(".\n\n");
        }
        boolean anyFailover = run.targets().stream().anyMatch(t -> !t.failover().isEmpty());
        if (anyFailover) {
            md.append("## Failover (kill -9 of the leader to the next committed write)\n\n| target | groups | trials | median ms | max ms "
                    + "| failed | each trial, ms | restart + healthy, median ms |\n|---|--:|--:|--:|--:|--:|---|--:|\n");
            String method = null;
            for (TargetResult t : run.targets()) {
                for (FailoverResult f : t.failover()) {
                    List<String> each = f.trials().stream()
                            .map(tr -> tr.millis() < 0 ? "none" : String.format(Locale.ROOT, "%.0f", tr.millis())).toList();
                    double restart = FailoverResult.median(f.trials().stream().mapToDouble(FailoverMeasurement.Trial::restartMillis).toArray());
                    md.append(String.format(Locale.ROOT, "| %s | %d | %d | %.0f | %.0f | %d | %s | %.0f |%n", t.target(), f.groups(),
                            f.trials().size(), f.medianMillis(), f.maxMillis(), f.failedTrials(), String.join(", ", each), restart));
                    method = f.method();
                }
            }
            md.append('\n').append("How: ").append(method).append(".\n\n");
        }
        md.append("## kvkit / etcd\n\n");
        if (run.ratios().isEmpty()) {
            md.append("No ratios: this run did not measure both kvkit and etcd.\n\n");
        } else {
            md.append("| metric | operation | proposers | kvkit groups | kvkit | etcd (1 group) | kvkit / etcd |\n|---|---|--:|--:|--:|--:|--:|\n");
            for (Ratio r : run.ratios()) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %,.1f | %,.1f | %.2f× |%n", r.metric(), r.operation(),
                        r.concurrency() == 0 ? "—" : Integer.toString(r.concurrency()), r.kvkitGroups(), r.kvkit(), r.etcd(), r.ratio()));
            }
            md.append("\nHigher is better for opsPerSecond; lower is better for every other metric.\n\n");
        }
        md.append("## Targets\n\n");
        for (TargetResult t : run.targets()) {
            md.append("### ").append(t.target()).append(": ").append(t.version())
                    .append(TargetResult.OK.equals(t.status()) ? "" : " — **" + t.status() + "**: " + t.message()).append("\n\n");
            for (Map.Entry<String, String> s : t.settings().entrySet()) {
                md.append("- ").append(s.getKey()).append(": ").append(s.getValue()).append('\n');
            }
            md.append('\n');
        }
        md.append("Latency method: ").append(p.latencyMethod()).append(". CPU: ").append(p.cpuMethod()).append(". Full distributions: `hgrm/`.\n");
        return md.toString();
    }

    private static String micros(double nanos) {
        return nanos < 0 ? "?" : String.format(Locale.ROOT, "%,.0f", nanos / 1000);
    }
}
