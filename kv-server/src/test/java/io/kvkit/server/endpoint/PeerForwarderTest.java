package io.kvkit.server.endpoint;

import com.google.protobuf.ByteString;
import io.kvkit.client.KvClient;
import io.kvkit.client.KvTable;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.Status;
import io.kvkit.client.proto.StatusCode;
import io.kvkit.server.endpoint.PeerUnavailableException.Reason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Two endpoints: node A answers Route itself and forwards everything else through a
 * {@link PeerForwarder} to node B, which serves a map. The peer's failures (down, lost, silent,
 * overloaded) each end in their {@link PeerUnavailableException}.
 */
class PeerForwarderTest {
    private ExecutorService offLoop;
    private MapRequestHandler nodeA;
    private MapRequestHandler nodeB;
    private ClientEndpoint endpointA;
    private ClientEndpoint endpointB;
    private PeerForwarder forwarder;

    @BeforeEach
    void start() {
        offLoop = Executors.newFixedThreadPool(2);
        startB(0);
    }

    private void startB(int port) {
        nodeB = new MapRequestHandler(2, () -> "127.0.0.1:" + endpointB.localAddress().getPort(), offLoop);
        endpointB = ClientEndpoint.start(ClientEndpointOptions.defaults("127.0.0.1", port, 2), nodeB);
    }

    private String addressB() {
        return "127.0.0.1:" + endpointB.localAddress().getPort();
    }

    @AfterEach
    void stop() {
        if (forwarder != null) {
            forwarder.close();
        }
        if (endpointA != null) {
            endpointA.close();
        }
        nodeB.releaseHeld();
        endpointB.close();
        offLoop.shutdownNow();
    }

    private static Request get(long id, String key) {
        return RawClient.get(id, key);
    }

