package io.kvkit.bench.ycsb;

import org.HdrHistogram.Histogram;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The plots of a YCSB run: ops/s per workload and store, and for each workload and operation the
 * latency percentile distribution of every store on one chart (x: percentile on a "nines" scale,
 * y: microseconds, log scale), the way HdrHistogram's plotter draws {@code .hgrm} files.
 */
final class YcsbCharts {
    static final int WIDTH = 1000;
    static final int HEIGHT = 600;
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};
    /** Percentiles plotted, as "nines": x = log10(1 / (1 - p/100)). */
    static final double[] PERCENTILES = {0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96, 97, 98, 99, 99.3, 99.5, 99.7,
        99.8, 99.9, 99.95, 99.97, 99.99, 99.995, 99.999};

    private YcsbCharts() {
    }

    /** Writes every chart into {@code dir}; returns their file names. */
    static List<String> write(YcsbResults.Run run, java.util.Map<String, Histogram> histograms, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<String> files = new ArrayList<>();
        List<String> workloads = YcsbReport.runWorkloads(run);
        if (!workloads.isEmpty()) {
            String f = "throughput.png";
            throughput(run, workloads, dir.resolve(f));
            files.add(f);
        }
        for (String w : workloads) {
            Set<String> ops = new LinkedHashSet<>();
            run.results().stream().filter(r -> r.phase().equals("run") && r.workload().equals(w) && r.status().equals(YcsbResults.OK))
                    .forEach(r -> r.latencies().forEach(l -> ops.add(l.operation())));
            for (String op : ops) {
                String f = "latency-" + w + "-" + op.toLowerCase(Locale.ROOT) + ".png";
                if (percentileChart(run, histograms, w, op, dir.resolve(f))) {
                    files.add(f);
                }
            }
        }
        return files;
    }

    private static void throughput(YcsbResults.Run run, List<String> workloads, Path file) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (String w : workloads) {
            for (YcsbResults.StoreInfo s : run.stores()) {
                YcsbResults.PhaseResult r = YcsbReport.find(run, s.store(), w, "run");
                if (r != null && r.status().equals(YcsbResults.OK)) {
                    data.addValue(r.opsPerSecond(), s.store(), w);
                }
            }
        }
        BarRenderer renderer = new BarRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setItemMargin(0.02);
        for (int i = 0; i < data.getRowCount(); i++) {
            renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
        }
        CategoryPlot plot = new CategoryPlot(data, new CategoryAxis("workload"), new NumberAxis("ops/s"), renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart(String.format(Locale.ROOT, "YCSB throughput, %,d records, %,d ops, %s thread(s) (missing bar: not supported)",
                ((Number) run.parameters().get("recordcount")).longValue(), ((Number) run.parameters().get("operationcount")).longValue(),
                run.parameters().get("threads")), JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
    }

    private static boolean percentileChart(YcsbResults.Run run, java.util.Map<String, Histogram> histograms, String workload, String op,
                                           Path file) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        long min = Long.MAX_VALUE;
        List<Color> colors = new ArrayList<>(); // a store keeps its colour on every chart, whoever is missing
        for (int si = 0; si < run.stores().size(); si++) {
            YcsbResults.StoreInfo s = run.stores().get(si);
            YcsbResults.PhaseResult r = YcsbReport.find(run, s.store(), workload, "run");
            Histogram h = histograms.get(s.store() + "-" + workload + "-run/" + op);
            if (r == null || !r.status().equals(YcsbResults.OK) || h == null || h.getTotalCount() == 0) {
                continue;
            }
            colors.add(PALETTE[si % PALETTE.length]);
            XYSeries series = new XYSeries(s.store() + (s.family().equals("peer") ? " (peer)" : ""));
            for (double p : PERCENTILES) {
                long v = Math.max(1, h.getValueAtPercentile(p));
                min = Math.min(min, v);
                series.add(Math.log10(100.0 / (100.0 - p)), v);
            }
            data.addSeries(series);
        }
        if (data.getSeriesCount() == 0) {
            return false;
        }
        NumberAxis x = new NumberAxis("percentile");
        x.setRange(0, 5.25);
        x.setTickUnit(new NumberTickUnit(1));
        x.setNumberFormatOverride(new NinesFormat());
        LogAxis y = new LogAxis("latency (µs, log scale)");
        y.setBase(10);
        y.setSmallestValue(Math.max(1, min / 2.0));
        y.setTickUnit(new NumberTickUnit(1)); // one labelled tick per decade (log space)
        y.setMinorTickMarksVisible(true);
        y.setNumberFormatOverride(new DecimalFormat("#,##0"));
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesPaint(i, colors.get(i));
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart("YCSB " + workload + " " + op + " latency by percentile", JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
        return true;
    }

    /** Labels x = number of nines as a percentile: 0 → 0%, 1 → 90%, 2 → 99%, 3 → 99.9%. */
    private static final class NinesFormat extends NumberFormat {
        private static final long serialVersionUID = 1L;

        @Override
        public StringBuffer format(double number, StringBuffer toAppendTo, FieldPosition pos) {
            double p = 100.0 - 100.0 / Math.pow(10, number);
            String s = new DecimalFormat("0.#####").format(p);
            return toAppendTo.append(s).append('%');
        }

        @Override
        public StringBuffer format(long number, StringBuffer toAppendTo, FieldPosition pos) {
            return format((double) number, toAppendTo, pos);
        }

        @Override
        public Number parse(String source, ParsePosition parsePosition) {
            throw new UnsupportedOperationException("labels only");
        }
    }
}
