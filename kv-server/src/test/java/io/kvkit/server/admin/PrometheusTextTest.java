package io.kvkit.server.admin;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The test's parser must itself be strict, or the writers' tests prove nothing. */
class PrometheusTextTest {
    private static final String HISTOGRAM = """
            # HELP h_seconds A histogram.
            # TYPE h_seconds histogram
            h_seconds_bucket{op="get",le="0.1"} 1
            h_seconds_bucket{op="get",le="1"} 3
            h_seconds_bucket{op="get",le="+Inf"} 4
            h_seconds_sum{op="get"} 2.5
            h_seconds_count{op="get"} 4
            """;

    @Test
    void acceptsWellFormedText() {
        var families = PrometheusText.parse("""
                # HELP a_total Things, with a \\\\ backslash and a \\n newline.
                # TYPE a_total counter
                a_total{k="v \\"q\\" \\\\ \\n",z=""} 3
                a_total 4 1700000000000
                # a free comment
                # TYPE g gauge
                g NaN
                g{x="1"} -Inf
                g{x="2"} 1.5e-3
                """ + HISTOGRAM);
        assertThat(families.keySet()).containsExactly("a_total", "g", "h_seconds");
        assertThat(families.get("a_total").help).isEqualTo("Things, with a \\ backslash and a \n newline.");
        assertThat(families.get("a_total").value("a_total", Map.of("k", "v \"q\" \\ \n", "z", ""))).isEqualTo(3);
        assertThat(families.get("g").value("g", Map.of("x", "2"))).isEqualTo(0.0015);
        assertThat(families.get("h_seconds").value("h_seconds_count", Map.of("op", "get"))).isEqualTo(4);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "a 1",                                   // no final newline
            "1a 1\n",                                // bad metric name
            "a{1b=\"x\"} 1\n",                       // bad label name
            "a{__x=\"x\"} 1\n",                      // reserved label name
            "a{b=x} 1\n",                            // unquoted label value
            "a{b=\"x} 1\n",                          // unterminated label value
            "a{b=\"x\\t\"} 1\n",                     // bad escape
            "a{b=\"x\",b=\"y\"} 1\n",                // label twice
            "a{b=\"x\" c=\"y\"} 1\n",                // no comma
            "a{b=\"x\",} 1\n",                       // trailing comma (not written by careful writers)
            "a  1\n",                                // two spaces
            "a 1 2 3\n",                             // too many fields
            "a one\n",                               // not a number
            "a 1 x\n",                               // bad timestamp
            "a 1\na 2\n",                            // duplicate sample
            "a 1\nb 1\na{x=\"1\"} 1\n",              // family not in one group
            "# TYPE a counter\n# TYPE a counter\n",  // TYPE twice
            "# HELP a x\n# HELP a y\n",              // HELP twice
            "a 1\n# TYPE a gauge\n",                 // TYPE after samples
            "# TYPE a countr\n",                     // unknown type
            "# TYPE a_total counter\na_total -1\n",  // negative counter
            "# TYPE a_total counter\na_total NaN\n", // NaN counter
            "# HELP a say \\\"hi\\\"\n",             // \" is no escape in HELP
            "# TYPE g gauge\ng{le=\"1\"} 1\n",       // le outside histogram buckets
    })
    void rejectsMalformedSamples(String text) {
        assertThatThrownBy(() -> PrometheusText.parse(text)).isInstanceOf(PrometheusText.ParseException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "h_seconds_bucket{op=\"get\",le=\"+Inf\"} 4\n",  // dropped: no +Inf bucket
            "h_seconds_sum{op=\"get\"} 2.5\n",               // dropped: no _sum
            "h_seconds_count{op=\"get\"} 4\n",               // dropped: no _count
    })
    void rejectsBrokenHistograms(String droppedLine) {
        String broken = HISTOGRAM.replace(droppedLine, "");
        assertThat(broken).isNotEqualTo(HISTOGRAM);
        assertThatThrownBy(() -> PrometheusText.parse(broken)).isInstanceOf(PrometheusText.ParseException.class);
    }

    @Test
    void rejectsInfBucketDifferentFromCountAndDescendingBounds() {
        assertThatThrownBy(() -> PrometheusText.parse(HISTOGRAM.replace("h_seconds_count{op=\"get\"} 4", "h_seconds_count{op=\"get\"} 5")))
                .hasMessageContaining("+Inf bucket");
        assertThatThrownBy(() -> PrometheusText.parse(HISTOGRAM.replace("le=\"0.1\"", "le=\"2\"")))
                .hasMessageContaining("not above");
        assertThatThrownBy(() -> PrometheusText.parse(HISTOGRAM.replace("le=\"1\"} 3", "le=\"1\"} 0")))
                .hasMessageContaining("below the previous");
    }
}
