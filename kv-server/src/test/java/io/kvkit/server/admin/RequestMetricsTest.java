package io.kvkit.server.admin;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RequestMetricsTest {

    @Test
    void bucketsAreInclusiveUpperBounds() {
        assertThat(RequestMetrics.bucketOf(0)).isEqualTo(0);
        assertThat(RequestMetrics.bucketOf(100_000)).isEqualTo(0);
        assertThat(RequestMetrics.bucketOf(100_001)).isEqualTo(1);
        assertThat(RequestMetrics.bucketOf(1_000_000_000)).isEqualTo(12);
        assertThat(RequestMetrics.bucketOf(10_000_000_000L)).isEqualTo(15);
        assertThat(RequestMetrics.bucketOf(10_000_000_001L)).isEqualTo(16); // +Inf
        assertThat(RequestMetrics.bucketOf(Long.MAX_VALUE)).isEqualTo(16);
        assertThat(RequestMetrics.bucketBoundsSeconds()).startsWith(0.0001).endsWith(10.0).hasSize(16);
    }

    @Test
    void countsByCodeAndLatencyHistogramPerOperationAndTable() {
        RequestMetrics m = new RequestMetrics();
        m.record("get", "default", "OK", 50_000);          // <= 100 µs
        m.record("get", "default", "OK", 3_000_000);       // <= 5 ms
        m.record("get", "default", "NOT_FOUND", 20_000_000_000L); // +Inf
        m.record("put", "users", "OK", 1_000_000);         // <= 1 ms
        MetricsWriter w = new MetricsWriter();
        m.writeTo(w);
        var f = PrometheusText.parse(w.text());
        var requests = f.get("kvkit_requests_total");
        assertThat(requests.type).isEqualTo("counter");
        assertThat(requests.value("kvkit_requests_total", Map.of("op", "get", "table", "default", "code", "OK"))).isEqualTo(2);
        assertThat(requests.value("kvkit_requests_total", Map.of("op", "get", "table", "default", "code", "NOT_FOUND"))).isEqualTo(1);
        assertThat(requests.value("kvkit_requests_total", Map.of("op", "put", "table", "users", "code", "OK"))).isEqualTo(1);
        var latency = f.get("kvkit_request_duration_seconds");
        Map<String, String> get = Map.of("op", "get", "table", "default");
        assertThat(latency.value("kvkit_request_duration_seconds_bucket", with(get, "le", "0.0001"))).isEqualTo(1);
        assertThat(latency.value("kvkit_request_duration_seconds_bucket", with(get, "le", "0.0025"))).isEqualTo(1);
        assertThat(latency.value("kvkit_request_duration_seconds_bucket", with(get, "le", "0.005"))).isEqualTo(2);
        assertThat(latency.value("kvkit_request_duration_seconds_bucket", with(get, "le", "10"))).isEqualTo(2);
        assertThat(latency.value("kvkit_request_duration_seconds_bucket", with(get, "le", "+Inf"))).isEqualTo(3);
        assertThat(latency.value("kvkit_request_duration_seconds_count", get)).isEqualTo(3);
        assertThat(latency.value("kvkit_request_duration_seconds_sum", get)).isCloseTo(20.00305, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void badInputIsRefused() {
        RequestMetrics m = new RequestMetrics();
        assertThatThrownBy(() -> m.record("get", "t", "OK", -1)).hasMessageContaining("negative");
        assertThatThrownBy(() -> m.record(null, "t", "OK", 1)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> m.record("get", null, "OK", 1)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> m.record("get", "t", null, 1)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void clientNamedTablesCannotGrowTheSeriesWithoutBound() {
        RequestMetrics m = new RequestMetrics();
        for (int t = 0; t < RequestMetrics.MAX_SERIES + 500; t++) {
            m.record("get", "t" + t, "OK", 1_000);
        }
        for (int c = 0; c < RequestMetrics.MAX_CODES_PER_SERIES + 10; c++) {
            m.record("get", "t0", "CODE_" + c, 1_000);
        }
        MetricsWriter w = new MetricsWriter();
        m.writeTo(w);
        var f = PrometheusText.parse(w.text());
        var latency = f.get("kvkit_request_duration_seconds");
        long series = latency.samples.stream().filter(s -> s.name().endsWith("_count")).count();
        assertThat(series).isEqualTo(RequestMetrics.MAX_SERIES + 1); // + the overflow series
        assertThat(latency.value("kvkit_request_duration_seconds_count", Map.of("op", "get", "table", RequestMetrics.OVERFLOW_TABLE)))
                .isEqualTo(500);
        long t0Codes = f.get("kvkit_requests_total").samples.stream().filter(s -> s.labels().get("table").equals("t0")).count();
        assertThat(t0Codes).isEqualTo(RequestMetrics.MAX_CODES_PER_SERIES + 1);
        double total = f.get("kvkit_requests_total").samples.stream().mapToDouble(PrometheusText.Sample::value).sum();
        assertThat(total).isEqualTo(RequestMetrics.MAX_SERIES + 500 + RequestMetrics.MAX_CODES_PER_SERIES + 10);
    }

    /** Scrapes while many threads record: each scrape parses, counts never go down, and the end state is exact. */
    @Test
    void concurrentRecordsAndScrapes() throws Exception {
        long seed = System.nanoTime();
        System.out.println("RequestMetricsTest.concurrentRecordsAndScrapes seed=" + seed);
        RequestMetrics m = new RequestMetrics();
        int threads = 6;
        int perThread = 50_000;
        String[] ops = {"get", "put", "delete"};
        String[] tables = {"default", "users"};
        String[] codes = {"OK", "NOT_LEADER", "TIMEOUT"};
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> recorders = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int t = 0; t < threads; t++) {
            Random r = new Random(seed + t);
            recorders.add(Thread.ofPlatform().name("recorder-" + t).start(() -> {
                try {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        m.record(ops[r.nextInt(3)], tables[r.nextInt(2)], codes[r.nextInt(3)], r.nextLong(20_000_000_000L));
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        AtomicBoolean recording = new AtomicBoolean(true);
        start.countDown();
        double previous = 0;
        int scrapes = 0;
        while (recording.get()) {
            recording.set(recorders.stream().anyMatch(Thread::isAlive));
            MetricsWriter w = new MetricsWriter();
            m.writeTo(w);
            var f = PrometheusText.parse(w.text());
            double total = f.containsKey("kvkit_requests_total")
                    ? f.get("kvkit_requests_total").samples.stream().mapToDouble(PrometheusText.Sample::value).sum() : 0;
            assertThat(total).as("seed %d", seed).isGreaterThanOrEqualTo(previous);
            previous = total;
            scrapes++;
        }
        for (Thread t : recorders) {
            assertThat(t.join(java.time.Duration.ofSeconds(60))).isTrue();
        }
        assertThat(failure.get()).isNull();
        MetricsWriter w = new MetricsWriter();
        m.writeTo(w);
        var f = PrometheusText.parse(w.text());
        double total = f.get("kvkit_requests_total").samples.stream().mapToDouble(PrometheusText.Sample::value).sum();
        double histogramTotal = f.get("kvkit_request_duration_seconds").samples.stream()
                .filter(s -> s.name().endsWith("_count")).mapToDouble(PrometheusText.Sample::value).sum();
        assertThat(total).as("seed %d", seed).isEqualTo((double) threads * perThread);
        assertThat(histogramTotal).as("seed %d", seed).isEqualTo((double) threads * perThread);
        System.out.println("RequestMetricsTest.concurrentRecordsAndScrapes: " + scrapes + " scrapes during recording");
    }

    static Map<String, String> with(Map<String, String> labels, String name, String value) {
        Map<String, String> m = new java.util.HashMap<>(labels);
        m.put(name, value);
        return m;
    }
}
