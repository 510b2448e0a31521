package io.kvkit.bench.resp;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;

/** throughput.png: requests per second of every target, grouped by test and pipeline depth, on a log axis (kvkit and redis differ by orders of magnitude). */
final class RespBenchChart {
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728)};

    private RespBenchChart() {
    }

    static void write(RespBenchReport.Result r, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        double min = Double.MAX_VALUE;
        for (String target : RespBenchReport.TARGETS) {
            for (int p : RespBenchReport.PIPELINES) {
                for (String test : RespBenchReport.TESTS) {
                    String category = test.replace(" (10 keys)", "") + " -P " + p;
                    double v = RespBenchReport.find(r.rows(), target, test, p).map(RespBenchReport.Row::rps).orElse(Double.NaN);
                    data.addValue(Double.isNaN(v) ? null : v, target, category);
                    if (!Double.isNaN(v) && v > 0) {
                        min = Math.min(min, v);
                    }
                }
            }
        }
        LogAxis y = new LogAxis("requests per second (log scale)");
        y.setBase(10);
        y.setTickUnit(new NumberTickUnit(1)); // one tick per power of ten
        y.setSmallestValue(min == Double.MAX_VALUE ? 1 : Math.max(1, min / 2));
        y.setNumberFormatOverride(new DecimalFormat("#,##0"));
        BarRenderer bars = new BarRenderer();
        bars.setBarPainter(new StandardBarPainter());
        bars.setShadowVisible(false);
        bars.setBase(1); // a log axis has no 0: bars start at 1 request per second
        for (int i = 0; i < PALETTE.length; i++) {
            bars.setSeriesPaint(i, PALETTE[i]);
        }
        CategoryAxis x = new CategoryAxis("test, pipeline depth");
        x.setCategoryLabelPositions(CategoryLabelPositions.STANDARD);
        CategoryPlot plot = new CategoryPlot(data, x, y, bars);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        String title = String.format("redis-benchmark -c %d -n %,d -d %d (%d cores, load %s)", RespBenchReport.CLIENTS,
                ((Number) r.parameters().get("requestsPerTest")).longValue(), RespBenchReport.VALUE_BYTES, r.machine().cores(),
                r.machine().loadAverageAtEnd());
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 1200, 650);
    }
}
