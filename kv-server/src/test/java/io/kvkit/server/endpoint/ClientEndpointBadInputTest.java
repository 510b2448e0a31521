package io.kvkit.server.endpoint;

import io.kvkit.client.ProtocolLimits;
import io.kvkit.client.proto.HelloRequest;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.StatusCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Bad input on raw sockets: each case gets its answer (or none) and its closure, is counted by
 * reason, and the endpoint goes on serving a good client afterwards (checked after every test).
 */
class ClientEndpointBadInputTest {
    private static final long NODE_ID = 7;
    private static ExecutorService offLoop;
    private static MapRequestHandler handler;
    private static ClientEndpoint endpoint;

    @BeforeAll
    static void start() {
        offLoop = Executors.newFixedThreadPool(2);
        handler = new MapRequestHandler(NODE_ID, () -> "127.0.0.1:" + endpoint.localAddress().getPort(), offLoop);
        endpoint = ClientEndpoint.start(ClientEndpointOptions.defaults("127.0.0.1", 0, NODE_ID)
                .withHandshakeTimeout(Duration.ofMillis(500)), handler);
    }

    @AfterAll
    static void stop() {
        endpoint.close();
        offLoop.shutdownNow();
    }

    @AfterEach
    void stillServesAGoodClient() throws IOException {
        try (RawClient c = new RawClient(endpoint.localAddress())) {
            Response hello = c.hello(1);
            assertThat(hello.getStatus().getCode()).isEqualTo(StatusCode.OK);
            c.send(RawClient.get(2, "k"));
            Response r = c.read();
            assertThat(r.getRequestId()).isEqualTo(2);
            assertThat(r.getStatus().getCode()).isEqualTo(StatusCode.OK);
        }
    }

    private static long closed(CloseReason reason) {
        return endpoint.stats().closed(reason);
    }

    /** Waits (bounded) for a counter to reach a value: the endpoint counts on its own thread. */
    private static void awaitAtLeast(LongSupplier counter, long value) throws InterruptedException {
        for (int i = 0; i < 500 && counter.getAsLong() < value; i++) {
            Thread.sleep(10);
        }
        assertThat(counter.getAsLong()).isGreaterThanOrEqualTo(value);
    }

    @Test
    void helloIsAnsweredWithVersionNodeIdAndLimits() throws IOException {
        long calls = handler.calls.get();
        try (RawClient c = new RawClient(endpoint.localAddress())) {
            Response r = c.hello(42);
            assertThat(r.getRequestId()).isEqualTo(42);
            assertThat(r.getHello().getProtocolVersion()).isEqualTo(1);
            assertThat(r.getHello().getNodeId()).isEqualTo(NODE_ID);
            assertThat(r.getHello().getLimits()).isEqualTo(ProtocolLimits.defaults().toWire());
        }
        assertThat(handler.calls.get()).as("hello never reaches the handler").isEqualTo(calls);
    }

    @Test
    void lengthPrefixOverTheLimitIsRefusedBeforeBuffering() throws Exception {
        for (int length : new int[] {Integer.MAX_VALUE, -1, ProtocolLimits.DEFAULT_MAX_FRAME_BYTES + 1}) {
            long before = closed(CloseReason.FRAME_TOO_LONG);
            try (RawClient c = new RawClient(endpoint.localAddress())) {
                c.hello(1);
                c.sendBytes(ByteBuffer.allocate(12).putInt(length).putLong(0).array());
                Response r = c.read();
                assertThat(r.getRequestId()).isZero();
                assertThat(r.getStatus().getCode()).isEqualTo(StatusCode.INVALID_ARGUMENT);
                assertThat(r.getStatus().getMessage()).contains("max_frame_bytes=" + ProtocolLimits.DEFAULT_MAX_FRAME_BYTES);
                assertThat(c.closedByServer()).isTrue();
            }
            awaitAtLeast(() -> closed(CloseReason.FRAME_TOO_LONG), before + 1);
        }
    }

