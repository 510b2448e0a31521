package io.kvkit.bench.report;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;

import java.awt.Color;
import java.io.IOException;
import java.text.DecimalFormat;
import java.nio.file.Path;

/** A grouped bar chart of ops/s per workload per store, on a log scale when the values span more than 20x. */
public final class ThroughputChart {
    static final double LOG_SCALE_SPREAD = 20;
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)};

    private ThroughputChart() {
    }

    /** Writes the chart of {@code run} as a PNG. */
    public static void writePng(RunResult run, Path file, int width, int height) throws IOException {
        System.setProperty("java.awt.headless", "true");
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        double min = Double.MAX_VALUE;
        double max = 0;
        for (String workload : MarkdownReport.workloadsInOrder(run)) {
            for (StoreResult s : run.stores()) {
                WorkloadResult w = s.workload(workload);
                if (w != null && w.ok() && w.opsPerSecond() > 0) {
                    data.addValue(w.opsPerSecond(), s.store() + (s.durable() ? "" : " (not durable)"), workload);
                    min = Math.min(min, w.opsPerSecond());
                    max = Math.max(max, w.opsPerSecond());
                }
            }
        }
        boolean log = max > 0 && max / min > LOG_SCALE_SPREAD;
        ValueAxis axis;
        if (log) {
            LogAxis la = new LogAxis("ops/s (log scale)");
            la.setBase(10);
            la.setSmallestValue(Math.max(1, min / 2));
            la.setTickUnit(new NumberTickUnit(1)); // one tick per decade (log space)
            la.setNumberFormatOverride(new DecimalFormat("#,##0"));
            la.setMinorTickMarksVisible(true);
            axis = la;
        } else {
            axis = new NumberAxis("ops/s");
        }
        BarRenderer renderer = new BarRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setItemMargin(0.02);
        if (log) {
            renderer.setBase(Math.max(1, min / 2));
            renderer.setIncludeBaseInRange(false);
        }
        for (int i = 0; i < data.getRowCount(); i++) {
            renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
        }
        CategoryAxis categories = new CategoryAxis("workload");
        categories.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        CategoryPlot plot = new CategoryPlot(data, categories, axis, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        String title = String.format("kvkit engine benchmark: ops/s, N = %,d (%s, %d cores)", run.parameters().n(),
                run.machine().cpuModel(), run.machine().cores());
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, width, height);
    }
}
