package io.kvkit.server.admin;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MetricsWriterTest {

    @Test
    void familiesAreGroupedWithHelpAndTypeOnceWhateverTheOrderOfCalls() {
        MetricsWriter w = new MetricsWriter()
                .counter("kvkit_a_total", "A.", Map.of("x", "1"), 1)
                .gauge("kvkit_b_bytes", "B.", Map.of(), 2.5)
                .counter("kvkit_a_total", "A.", Map.of("x", "2"), 3);
        String text = w.text();
        assertThat(text).isEqualTo("""
                # HELP kvkit_a_total A.
                # TYPE kvkit_a_total counter
                kvkit_a_total{x="1"} 1
                kvkit_a_total{x="2"} 3
                # HELP kvkit_b_bytes B.
                # TYPE kvkit_b_bytes gauge
                kvkit_b_bytes 2.5
                """);
        assertThat(PrometheusText.parse(text)).containsOnlyKeys("kvkit_a_total", "kvkit_b_bytes");
    }

    @Test
    void histogramIsCumulativeWithInfBucketSumAndCount() {
        String text = new MetricsWriter().histogram("kvkit_h_seconds", "H.", Map.of("op", "get"),
                new HistogramSnapshot(new double[]{0.0001, 0.25, 1, 10}, new long[]{2, 0, 3, 1, 4}, 12.75)).text();
        var h = PrometheusText.parse(text).get("kvkit_h_seconds");
        assertThat(h.type).isEqualTo("histogram");
        assertThat(text).contains("le=\"0.0001\"} 2\n", "le=\"0.25\"} 2\n", "le=\"1\"} 5\n", "le=\"10\"} 6\n", "le=\"+Inf\"} 10\n");
        assertThat(h.value("kvkit_h_seconds_count", Map.of("op", "get"))).isEqualTo(10);
        assertThat(h.value("kvkit_h_seconds_sum", Map.of("op", "get"))).isEqualTo(12.75);
    }

    @Test
    void specialValuesAndLargeCountsAreWrittenExactly() {
        String text = new MetricsWriter()
                .gauge("g", "G.", Map.of("v", "nan"), Double.NaN)
                .gauge("g", "G.", Map.of("v", "pinf"), Double.POSITIVE_INFINITY)
                .gauge("g", "G.", Map.of("v", "ninf"), Double.NEGATIVE_INFINITY)
                .gauge("g", "G.", Map.of("v", "small"), 1e-9)
                .gauge("g", "G.", Map.of("v", "neg"), -3L)
                .counter("c_total", "C.", Map.of(), Long.MAX_VALUE)
                .text();
        var f = PrometheusText.parse(text);
        assertThat(f.get("g").value("g", Map.of("v", "nan"))).isNaN();
        assertThat(f.get("g").value("g", Map.of("v", "pinf"))).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(f.get("g").value("g", Map.of("v", "ninf"))).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(f.get("g").value("g", Map.of("v", "small"))).isEqualTo(1e-9);
        assertThat(f.get("g").value("g", Map.of("v", "neg"))).isEqualTo(-3);
        assertThat(text).contains("c_total " + Long.MAX_VALUE + "\n");
    }

    @Test
    void randomLabelValuesAndHelpSurviveEscaping() {
        long seed = System.nanoTime();
        System.out.println("MetricsWriterTest.randomLabelValuesAndHelpSurviveEscaping seed=" + seed);
        Random random = new Random(seed);
        String alphabet = "ab\\\"\n{}=,# é\u2028\uD83D\uDE00";
        MetricsWriter w = new MetricsWriter();
        Map<String, String> written = new HashMap<>();
        String help = "help with \\ and \n and \" quotes";
        for (int i = 0; i < 200; i++) {
            StringBuilder v = new StringBuilder("v" + i);
            int n = random.nextInt(12);
            for (int k = 0; k < n; k++) {
                v.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            written.put("v" + i, v.toString());
            w.gauge("kvkit_escaped", help, Map.of("value", v.toString(), "i", Integer.toString(i)), i);
        }
        var f = PrometheusText.parse(w.text()).get("kvkit_escaped");
        assertThat(f.help).as("seed %d", seed).isEqualTo(help);
        assertThat(f.samples).hasSize(200);
        for (var s : f.samples) {
            int i = (int) s.value();
            assertThat(s.labels().get("value")).as("seed %d", seed).isEqualTo(written.get("v" + i));
        }
    }

    @Test
    void refusesWhatPrometheusWouldRefuse() {
        assertThatThrownBy(() -> new MetricsWriter().gauge("1bad", "x", Map.of(), 1)).hasMessageContaining("bad metric name");
        assertThatThrownBy(() -> new MetricsWriter().gauge("g-h", "x", Map.of(), 1)).hasMessageContaining("bad metric name");
        assertThatThrownBy(() -> new MetricsWriter().gauge("g", "x", Map.of("a-b", "1"), 1)).hasMessageContaining("bad label name");
        assertThatThrownBy(() -> new MetricsWriter().gauge("g", "x", Map.of("__name", "1"), 1)).hasMessageContaining("bad label name");
        assertThatThrownBy(() -> new MetricsWriter().counter("c", "x", Map.of(), 1)).hasMessageContaining("must end in _total");
        assertThatThrownBy(() -> new MetricsWriter().counter("c_total", "x", Map.of(), -1)).hasMessageContaining("negative");
        assertThatThrownBy(() -> new MetricsWriter().counter("c_total", "x", Map.of(), Double.NaN)).hasMessageContaining("non-negative");
        assertThatThrownBy(() -> new MetricsWriter().gauge("g", "x", Map.of(), 1).counter("g", "x", Map.of(), 1))
                .hasMessageContaining("already a gauge");
        assertThatThrownBy(() -> new MetricsWriter().gauge("g", "x", Map.of(), 1).gauge("g", "y", Map.of("a", "1"), 1))
                .hasMessageContaining("already described");
        assertThatThrownBy(() -> new MetricsWriter().gauge("g", "x", Map.of("a", "1"), 1).gauge("g", "x", Map.of("a", "1"), 2))
                .hasMessageContaining("already has a sample");
        HistogramSnapshot h = new HistogramSnapshot(new double[]{1}, new long[]{0, 0}, 0);
        assertThatThrownBy(() -> new MetricsWriter().histogram("h", "x", Map.of("le", "1"), h)).hasMessageContaining("label named le");
        assertThatThrownBy(() -> new MetricsWriter().gauge("h_count", "x", Map.of(), 1).histogram("h", "x", Map.of(), h))
                .hasMessageContaining("h_count");
        assertThatThrownBy(() -> new MetricsWriter().histogram("h", "x", Map.of(), h).gauge("h_sum", "x", Map.of(), 1))
                .hasMessageContaining("h_sum");
    }

    @Test
    void aRefusedCallLeavesNoTrace() {
        MetricsWriter w = new MetricsWriter();
        assertThatThrownBy(() -> w.gauge("kvkit_g", "G.", Map.of("bad-label", "1"), 1)).hasMessageContaining("bad label name");
        assertThat(w.text()).isEmpty();
        // the name is still free, with another type and help
        w.counter("kvkit_g_total", "C.", Map.of(), 1).gauge("kvkit_g", "Another help.", Map.of(), 2);
        assertThat(PrometheusText.parse(w.text()).get("kvkit_g").help).isEqualTo("Another help.");
    }

    @Test
    void histogramSnapshotRefusesBadShapes() {
        assertThatThrownBy(() -> new HistogramSnapshot(new double[]{1, 2}, new long[]{0, 0}, 0)).hasMessageContaining("needs 3");
        assertThatThrownBy(() -> new HistogramSnapshot(new double[]{2, 1}, new long[]{0, 0, 0}, 0)).hasMessageContaining("ascending");
        assertThatThrownBy(() -> new HistogramSnapshot(new double[]{1, Double.POSITIVE_INFINITY}, new long[]{0, 0, 0}, 0))
                .hasMessageContaining("finite");
        assertThatThrownBy(() -> new HistogramSnapshot(new double[]{1}, new long[]{0, -1}, 0)).hasMessageContaining("negative");
    }
}