    @Test
    void bytesThatAreNoRequestCloseTheConnection() throws Exception {
        long before = closed(CloseReason.UNPARSEABLE_REQUEST);
        try (RawClient c = new RawClient(endpoint.localAddress())) {
            c.hello(1);
            c.sendBytes(new byte[] {0, 0, 0, 5, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
            Response r = c.read();
            assertThat(r.getStatus().getCode()).isEqualTo(StatusCode.INVALID_ARGUMENT);
            assertThat(r.getStatus().getMessage()).contains("does not parse as a kvkit.client.v1.Request");
            assertThat(c.closedByServer()).isTrue();
        }
        awaitAtLeast(() -> closed(CloseReason.UNPARSEABLE_REQUEST), before + 1);
    }

    @Test
    void truncatedFrameThenEofIsCounted() throws Exception {
        long before = closed(CloseReason.TRUNCATED_FRAME);
        try (RawClient c = new RawClient(endpoint.localAddress())) {
            c.hello(1);
            c.sendBytes(ByteBuffer.allocate(14).putInt(100).put(new byte[10]).array());
            c.socket.shutdownOutput();
            assertThat(c.closedByServer()).isTrue();
        }
        awaitAtLeast(() -> closed(CloseReason.TRUNCATED_FRAME), before + 1);
    }

    @Test
    void firstRequestMustBeHello() throws Exception {
        long before = closed(CloseReason.FIRST_REQUEST_NOT_HELLO);
        long calls = handler.calls.get();
        try (RawClient c = new RawClient(endpoint.localAddress())) {
            c.send(RawClient.get(9, "k"));
            Response r = c.read();
            assertThat(r.getRequestId()).isEqualTo(9);
            assertThat(r.getStatus().getCode()).isEqualTo(StatusCode.INVALID_ARGUMENT);
            assertThat(r.getStatus().getMessage()).contains("first request must be hello");
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(handler.calls.get()).isEqualTo(calls);
        awaitAtLeast(() -> closed(CloseReason.FIRST_REQUEST_NOT_HELLO), before + 1);
    }

    @Test
    void requestIdZeroIsRefusedAndTheConnectionStaysOpen() throws IOException {
        try (RawClient c = new RawClient(endpoint.localAddress())) {
            c.hello(1);
            c.send(RawClient.get(0, "k"));
            Response r = c.read();
            assertThat(r.getRequestId()).isZero();
            assertThat(r.getStatus().getCode()).isEqualTo(StatusCode.INVALID_ARGUMENT);
            assertThat(r.getStatus().getMessage()).contains("request_id 0");
            c.send(RawClient.get(3, "k"));
            assertThat(c.read().getStatus().getCode()).isEqualTo(StatusCode.OK);
        }
    }

    @Test
    void unsupportedVersionIsRefusedNamingTheVersionSpoken() throws Exception {
        long before = closed(CloseReason.UNSUPPORTED_VERSION);
        try (RawClient c = new RawClient(endpoint.localAddress())) {
            c.send(Request.newBuilder().setRequestId(5).setHello(HelloRequest.newBuilder().setProtocolVersion(2)).build());
            Response r = c.read();
            assertThat(r.getRequestId()).isEqualTo(5);
            assertThat(r.getStatus().getCode()).isEqualTo(StatusCode.UNSUPPORTED);
            assertThat(r.getStatus().getMessage()).contains("protocol version 2").contains("speaks version 1");
            assertThat(c.closedByServer()).isTrue();
        }
        awaitAtLeast(() -> closed(CloseReason.UNSUPPORTED_VERSION), before + 1);
    }

    @Test
    void noHelloWithinTheHandshakeTimeoutCloses() throws Exception {
        long before = closed(CloseReason.HANDSHAKE_TIMEOUT);
        try (RawClient c = new RawClient(endpoint.localAddress())) {
            assertThat(c.closedByServer()).isTrue(); // 500 ms handshake timeout, 10 s read timeout
        }
        awaitAtLeast(() -> closed(CloseReason.HANDSHAKE_TIMEOUT), before + 1);
    }

    @Test
    void aFailedHandlerFutureBecomesInternalNamingTheFailure() throws IOException {
        try (RawClient c = new RawClient(endpoint.localAddress())) {
            c.hello(1);
            c.send(RawClient.get(4, "fail"));
            Response r = c.read();
            assertThat(r.getRequestId()).isEqualTo(4);
            assertThat(r.getStatus().getCode()).isEqualTo(StatusCode.INTERNAL);
            assertThat(r.getStatus().getMessage()).contains("disk on fire");
            c.send(RawClient.get(6, "k"));
            assertThat(c.read().getStatus().getCode()).isEqualTo(StatusCode.OK);
        }
    }

    @Test
    void randomBytesEndInAClosureOfSomeReason() throws Exception {
        long seed = Long.getLong("kvkit.seed", System.nanoTime());
        System.out.println("ClientEndpointBadInputTest.randomBytes seed=" + seed + " (-Dkvkit.seed=" + seed + " replays)");
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 20; i++) {
            long closedBefore = totalClosed();
            boolean afterHello = random.nextBoolean();
            byte[] junk = new byte[1 + random.nextInt(4096)];
            random.nextBytes(junk);
            try (RawClient c = new RawClient(endpoint.localAddress())) {
                if (afterHello) {
                    c.hello(1);
                }
                c.sendBytes(junk);
                // every outcome closes: too long, no Request, not hello first, truncated at our EOF, or no hello in time
                c.socket.shutdownOutput();
                assertThat(c.closedByServer()).as("seed %d, round %d", seed, i).isTrue();
            } catch (IOException e) {
                // the server may reset the connection while junk is still being written: closed too
            }
            awaitAtLeast(this::totalClosed, closedBefore + 1);
        }
    }

    private long totalClosed() {
        return endpoint.stats().closedByReason().values().stream().mapToLong(Long::longValue).sum();
    }

    @Test
    void aPortInUseIsAClearError() {
        int port = endpoint.localAddress().getPort();
        assertThatThrownBy(() -> ClientEndpoint.start(ClientEndpointOptions.defaults("127.0.0.1", port, 8), handler))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("127.0.0.1:" + port)
                .hasCauseInstanceOf(BindException.class);
    }
}