    private static Request put(long id, String key, String value) {
        return Request.newBuilder().setRequestId(id).setPut(io.kvkit.client.proto.PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value))).build();
    }

    private static PeerUnavailableException failure(CompletableFuture<Response> f) throws Exception {
        try {
            f.get(20, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(PeerUnavailableException.class);
            return (PeerUnavailableException) e.getCause();
        }
        throw new AssertionError("expected a PeerUnavailableException, got an answer");
    }

    @Test
    void theRealClientThroughNodeAReachesNodeB() {
        forwarder = new PeerForwarder(PeerForwarderOptions.defaults());
        nodeA = new MapRequestHandler(1, () -> "127.0.0.1:" + endpointA.localAddress().getPort(), offLoop);
        RequestHandler a = r -> r.getBodyCase() == Request.BodyCase.ROUTE ? nodeA.handle(r)
                : forwarder.forward(addressB(), r).exceptionally(e -> Response.newBuilder().setStatus(Status.newBuilder()
                        .setCode(StatusCode.UNAVAILABLE).setMessage(String.valueOf(e.getCause()))).build());
        endpointA = ClientEndpoint.start(ClientEndpointOptions.defaults("127.0.0.1", 0, 1), a);
        int n = 10_000;
        try (KvClient client = KvClient.builder().seeds("127.0.0.1:" + endpointA.localAddress().getPort())
                .defaultDeadline(Duration.ofSeconds(60)).build()) {
            KvTable table = client.defaultTable();
            List<CompletableFuture<?>> puts = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                puts.add(table.putAsync(("k" + i).getBytes(StandardCharsets.UTF_8), ("v" + i).getBytes(StandardCharsets.UTF_8)));
            }
            CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).join();
            assertThat(nodeB.data).hasSize(n);
            assertThat(nodeA.data).as("node A forwards, it stores nothing").isEmpty();
            for (int i = 0; i < n; i += 997) {
                assertThat(new String(table.get(("k" + i).getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8)).isEqualTo("v" + i);
            }
        }
        assertThat(forwarder.inFlight(addressB())).isZero();
        assertThat(endpointB.stats().openConnections()).as("the forwarder's pool").isEqualTo(2);
    }

    @Test
    void manyConcurrentForwardsAreAnsweredUnderTheCallersIds() throws Exception {
        forwarder = new PeerForwarder(PeerForwarderOptions.defaults());
        int n = 10_000;
        for (int i = 0; i < 100; i++) {
            nodeB.data.put(ByteString.copyFromUtf8("key-" + i), ByteString.copyFromUtf8("value-" + i));
        }
        List<CompletableFuture<Response>> answers = new ArrayList<>();
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long callerId = 1_000_000_007L * (i + 1); // ids the forwarder's own never match
            ids.add(callerId);
            answers.add(forwarder.forward(addressB(), get(callerId, "key-" + (i % 100))));
            if (forwarder.inFlight(addressB()) > 3_000) {
                answers.get(i).get(20, TimeUnit.SECONDS); // stay under maxInFlightPerPeer without failing fast
            }
        }
        for (int i = 0; i < n; i++) {
            Response r = answers.get(i).get(20, TimeUnit.SECONDS);
            assertThat(r.getRequestId()).isEqualTo(ids.get(i));
            assertThat(r.getStatus().getCode()).isEqualTo(StatusCode.OK);
            assertThat(r.getGet().getValue().toStringUtf8()).isEqualTo("value-" + (i % 100));
        }
        assertThat(forwarder.inFlight(addressB())).isZero();
    }

    @Test
    void aPeerDownFailsAtOnceAndARestartedPeerIsReachedAgain() throws Exception {
        forwarder = new PeerForwarder(PeerForwarderOptions.defaults().withRequestTimeout(Duration.ofSeconds(60)));
        String b = addressB();
        int port = endpointB.localAddress().getPort();
        assertThat(forwarder.forward(b, put(5, "a", "1")).get(20, TimeUnit.SECONDS).getRequestId()).isEqualTo(5);

        endpointB.close();
        // the first forwards may still meet a connection that is closing (lost); then connecting is refused
        PeerUnavailableException last = null;
        for (int i = 0; i < 5 && (last == null || last.reason() != Reason.CONNECT_FAILED); i++) {
            last = failure(forwarder.forward(b, get(6, "a")));
            assertThat(last.reason()).as("never waits for the 60 s timeout").isIn(Reason.CONNECT_FAILED, Reason.CONNECTION_LOST);
        }
        assertThat(last.reason()).isEqualTo(Reason.CONNECT_FAILED);
        assertThat(last.mayHaveReachedPeer()).isFalse();
        assertThat(last.getMessage()).contains(b);

        startB(port);
        Response r = forwarder.forward(b, put(7, "a", "2")).get(20, TimeUnit.SECONDS);
        assertThat(r.getRequestId()).isEqualTo(7);
        assertThat(r.getStatus().getCode()).isEqualTo(StatusCode.OK);
        assertThat(nodeB.data.get(ByteString.copyFromUtf8("a")).toStringUtf8()).isEqualTo("2");
    }

    @Test
    void aConnectionLostWithTheRequestSentMayHaveReachedThePeer() throws Exception {
        forwarder = new PeerForwarder(PeerForwarderOptions.defaults());
        nodeB.hold = true;
        CompletableFuture<Response> f = forwarder.forward(addressB(), get(8, "a"));
        for (int i = 0; i < 500 && nodeB.heldCount() == 0; i++) {
            Thread.sleep(10);
        }
        assertThat(nodeB.heldCount()).isEqualTo(1);
        endpointB.close();
        PeerUnavailableException e = failure(f);
        assertThat(e.reason()).isEqualTo(Reason.CONNECTION_LOST);
        assertThat(e.mayHaveReachedPeer()).isTrue();
    }

    @Test
    void aSilentPeerTimesOutAndALateAnswerIsIgnored() throws Exception {
        forwarder = new PeerForwarder(PeerForwarderOptions.defaults().withRequestTimeout(Duration.ofMillis(300)));
        nodeB.hold = true;
        PeerUnavailableException e = failure(forwarder.forward(addressB(), get(9, "a")));
        assertThat(e.reason()).isEqualTo(Reason.TIMEOUT);
        assertThat(e.mayHaveReachedPeer()).isTrue();
        assertThat(e.getMessage()).contains("requestTimeout=PT0.3S");
        nodeB.releaseHeld(); // the late answer arrives and is dropped
        Response r = forwarder.forward(addressB(), get(10, "a")).get(20, TimeUnit.SECONDS);
        assertThat(r.getRequestId()).isEqualTo(10);
        assertThat(forwarder.inFlight(addressB())).isZero();
    }

    @Test
    void beyondMaxInFlightPerPeerAForwardFailsAtOnce() throws Exception {
        forwarder = new PeerForwarder(PeerForwarderOptions.defaults().withMaxInFlightPerPeer(8));
        nodeB.hold = true;
        List<CompletableFuture<Response>> held = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            held.add(forwarder.forward(addressB(), get(i, "a")));
        }
        CompletableFuture<Response> ninth = forwarder.forward(addressB(), get(9, "a"));
        assertThat(ninth).isCompletedExceptionally();
        PeerUnavailableException e = failure(ninth);
        assertThat(e.reason()).isEqualTo(Reason.OVERLOADED);
        assertThat(e.mayHaveReachedPeer()).isFalse();
        for (int i = 0; i < 500 && nodeB.heldCount() < 8; i++) {
            Thread.sleep(10);
        }
        nodeB.releaseHeld();
        for (int i = 0; i < 8; i++) {
            assertThat(held.get(i).get(20, TimeUnit.SECONDS).getRequestId()).isEqualTo(i + 1);
        }
        assertThat(forwarder.inFlight(addressB())).isZero();
    }

    @Test
    void aClosedForwarderAndABadAddressAreRefused() {
        forwarder = new PeerForwarder(PeerForwarderOptions.defaults());
        assertThatThrownBy(() -> forwarder.forward("no-port", get(1, "a")).join())
                .isInstanceOf(CompletionException.class).hasCauseInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'no-port' is not host:port");
        assertThatThrownBy(() -> forwarder.forward("h:70000", get(1, "a")).join())
                .hasMessageContaining("allowed: 1..65535");
        forwarder.close();
        assertThatThrownBy(() -> forwarder.forward(addressB(), get(1, "a")).join())
                .hasCauseInstanceOf(PeerUnavailableException.class).hasMessageContaining("CLOSED");
    }
}
