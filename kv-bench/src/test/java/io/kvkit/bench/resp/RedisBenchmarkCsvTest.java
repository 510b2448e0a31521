package io.kvkit.bench.resp;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RedisBenchmarkCsvTest {
    /** redis-benchmark 7.0.15's --csv output, as captured on this machine (with its stderr warning mixed in). */
    static final String SAMPLE = """
            WARNING: Could not fetch server CONFIG
            "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
            "SET","1307.19","7.595","1.376","4.847","20.511","31.375","54.623"
            "GET","4136.50","2.100","0.300","1.900","4.000","8.100","20.000"
            "INCR","900.00","9.000","2.000","8.000","20.000","40.000","90.000"
            "MSET (10 keys)","500.25","20.000","3.000","18.000","40.000","70.500","120.000"
            """;

    @Test
    void parsesEveryTestWithAllLatencyColumns() {
        List<RedisBenchmarkCsv.Row> rows = RedisBenchmarkCsv.parse(SAMPLE);
        assertThat(rows).extracting(RedisBenchmarkCsv.Row::test).containsExactly("SET", "GET", "INCR", "MSET (10 keys)");
        RedisBenchmarkCsv.Row set = rows.get(0);
        assertThat(set.rps()).isEqualTo(1307.19);
        assertThat(set.avgMs()).isEqualTo(7.595);
        assertThat(set.minMs()).isEqualTo(1.376);
        assertThat(set.p50Ms()).isEqualTo(4.847);
        assertThat(set.p95Ms()).isEqualTo(20.511);
        assertThat(set.p99Ms()).isEqualTo(31.375);
        assertThat(set.maxMs()).isEqualTo(54.623);
        assertThat(rows.get(3).p99Ms()).isEqualTo(70.5);
    }

    @Test
    void findsColumnsByNameWhateverTheirOrder() {
        List<RedisBenchmarkCsv.Row> rows = RedisBenchmarkCsv.parse("""
                "rps","test","max_latency_ms","min_latency_ms","avg_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms"
                "10.5","GET","9","1","2","3","4","5"
                """);
        assertThat(rows).singleElement().satisfies(r -> {
            assertThat(r.test()).isEqualTo("GET");
            assertThat(r.rps()).isEqualTo(10.5);
            assertThat(r.maxMs()).isEqualTo(9);
            assertThat(r.p99Ms()).isEqualTo(5);
        });
    }

    @Test
    void refusesOutputWithoutLatencyColumnsSayingWhichVersionIsNeeded() {
        // redis-benchmark 6 prints only test and rps
        assertThatThrownBy(() -> RedisBenchmarkCsv.parse("\"test\",\"rps\"\n\"SET\",\"100.00\"\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no column 'avg_latency_ms'")
                .hasMessageContaining("redis-benchmark 7");
    }

    @Test
    void refusesOutputWithoutHeaderAndBadNumbers() {
        assertThatThrownBy(() -> RedisBenchmarkCsv.parse("SET: 100 requests per second\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--csv");
        assertThatThrownBy(() -> RedisBenchmarkCsv.parse(SAMPLE.replace("\"1307.19\"", "\"fast\"")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("column rps is not a number ('fast')");
        assertThatThrownBy(() -> RedisBenchmarkCsv.parse(SAMPLE.replace(",\"54.623\"", "")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("7 fields, the header 8");
    }

    @Test
    void splitsQuotedFieldsWithCommasAndEscapedQuotes() {
        assertThat(RedisBenchmarkCsv.fields("\"a,b\",\"say \"\"hi\"\"\",\"\"")).containsExactly("a,b", "say \"hi\"", "");
        assertThatThrownBy(() -> RedisBenchmarkCsv.fields("\"open")).isInstanceOf(IllegalArgumentException.class);
    }
}
