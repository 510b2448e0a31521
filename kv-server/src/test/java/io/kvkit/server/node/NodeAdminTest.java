package io.kvkit.server.node;

import io.kvkit.client.proto.ReadConsistency;
import io.kvkit.client.proto.StatusCode;
import io.kvkit.server.admin.JsonText;
import io.kvkit.server.admin.PrometheusText;
import io.kvkit.server.admin.StatusSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.kvkit.server.node.RawCalls.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/** The admin port of real nodes: health, a /status that validates, /metrics that parse and count what the node did. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NodeAdminTest {

    @TempDir
    Path dir;

    @Test
    void healthStatusAndMetricsDescribeTheRunningNode() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(dir, 3, 4, 3, 3, "lsm").startAll(); RawCalls raw = new RawCalls();
             HttpClient http = HttpClient.newHttpClient()) {
            for (int i = 0; i < 10; i++) {
                assertThat(raw.put(cluster.clientAddress(1), "", bytes("k" + i), bytes("v")).getStatus().getCode()).isEqualTo(StatusCode.OK);
                raw.get(cluster.clientAddress(1), "", bytes("k" + i), ReadConsistency.LINEARIZABLE);
            }
            String base = "http://" + cluster.nodes.get(1L).adminAddress().getHostString() + ":" + cluster.nodes.get(1L).adminAddress().getPort();

            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);

            HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create(base + "/status")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(status.statusCode()).isEqualTo(200);
            Map<?, ?> doc = (Map<?, ?>) JsonText.parse(status.body());
            StatusSchema.check(doc);
            assertThat((List<?>) doc.get("partitions")).hasSize(4);
            assertThat((List<?>) doc.get("nodes")).hasSize(3);

            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            Map<String, PrometheusText.Family> families = PrometheusText.parse(metrics.body());
            assertThat(families).containsKeys("kvkit_requests_total", "kvkit_request_duration_seconds");
            double puts = families.get("kvkit_requests_total").samples.stream()
                    .filter(s -> "put".equals(s.labels().get("op")) && "OK".equals(s.labels().get("code"))).mapToDouble(PrometheusText.Sample::value).sum();
            assertThat(puts).as("puts counted on the node that received them").isGreaterThanOrEqualTo(10);
            assertThat(families.keySet()).anyMatch(n -> n.startsWith("kvkit_raft_group_"));
            assertThat(families.keySet()).anyMatch(n -> n.startsWith("kvkit_engine_"));
            assertThat(families.keySet()).anyMatch(n -> n.startsWith("kvkit_jvm_"));
        }
    }
}
