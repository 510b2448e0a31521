package io.kvkit.server.endpoint;

import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.ServerLimits;
import io.kvkit.client.proto.StatusCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bounded memory per connection: the in-flight bound stops reading; a client that never reads
 * its answers is no longer read (or is closed once its unread answers pass the byte bound), and
 * other clients are served meanwhile.
 */
class ClientEndpointBackPressureTest {
    private static final long NODE_ID = 3;
    /** Small limits so the bounds are reached quickly: 1 MiB frames, 512 KiB values. */
    private static final ServerLimits LIMITS = ServerLimits.newBuilder().setMaxKeyBytes(1024).setMaxValueBytes(512 * 1024)
            .setMaxFrameBytes(1024 * 1024).setMaxBatchOperations(100).setMaxScanLimit(100).build();
    private static final int MAX_IN_FLIGHT = 64;
    private static final long MAX_PENDING_BYTES = 2L * 1024 * 1024;

    private final ExecutorService offLoop = Executors.newFixedThreadPool(2);
    private final List<RawClient> clients = new ArrayList<>();
    private final List<Thread> writers = new ArrayList<>();
    private MapRequestHandler handler;
    private ClientEndpoint endpoint;

    private void start() {
        handler = new MapRequestHandler(NODE_ID, () -> "127.0.0.1:" + endpoint.localAddress().getPort(), offLoop);
        endpoint = ClientEndpoint.start(ClientEndpointOptions.defaults("127.0.0.1", 0, NODE_ID).withLimits(LIMITS)
                .withMaxInFlightPerConnection(MAX_IN_FLIGHT).withMaxPendingResponseBytesPerConnection(MAX_PENDING_BYTES), handler);
    }

    @AfterEach
    void stop() throws Exception {
        for (RawClient c : clients) {
            c.close();
        }
        for (Thread t : writers) {
            t.join(5000);
        }
        handler.releaseHeld();
        endpoint.close();
        offLoop.shutdownNow();
        offLoop.awaitTermination(5, TimeUnit.SECONDS);
    }

    /** A client that sends {@code count} gets (after a hello) from its own thread and reads nothing. */
    private RawClient nonReadingClient(int count) throws IOException {
        RawClient c = new RawClient(endpoint.localAddress(), 4096);
        clients.add(c);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        for (int id = 2; id < count + 2; id++) {
            byte[] body = RawClient.get(id, "key-" + id).toByteArray();
            out.writeInt(body.length);
            out.write(body);
        }
        c.hello(1);
        Thread writer = Thread.ofPlatform().name("non-reading-client").daemon().start(() -> {
            try {
                c.sendBytes(bytes.toByteArray()); // blocks once the endpoint stops reading; ends when the socket closes
            } catch (IOException e) {
                // closed by the endpoint or by the test
            }
        });
        writers.add(writer);
        return c;
    }

    /** The value once it has not changed for 300 ms (bounded to 10 s). */
    private static long settled(LongSupplier counter) throws InterruptedException {
        long last = counter.getAsLong();
        for (int i = 0; i < 100; i++) {
            Thread.sleep(300);
            long now = counter.getAsLong();
            if (now == last) {
                return now;
            }
            last = now;
        }
        throw new AssertionError("counter still moving after 30 s: " + last);
    }

    private void assertAGoodClientIsServed() throws IOException {
        try (RawClient good = new RawClient(endpoint.localAddress())) {
            assertThat(good.hello(1).getStatus().getCode()).isEqualTo(StatusCode.OK);
            for (int id = 2; id < 12; id++) {
                good.send(RawClient.get(id, "k"));
            }
            for (int id = 2; id < 12; id++) {
                Response r = good.read();
                assertThat(r.getStatus().getCode()).isEqualTo(StatusCode.OK);
            }
        }
    }

    @Test
    void atTheInFlightBoundReadingStopsUntilAnswersFreeSlots() throws Exception {
        start();
        handler.hold = true; // nothing is answered: every request handed over stays in flight
        int sent = 100_000;
        RawClient c = nonReadingClient(sent);
        long handled = settled(() -> endpoint.stats().requestsHandled());
        assertThat(handled).as("requests handed to the handler while none is answered").isEqualTo(MAX_IN_FLIGHT);
        assertThat(handler.heldCount()).isEqualTo(MAX_IN_FLIGHT);
        // the socket is no longer read: what was parsed beyond the bound is the rest of one read buffer, not the stream
        long received = settled(() -> endpoint.stats().requestsReceived());
        assertThat(received).as("requests read of %d sent", sent).isLessThan(sent / 10);
        // answering frees the slots: the connection is read again (the client still reads nothing, so it stops again later)
        handler.releaseHeld();
        long later = settled(() -> endpoint.stats().requestsHandled());
        assertThat(later).isGreaterThan(MAX_IN_FLIGHT);
        assertThat(c.socket.isClosed()).isFalse();
        assertAGoodClientIsServed();
    }

    @Test
    void manyClientsThatNeverReadAreNoLongerReadAndOthersAreServed() throws Exception {
        start();
        handler.valueSize = 256 * 1024; // answered at once, 256 KiB each: the outbound buffer fills after a few
        handler.inline = true; // so no answers are still coming once the connection is not writable
        int clientCount = 8;
        int perClient = 5_000;
        for (int i = 0; i < clientCount; i++) {
            nonReadingClient(perClient);
        }
        long handled = settled(() -> endpoint.stats().requestsHandled());
        // each client got as many answers as the kernel buffers and the 1 MiB high-water mark hold, then was no longer read
        assertThat(handled).as("requests handled for %d clients that read nothing", clientCount)
                .isLessThan((long) clientCount * perClient / 4);
        assertThat(endpoint.stats().openConnections()).as("stalled, not closed: unread answers stay under the bound")
                .isEqualTo(clientCount);
        assertThat(endpoint.stats().closed(CloseReason.RESPONSES_NOT_READ)).isZero();
        assertThat(settled(() -> endpoint.stats().requestsReceived())).as("requests read: the sockets are no longer read")
                .isLessThan((long) clientCount * perClient / 4);
        assertAGoodClientIsServed();
        assertThat(settled(() -> endpoint.stats().requestsHandled())).isLessThan((long) clientCount * perClient / 4);
    }

    @Test
    void unreadAnswersOverTheByteBoundCloseTheConnection() throws Exception {
        start();
        handler.valueSize = 500 * 1024;
        handler.hold = true; // answers come all at once: 64 x 500 KiB, far over the 2 MiB bound
        RawClient c = nonReadingClient(1_000);
        assertThat(settled(() -> handler.heldCount())).isEqualTo(MAX_IN_FLIGHT);
        handler.releaseHeld();
        for (int i = 0; i < 500 && endpoint.stats().closed(CloseReason.RESPONSES_NOT_READ) == 0; i++) {
            Thread.sleep(10);
        }
        assertThat(endpoint.stats().closed(CloseReason.RESPONSES_NOT_READ)).isEqualTo(1);
        assertThat(c.closedByServer()).isTrue();
        assertThat(endpoint.stats().requestsHandled()).isLessThan(1_000);
        assertAGoodClientIsServed();
    }
}
