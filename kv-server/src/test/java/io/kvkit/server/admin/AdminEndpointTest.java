package io.kvkit.server.admin;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AdminEndpointTest {
    /** A node whose observations the test sets. */
    static final class FakeNode implements NodeObservations {
        final RequestMetrics requests = new RequestMetrics();
        volatile boolean serving = true;
        volatile boolean failing;

        @Override
        public long nodeId() {
            return 7;
        }

        @Override
        public boolean serving() {
            return serving;
        }

        @Override
        public StatusView status() {
            if (failing) {
                throw new IllegalStateException("the routing table is not loaded yet");
            }
            return new StatusView(7, 3, serving, List.of(new StatusView.NodeView(7, "127.0.0.1:7000", true)),
                    List.of(new StatusView.PartitionView(0, List.of(7L), 7, new StatusView.LocalReplica("LEADER", 1, 5, 5, 5))),
                    List.of(new StatusView.TableView("default", "lsm", Map.of())));
        }

        @Override
        public void writeMetrics(MetricsWriter out) {
            if (failing) {
                throw new IllegalStateException("a metrics source failed");
            }
            requests.writeTo(out);
            out.gauge("kvkit_node_serving", "1 when the node serves clients.", Map.of(), serving ? 1 : 0);
        }
    }

    private FakeNode node;
    private AdminEndpoint admin;
    private HttpClient http;

    @BeforeEach
    void start() {
        node = new FakeNode();
        admin = AdminEndpoint.start("127.0.0.1", 0, node);
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterEach
    void stop() {
        admin.close();
        http.close();
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.localAddress().getPort() + path))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody()).build();
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthIs200WhenServingAnd503WhenNot() throws Exception {
        HttpResponse<String> ok = send("GET", "/health");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("serving\n");
        node.serving = false;
        HttpResponse<String> down = send("GET", "/health");
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.body()).isEqualTo("not serving\n");
    }

    @Test
    void metricsAreStrictPrometheusTextWithTheNodesAndTheJvmsFamilies() throws Exception {
        node.requests.record("get", "default", "OK", 1_500_000);
        HttpResponse<String> r = send("GET", "/metrics?name[]=ignored");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        var families = PrometheusText.parse(r.body());
        ComponentMetricsTest.checkNaming(families);
        assertThat(families).containsKeys("kvkit_requests_total", "kvkit_request_duration_seconds", "kvkit_node_serving",
                "kvkit_jvm_memory_used_bytes");
        assertThat(families.get("kvkit_requests_total").value("kvkit_requests_total",
                Map.of("op", "get", "table", "default", "code", "OK"))).isEqualTo(1);
    }

    @Test
    void statusIsJsonOfTheNodesView() throws Exception {
        HttpResponse<String> r = send("GET", "/status");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json; charset=utf-8");
        Map<?, ?> doc = (Map<?, ?>) JsonText.parse(r.body());
        StatusSchema.check(doc);
        assertThat(doc.get("nodeId")).isEqualTo(7L);
        assertThat(doc.get("epoch")).isEqualTo(3L);
    }

    @Test
    void otherPathsAre404AndOtherMethods405() throws Exception {
        HttpResponse<String> missing = send("GET", "/metrics/");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("/metrics, /status and /health");
        assertThat(send("GET", "/").statusCode()).isEqualTo(404);
        for (String method : List.of("POST", "PUT", "DELETE", "HEAD")) {
            HttpResponse<String> r = send(method, "/health");
            assertThat(r.statusCode()).as(method).isEqualTo(405);
            assertThat(r.headers().firstValue("allow")).as(method).hasValue("GET");
        }
    }

    @Test
    void oneConnectionCarriesManyRequestsAndPipelinedOnesInOrder() throws Exception {
        try (RawHttp c = new RawHttp(admin.localAddress())) {
            assertThat(c.get("/health").status()).isEqualTo(200);
            assertThat(c.get("/nope").status()).isEqualTo(404);
            assertThat(c.get("/status").status()).isEqualTo(200);
            c.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\nGET /x HTTP/1.1\r\nHost: t\r\n\r\nGET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
            assertThat(c.read().status()).isEqualTo(404);
            RawHttp.Response metrics = c.read();
            assertThat(metrics.status()).isEqualTo(200);
            PrometheusText.parse(metrics.body());
            // HTTP/1.0 without keep-alive: answered, then closed
            c.send("GET /health HTTP/1.0\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void oversizedAndMalformedRequestsAreRefusedAndTheConnectionClosed() throws Exception {
        try (RawHttp c = new RawHttp(admin.localAddress())) {
            c.send("GET /" + "a".repeat(AdminEndpoint.MAX_REQUEST_LINE_BYTES + 10) + " HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(414);
            assertThat(c.closedByServer()).isTrue();
        }
        try (RawHttp c = new RawHttp(admin.localAddress())) {
            c.send("GET /health HTTP/1.1\r\nHost: t\r\nX-Big: " + "b".repeat(AdminEndpoint.MAX_HEADER_BYTES + 10) + "\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(431);
            assertThat(c.closedByServer()).isTrue();
        }
        try (RawHttp c = new RawHttp(admin.localAddress())) {
            c.send("GET /health HTTP/1.1\r\nHost: t\r\nContent-Length: " + (AdminEndpoint.MAX_BODY_BYTES + 1) + "\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(413);
            assertThat(c.closedByServer()).isTrue();
        }
        try (RawHttp c = new RawHttp(admin.localAddress())) {
            c.send("GET /health HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
            assertThat(c.read().status()).isEqualTo(413);
            assertThat(c.closedByServer()).isTrue();
        }
        try (RawHttp c = new RawHttp(admin.localAddress())) {
            c.send("GET /health HTTP/1.1\r\nHost: t\r\nContent-Length: nine\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(400);
            assertThat(c.closedByServer()).isTrue();
        }
        // and the endpoint still serves
        assertThat(send("GET", "/health").statusCode()).isEqualTo(200);
    }

    @Test
    void aFailureOfTheNodesCodeIs500AndTheConnectionStaysUsable() throws Exception {
        node.failing = true;
        try (RawHttp c = new RawHttp(admin.localAddress())) {
            RawHttp.Response status = c.get("/status");
            assertThat(status.status()).isEqualTo(500);
            assertThat(status.body()).contains("the routing table is not loaded yet");
            assertThat(c.get("/metrics").status()).isEqualTo(500);
            node.failing = false;
            assertThat(c.get("/status").status()).isEqualTo(200);
        }
    }

    @Test
    void connectionsBeyondTheBoundAreClosedOnAccept() throws Exception {
        List<RawHttp> open = new ArrayList<>();
        try {
            for (int i = 0; i < AdminEndpoint.MAX_CONNECTIONS; i++) {
                RawHttp c = new RawHttp(admin.localAddress());
                open.add(c);
                assertThat(c.get("/health").status()).isEqualTo(200); // accepted and registered
            }
            try (RawHttp extra = new RawHttp(admin.localAddress())) {
                assertThat(extra.closedByServer()).isTrue();
            }
            open.removeFirst().close();
            // a freed slot is usable again (the close is seen by the server asynchronously: retry briefly)
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (true) {
                try (RawHttp again = new RawHttp(admin.localAddress())) {
                    assertThat(again.get("/health").status()).isEqualTo(200);
                    break;
                } catch (java.io.IOException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(20);
                }
            }
        } finally {
            for (RawHttp c : open) {
                c.close();
            }
        }
    }

    @Test
    void aPortInUseIsAnErrorNamingHostAndPort() {
        int port = admin.localAddress().getPort();
        assertThatThrownBy(() -> AdminEndpoint.start("127.0.0.1", port, node))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("127.0.0.1:" + port)
                .hasMessageContaining("admin endpoint of node 7")
                .cause().isInstanceOf(BindException.class);
        assertThatThrownBy(() -> AdminEndpoint.start("127.0.0.1", 70000, node)).hasMessageContaining("0..65535");
    }

    @Test
    void closeIsIdempotentAndFreesThePort() {
        int port = admin.localAddress().getPort();
        admin.close();
        admin.close();
        admin = AdminEndpoint.start("127.0.0.1", port, node); // rebinding works: the port was released
        assertThat(admin.localAddress().getPort()).isEqualTo(port);
    }

    /** Scrapes from several clients while many threads record: every scrape parses, and counts never go down. */
    @Test
    void concurrentScrapesWhileRequestsAreRecorded() throws Exception {
        long seed = System.nanoTime();
        System.out.println("AdminEndpointTest.concurrentScrapesWhileRequestsAreRecorded seed=" + seed);
        int recordersCount = 4;
        int perRecorder = 40_000;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < recordersCount; t++) {
            Random r = new Random(seed + t);
            threads.add(Thread.ofPlatform().name("recorder-" + t).start(() -> {
                for (int i = 0; i < perRecorder; i++) {
                    node.requests.record(r.nextBoolean() ? "get" : "put", "t" + r.nextInt(4), r.nextInt(10) == 0 ? "TIMEOUT" : "OK",
                            r.nextLong(2_000_000_000L));
                }
            }));
        }
        for (int s = 0; s < 3; s++) {
            threads.add(Thread.ofPlatform().name("scraper-" + s).start(() -> {
                try {
                    double previous = 0;
                    for (int i = 0; i < 25; i++) {
                        HttpResponse<String> r = send("GET", "/metrics");
                        assertThat(r.statusCode()).isEqualTo(200);
                        var f = PrometheusText.parse(r.body());
                        double total = f.containsKey("kvkit_requests_total") ? f.get("kvkit_requests_total").samples.stream()
                                .mapToDouble(PrometheusText.Sample::value).sum() : 0;
                        assertThat(total).isGreaterThanOrEqualTo(previous);
                        previous = total;
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        for (Thread t : threads) {
            assertThat(t.join(Duration.ofSeconds(120))).as(t.getName()).isTrue();
        }
        if (failure.get() != null) {
            throw new AssertionError("seed " + seed, failure.get());
        }
        var f = PrometheusText.parse(send("GET", "/metrics").body());
        double total = f.get("kvkit_requests_total").samples.stream().mapToDouble(PrometheusText.Sample::value).sum();
        assertThat(total).isEqualTo((double) recordersCount * perRecorder);
    }
}
