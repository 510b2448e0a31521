package io.kvkit.server.endpoint;

import io.kvkit.client.KvClient;
import io.kvkit.client.KvTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/** The real Java client against the endpoint: handshake, route, and many pipelined requests on one connection. */
class ClientEndpointKvClientTest {
    private static final int REQUESTS = 3_000;
    private ExecutorService offLoop;
    private MapRequestHandler handler;
    private ClientEndpoint endpoint;
    private KvClient client;

    @BeforeEach
    void start() {
        offLoop = Executors.newFixedThreadPool(2);
        handler = new MapRequestHandler(1, () -> "127.0.0.1:" + endpoint.localAddress().getPort(), offLoop);
        endpoint = ClientEndpoint.start(ClientEndpointOptions.defaults("127.0.0.1", 0, 1), handler);
        client = KvClient.builder().seeds("127.0.0.1:" + endpoint.localAddress().getPort()).poolSizePerNode(1)
                .defaultDeadline(Duration.ofSeconds(30)).build();
    }

    @AfterEach
    void stop() {
        client.close();
        endpoint.close();
        offLoop.shutdownNow();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void pipelinedPutsGetsAndDeletesRoundTrip() {
        KvTable table = client.defaultTable();
        List<CompletableFuture<?>> puts = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            puts.add(table.putAsync(bytes("key-" + i), bytes("value-" + i)));
        }
        CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).join();
        assertThat(handler.data).hasSize(REQUESTS);

        List<CompletableFuture<byte[]>> gets = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            gets.add(table.getAsync(bytes("key-" + i)));
        }
        for (int i = 0; i < REQUESTS; i++) {
            assertThat(new String(gets.get(i).join(), StandardCharsets.UTF_8)).isEqualTo("value-" + i);
        }
        assertThat(table.delete(bytes("key-0"))).isTrue();
        assertThat(table.delete(bytes("key-0"))).isFalse();
        assertThat(table.get(bytes("key-0"))).isNull();

        EndpointStats stats = endpoint.stats();
        assertThat(stats.openConnections()).as("one pooled connection carried everything").isEqualTo(1);
        assertThat(stats.requestsHandled()).isGreaterThanOrEqualTo(2L * REQUESTS + 3);
        assertThat(stats.responsesSent()).isEqualTo(stats.requestsReceived());
        assertThat(stats.closedByReason().values()).allMatch(n -> n == 0);
        assertThat(handler.callerThread).startsWith("kv-client-io-");
    }

    @Test
    void pipelinedAnswersShareFlushes() throws Exception {
        int n = 2_000;
        java.io.ByteArrayOutputStream burst = new java.io.ByteArrayOutputStream();
        java.io.DataOutputStream out = new java.io.DataOutputStream(burst);
        for (int id = 2; id < n + 2; id++) {
            byte[] body = RawClient.get(id, "key-" + id).toByteArray();
            out.writeInt(body.length);
            out.write(body);
        }
        try (RawClient c = new RawClient(endpoint.localAddress())) {
            c.hello(1);
            long flushesBefore = endpoint.stats().flushes();
            c.sendBytes(burst.toByteArray());
            java.util.Set<Long> ids = new java.util.HashSet<>();
            for (int i = 0; i < n; i++) {
                ids.add(c.read().getRequestId());
            }
            assertThat(ids).hasSize(n).allMatch(id -> id >= 2 && id < n + 2);
            long flushes = endpoint.stats().flushes() - flushesBefore;
            System.out.println("pipelinedAnswersShareFlushes: " + n + " answers in " + flushes + " flushes");
            assertThat(flushes).as("flushes for %d pipelined answers", n).isLessThan(n / 4);
        }
    }
}
