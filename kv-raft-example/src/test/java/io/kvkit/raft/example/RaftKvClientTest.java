package io.kvkit.raft.example;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** The client's retry rule: only a request that certainly never reached a node is sent again. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RaftKvClientTest {

    /**
     * A node that reads a request and dies before answering may have executed it. Retrying it
     * elsewhere applies the write twice (ExampleClusterTest saw exactly that: a put visible
     * before two later puts and again after them), so the call must fail as outcome-unknown.
     * The bug was a message-prefix test: "connection ... lost" starts with "connect".
     */
    @Test
    void aRequestLostInFlightIsNotRetried() throws Exception {
        AtomicInteger requestsReceived = new AtomicInteger();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        DataInputStream in = new DataInputStream(s.getInputStream());
                        int length = in.readInt(); // one framed request, then die without answering
                        in.readNBytes(length);
                        requestsReceived.incrementAndGet();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            InetSocketAddress address = (InetSocketAddress) server.getLocalSocketAddress();
            try (RaftKvClient client = new RaftKvClient(Map.of(1L, address), 5_000)) {
                Throwable failure = catchThrowable(() -> client.put(1, bytes("k"), bytes("v")).get(10, TimeUnit.SECONDS));
                assertThat(failure).isInstanceOf(ExecutionException.class);
                assertThat(failure.getCause()).as("fails as outcome-unknown, not by timing out after retries")
                        .isInstanceOf(RaftKvClient.KvException.class);
                assertThat(((RaftKvClient.KvException) failure.getCause()).outcomeUnknown()).isTrue();
                assertThat(requestsReceived.get()).as("the request was sent once").isEqualTo(1);
            } finally {
                server.close();
                acceptor.join(5_000);
            }
        }
    }

    /** A node that refuses the connection never saw the request: that one is retried (here until the timeout). */
    @Test
    void aRefusedConnectionIsRetriedUntilTheTimeout() throws Exception {
        InetSocketAddress closed;
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            closed = (InetSocketAddress) s.getLocalSocketAddress();
        }
        try (RaftKvClient client = new RaftKvClient(Map.of(1L, closed), 500)) {
            Throwable failure = catchThrowable(() -> client.put(1, bytes("k"), bytes("v")).get(10, TimeUnit.SECONDS));
            assertThat(failure.getCause()).isInstanceOf(java.util.concurrent.TimeoutException.class);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
