package io.kvkit.bench.cluster;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The two plots of a cluster run: throughput against concurrency, and p99 latency against
 * concurrency, one line per target, operation and group count (concurrency on a log2 axis).
 */
final class ClusterCharts {
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};

    private ClusterCharts() {
    }

    /** Writes throughput.png and p99-latency.png into {@code dir}; returns their paths. */
    static List<String> write(ClusterRunResult run, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Path throughput = dir.resolve("throughput.png");
        Path p99 = dir.resolve("p99-latency.png");
        String where = String.format("%d nodes, %s, %d cores, load %s", run.parameters().nodes(), run.machine().cpuModel(),
                run.machine().cores(), run.machine().loadAverageAtStart());
        chart(run, "Throughput vs proposers (" + where + ")", "ops/s", false, PointResult::opsPerSecond, throughput);
        chart(run, "p99 latency vs proposers (" + where + ")", "p99 latency, ms (log scale)", true,
                pt -> pt.latency().p99Micros() / 1000, p99);
        return List.of(throughput.toString(), p99.toString());
    }

    private static void chart(ClusterRunResult run, String title, String yLabel, boolean logY, ToDoubleFunction<PointResult> y, Path file)
            throws IOException {
        Map<String, XYSeries> series = new LinkedHashMap<>();
        double min = Double.MAX_VALUE;
        for (TargetResult t : run.targets()) {
            for (PointResult pt : t.points()) {
                if (!pt.ok()) {
                    continue;
                }
                String name = t.target() + " " + (pt.operation().equals("put") ? "put" : "linearizable get") + ", " + pt.groups()
                        + (pt.groups() == 1 ? " group" : " groups");
                double v = y.applyAsDouble(pt);
                series.computeIfAbsent(name, n -> new XYSeries(n, true, false)).add(pt.concurrency(), v);
                if (v > 0) {
                    min = Math.min(min, v);
                }
            }
        }
        XYSeriesCollection data = new XYSeriesCollection();
        for (XYSeries s : series.values()) {
            data.addSeries(s);
        }
        LogAxis x = new LogAxis("concurrent proposers (log2)");
        x.setBase(2);
        x.setTickUnit(new NumberTickUnit(2)); // a tick every 4x: 1, 4, 16, 64, 256
        x.setNumberFormatOverride(new DecimalFormat("#,##0"));
        ValueAxis yAxis;
        if (logY) {
            LogAxis ly = new LogAxis(yLabel);
            ly.setBase(10);
            ly.setSmallestValue(min == Double.MAX_VALUE ? 0.01 : min / 2);
            ly.setNumberFormatOverride(new DecimalFormat("#,##0.##"));
            yAxis = ly;
        } else {
            NumberAxis ny = new NumberAxis(yLabel);
            ny.setNumberFormatOverride(new DecimalFormat("#,##0"));
            yAxis = ny;
        }
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        List<String> names = new ArrayList<>(series.keySet());
        for (int i = 0; i < names.size(); i++) {
            renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        XYPlot plot = new XYPlot(data, x, yAxis, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 1100, 650);
    }
}
