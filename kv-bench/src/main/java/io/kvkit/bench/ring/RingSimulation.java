package io.kvkit.bench.ring;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kvkit.bench.report.Machine;
import io.kvkit.ring.MovePlan;
import io.kvkit.ring.Ring;
import io.kvkit.ring.RingChange;
import io.kvkit.ring.RingCodec;
import io.kvkit.ring.RingNode;
import io.kvkit.ring.RingOptions;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Simulates kv-ring at a scale this machine cannot run as a cluster: N nodes (default 1,000) and
 * Q partitions (default 65,536), R = 3. Measures balance, and the movement and planning time of
 * one join, one leave, 10% of the nodes failing at once, and a rolling replacement of every node;
 * plus balance for every N from 3 to 100 at Q = 4,096 (the bound), next to the pure
 * token rule over the same tokens. Writes ring-sim.json, ring-sim.md and two PNG plots.
 *
 * <p>Usage: {@code RingSimulation [--nodes N] [--partitions Q] [--replicas R] [--seed S] [--out DIR]}
 */
public final class RingSimulation {
    private RingSimulation() {}

    public static void main(String[] args) throws IOException {
        int nodes = 1000;
        int partitions = 65_536;
        int replicas = 3;
        long seed = 1;
        Path out = Path.of("bench-results", "ring");
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length && !a.equals("--help")) {
                throw new IllegalArgumentException("option " + a + " needs a value");
            }
            switch (a) {
                case "--nodes" -> nodes = Integer.parseInt(args[++i]);
                case "--partitions" -> partitions = Integer.parseInt(args[++i]);
                case "--replicas" -> replicas = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--help" -> {
                    System.out.println("RingSimulation [--nodes 1000] [--partitions 65536] [--replicas 3] [--seed 1] "
                            + "[--out bench-results/ring]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + a
                        + " (allowed: --nodes, --partitions, --replicas, --seed, --out, --help)");
            }
        }
        Files.createDirectories(out);
        Machine machine = Machine.probe(out);
        System.out.printf("ring simulation: N=%d Q=%d R=%d seed=%d -> %s%n", nodes, partitions, replicas, seed, out);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("nodes", nodes);
        result.put("partitions", partitions);
        result.put("replicationFactor", replicas);
        result.put("seed", seed);
        RingOptions options = RingOptions.defaults().withPartitionCount(partitions).withReplicationFactor(replicas);
        List<Map<String, Object>> rows = new ArrayList<>();

        // --- create
        List<RingNode> list = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            list.add(RingNode.of(i, "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255) + ":7000"));
        }
        long t0 = System.nanoTime();
        Ring ring = Ring.create(options, list);
        double createMs = ms(t0);
        Map<String, Object> create = balance("create", ring);
        create.put("planMs", createMs);
        create.put("encodedBytes", RingCodec.encode(ring).length);
        create.put("tokenRuleMaxOverMean", tokenRuleMaxOverMean(ring));
        create.put("tokenRuleAgreement", ring.tokenRuleAgreement());
        rows.add(create);
        System.out.println(create);
        long[] createdCounts = counts(ring);
        long[] tokenRuleCounts = ring.tokenRuleReplicaCounts();

        // --- one join
        t0 = System.nanoTime();
        RingChange join = ring.join(RingNode.of(nodes, "10.255.255.254:7000"));
        double joinMs = ms(t0);
        Map<String, Object> j = movement("join 1 node", ring, join, joinMs);
        j.put("boundReplicaMoves", (long) Math.floor(1.1 * replicas * partitions / (nodes + 1.0)));
        j.put("allMovesToNewNode", join.plan().additionsByNode().keySet().equals(java.util.Set.of(nodes)));
        rows.add(j);
        System.out.println(j);

        // --- one leave (from the original ring)
        int leaving = nodes / 2;
        int held = ring.replicaCount(leaving);
        t0 = System.nanoTime();
        RingChange leave = ring.leave(leaving);
        double leaveMs = ms(t0);
        Map<String, Object> l = movement("leave 1 node", ring, leave, leaveMs);
        l.put("replicasItHeld", held);
        l.put("onlyItsReplicasMoved", leave.plan().replicaAdditions() == held
                && leave.plan().removalsByNode().keySet().equals(java.util.Set.of(leaving)));
        rows.add(l);
        System.out.println(l);

        // --- 10% fail at once
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Integer> dead = new ArrayList<>();
        int[] perm = rnd.ints(0, nodes).distinct().limit(nodes / 10).toArray();
        long heldByDead = 0;
        for (int id : perm) {
            dead.add(id);
            heldByDead += ring.replicaCount(id);
        }
        t0 = System.nanoTime();
        RingChange fail = ring.fail(dead);
        double failMs = ms(t0);
        Map<String, Object> f = movement("fail 10% at once", ring, fail, failMs);
        f.put("replicasTheyHeld", heldByDead);
        f.put("lostPartitions", fail.plan().lostPartitions().getCardinality());
        int underReplicated = 0;
        java.util.Set<Integer> deadSet = new java.util.HashSet<>(dead);
        for (int p = 0; p < partitions; p++) {
            for (int k = 0; k < replicas; k++) {
                if (deadSet.contains(ring.replicaNodeId(p, k))) {
                    underReplicated++;
                    break;
                }
            }
        }
        f.put("partitionsLosingAReplica", underReplicated);
        rows.add(f);
        System.out.println(f);
        long[] afterFailCounts = counts(fail.ring());

        // --- rolling replacement of every node, one at a time
        Ring rolling = ring;
        long moved = 0;
        long heldTotal = 0;
        double worstStepMs = 0;
        boolean exact = true;
        t0 = System.nanoTime();
        for (int i = 0; i < nodes; i++) {
            int h = rolling.replicaCount(i);
            long s = System.nanoTime();
            RingChange c = rolling.replace(i, RingNode.of(nodes + 1 + i, "10.254." + (i >> 8 & 255) + "." + (i & 255) + ":7000"));
            worstStepMs = Math.max(worstStepMs, ms(s));
            moved += c.plan().replicaAdditions();
            heldTotal += h;
            exact &= c.plan().replicaAdditions() == h;
            rolling = c.ring();
        }
        double rollingMs = ms(t0);
        Map<String, Object> roll = balance("rolling replacement of all nodes", rolling);
        roll.put("replicaMoves", moved);
        roll.put("replicasTheReplacedHeld", heldTotal);
        roll.put("eachStepMovedExactlyTheReplacedNodesReplicas", exact);
        roll.put("planMs", rollingMs);
        roll.put("worstStepMs", worstStepMs);
        rows.add(roll);
        System.out.println(roll);
        result.put("scenarios", rows);

        // --- balance for every N in 3..100 at Q = 4096 (the bound), vs. the pure token rule
        RingOptions small = RingOptions.defaults().withPartitionCount(4096).withReplicationFactor(3);
        List<Map<String, Object>> curve = new ArrayList<>();
        List<RingNode> first = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            first.add(RingNode.of(i, "n" + i));
        }
        Ring r = Ring.create(small, first);
        XYSeries stored = new XYSeries("stored placement (kv-ring)");
        XYSeries pure = new XYSeries("pure rule over the same tokens");
        for (int n = 3; n <= 100; n++) {
            if (n > 3) {
                r = r.join(RingNode.of(n - 1, "n" + (n - 1))).ring();
            }
            double m = maxOverMean(counts(r));
            double tm = tokenRuleMaxOverMean(r);
            stored.add(n, m);
            pure.add(n, tm);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("n", n);
            row.put("maxOverMean", m);
            row.put("tokenRuleMaxOverMean", tm);
            curve.add(row);
        }
        result.put("balanceByNodeCountQ4096", curve);
        result.put("machine", machine.withLoadAverageAtEnd());

        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        json.writeValue(out.resolve("ring-sim.json").toFile(), result);
        Files.writeString(out.resolve("ring-sim.md"), markdown(result, rows, curve, machine.withLoadAverageAtEnd()));
        plotCounts(out.resolve("ring-sim-replicas-per-node.png"), createdCounts, tokenRuleCounts, afterFailCounts,
                nodes, partitions, replicas);
        plotCurve(out.resolve("ring-sim-balance-vs-n.png"), stored, pure);
        System.out.println("wrote " + out.resolve("ring-sim.json") + ", ring-sim.md, ring-sim-replicas-per-node.png, "
                + "ring-sim-balance-vs-n.png");
    }

    private static double ms(long t0) {
        return (System.nanoTime() - t0) / 1e6;
    }

    private static long[] counts(Ring ring) {
        long[] c = new long[ring.nodes().size()];
        for (int i = 0; i < c.length; i++) {
            c[i] = ring.replicaCount(ring.nodes().get(i).id());
        }
        return c;
    }

    private static double maxOverMean(long[] c) {
        long max = 0;
        long sum = 0;
        for (long v : c) {
            max = Math.max(max, v);
            sum += v;
        }
        return max / ((double) sum / c.length);
    }

    private static double tokenRuleMaxOverMean(Ring ring) {
        return maxOverMean(ring.tokenRuleReplicaCounts());
    }

    private static Map<String, Object> balance(String name, Ring ring) {
        long[] c = counts(ring);
        long max = 0;
        long min = Long.MAX_VALUE;
        long sum = 0;
        for (long v : c) {
            max = Math.max(max, v);
            min = Math.min(min, v);
            sum += v;
        }
        double mean = (double) sum / c.length;
        double var = 0;
        for (long v : c) {
            var += (v - mean) * (v - mean);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scenario", name);
        m.put("nodesAfter", c.length);
        m.put("maxOverMean", max / mean);
        m.put("minOverMean", min / mean);
        m.put("stddevOverMean", Math.sqrt(var / c.length) / mean);
        return m;
    }

    private static Map<String, Object> movement(String name, Ring before, RingChange change, double planMs) {
        Map<String, Object> m = balance(name, change.ring());
        MovePlan plan = change.plan();
        plan.verify(before, change.ring());
        m.put("replicaMoves", plan.replicaAdditions());
        m.put("planMs", planMs);
        m.put("planSafe", true);
        return m;
    }

    private static String markdown(Map<String, Object> result, List<Map<String, Object>> rows,
                                   List<Map<String, Object>> curve, Machine machine) {
        StringBuilder sb = new StringBuilder();
        sb.append("# kv-ring simulation\n\n");
        sb.append(String.format(Locale.ROOT, "N = %s nodes, Q = %s partitions, R = %s, equal weights, seed %s. "
                        + "Produced by `io.kvkit.bench.ring.RingSimulation`.%n%n",
                result.get("nodes"), result.get("partitions"), result.get("replicationFactor"), result.get("seed")));
        sb.append("| scenario | replica moves | expected | max/mean | min/mean | stddev/mean | plan time (ms) | notes |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---|\n");
        for (Map<String, Object> r : rows) {
            String expected = "";
            String notes = "";
            Object s = r.get("scenario");
            if (r.containsKey("boundReplicaMoves")) {
                expected = "≤ " + r.get("boundReplicaMoves") + " (1.1·R·Q/(N+1))";
                notes = "all moves to the new node: " + r.get("allMovesToNewNode");
            } else if (r.containsKey("replicasItHeld")) {
                expected = r.get("replicasItHeld") + " (its replicas)";
                notes = "only its replicas moved: " + r.get("onlyItsReplicasMoved");
            } else if (r.containsKey("replicasTheyHeld")) {
                expected = r.get("replicasTheyHeld") + " (their replicas)";
                notes = r.get("partitionsLosingAReplica") + " partitions lost a replica, " + r.get("lostPartitions")
                        + " lost all (no source left)";
            } else if (r.containsKey("replicasTheReplacedHeld")) {
                expected = r.get("replicasTheReplacedHeld") + " (theirs)";
                notes = String.format(Locale.ROOT, "every step exact: %s; worst step %.1f ms",
                        r.get("eachStepMovedExactlyTheReplacedNodesReplicas"), (double) r.get("worstStepMs"));
            } else {
                notes = String.format(Locale.ROOT, "encoded %s bytes; pure token rule over the same tokens: max/mean %.3f, "
                        + "%.1f%% of replicas where it puts them", r.get("encodedBytes"), (double) r.get("tokenRuleMaxOverMean"),
                        100 * (double) r.get("tokenRuleAgreement"));
            }
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %.4f | %.4f | %.4f | %.1f | %s |%n", s,
                    r.getOrDefault("replicaMoves", "—"), expected.isEmpty() ? "—" : expected, (double) r.get("maxOverMean"),
                    (double) r.get("minOverMean"), (double) r.get("stddevOverMean"), (double) r.get("planMs"), notes));
        }
        double worst = 0;
        double worstPure = 0;
        for (Map<String, Object> c : curve) {
            worst = Math.max(worst, (double) c.get("maxOverMean"));
            worstPure = Math.max(worstPure, (double) c.get("tokenRuleMaxOverMean"));
        }
        sb.append(String.format(Locale.ROOT, "%nBalance for every N from 3 to 100 (Q = 4096, R = 3, one join at a time): "
                + "worst max/mean **%.4f** (bound 1.05); the pure rule over the same tokens: worst %.3f. "
                + "See `ring-sim-balance-vs-n.png`.%n%n", worst, worstPure));
        sb.append("Plan times are single measurements on a shared machine (other builds were running): indicative only; "
                + "the JMH benchmark `io.kvkit.bench.ring.RingLookupBenchmark` measures them properly.\n\n");
        sb.append(String.format(Locale.ROOT, "Machine: %s, %d cores, %d MiB, %s; load average %s at start, %s at end.%n",
                machine.cpuModel(), machine.cores(), machine.memoryBytes() >> 20, machine.jdk(),
                machine.loadAverageAtStart(), machine.loadAverageAtEnd()));
        return sb.toString();
    }

    private static void plotCounts(Path file, long[] created, long[] pureRule, long[] afterFail, int n, int q, int r)
            throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(sorted("stored placement, " + n + " nodes", created));
        data.addSeries(sorted("after 10% failed (" + afterFail.length + " nodes)", afterFail));
        data.addSeries(sorted("pure rule over the same tokens", pureRule));
        JFreeChart chart = ChartFactory.createXYLineChart(
                String.format(Locale.ROOT, "Replicas per node, sorted (Q=%d, R=%d), as a multiple of the mean", q, r),
                "node rank (fraction of nodes)", "replicas / mean", data, PlotOrientation.VERTICAL, true, false, false);
        style(chart);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 900, 520);
    }

    private static XYSeries sorted(String name, long[] counts) {
        long[] c = counts.clone();
        Arrays.sort(c);
        double mean = Arrays.stream(c).sum() / (double) c.length;
        XYSeries s = new XYSeries(name);
        for (int i = 0; i < c.length; i++) {
            s.add((double) i / (c.length - 1), c[i] / mean);
        }
        return s;
    }

    private static void plotCurve(Path file, XYSeries stored, XYSeries pure) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(stored);
        data.addSeries(pure);
        XYSeries bound = new XYSeries("bound 1.05");
        bound.add(3, 1.05);
        bound.add(100, 1.05);
        data.addSeries(bound);
        JFreeChart chart = ChartFactory.createXYLineChart("Max/mean replicas per node after each join (Q=4096, R=3, 16 tokens/node)",
                "nodes N", "max / mean replicas", data, PlotOrientation.VERTICAL, true, false, false);
        style(chart);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 900, 520);
    }

    private static void style(JFreeChart chart) {
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        Color[] colors = {new Color(0x1f77b4), new Color(0x2ca02c), new Color(0xd62728)};
        for (int i = 0; i < colors.length; i++) {
            renderer.setSeriesPaint(i, colors[i]);
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(renderer);
    }
}
