package io.kvkit.raft.netty;

import io.kvkit.raft.transport.Transport;
import io.kvkit.raft.transport.TransportStats;
import io.kvkit.raft.Entry;
import io.kvkit.raft.Message;
import io.kvkit.raft.MessageType;
import io.kvkit.raft.netty.proto.RaftEnvelope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(60)
class NettyTransportTest {

    static final InetSocketAddress ANY_LOOPBACK_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    static NettyTransportOptions fastReconnect() {
        return NettyTransportOptions.defaults().withReconnectBackoffMillis(20, 200);
    }

    /** Starts {@code n} transports (nodes 1..n) on loopback, all peers of each other, and waits until all are connected. */
    static List<NettyTransport> startCluster(int n, NettyTransportOptions opts, List<Recorder> recorders) throws InterruptedException {
        List<NettyTransport> ts = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            Recorder r = new Recorder();
            recorders.add(r);
            NettyTransport t = new NettyTransport(i, ANY_LOOPBACK_PORT, Map.of(), opts, r);
            ts.add(t);
            t.start();
        }
        for (NettyTransport a : ts) {
            for (NettyTransport b : ts) {
                if (a != b) {
                    a.addPeer(b.localNode(), b.boundAddress());
                }
            }
        }
        for (NettyTransport a : ts) {
            for (NettyTransport b : ts) {
                if (a != b) {
                    Recorder.await("node " + a.localNode() + " connected to " + b.localNode(), 10_000,
                            () -> a.isConnected(b.localNode()));
                }
            }
        }
        return ts;
    }

    static void closeAll(List<? extends Transport> ts) {
        for (Transport t : ts) {
            t.close();
        }
    }

    static Message append(long from, long to, long index, byte[] data) {
        return Message.of(MessageType.APPEND).from(from).to(to).term(3).logTerm(3).index(index).commit(index - 1)
                .entries(data == null ? List.of() : List.of(Entry.normal(3, index + 1, data))).build();
    }

    @Test
    void twoNodesExchangeManyGroupsInOrderWithoutLoss() throws Exception {
        exchange(2, 5_000, 64);
    }

    @Test
    void threeNodesExchangeManyGroupsInOrderWithoutLoss() throws Exception {
        exchange(3, 3_000, 100);
    }

    /** Every node sends {@code perPeer} messages to every other, spread over {@code groups} groups. */
    private void exchange(int nodes, int perPeer, int groups) throws Exception {
        long seed = RaftMessageCodecTest.seed();
        System.out.println("exchange(" + nodes + ") seed=" + seed);
        Random rnd = new Random(seed);
        List<Recorder> recs = new ArrayList<>();
        List<NettyTransport> ts = new ArrayList<>();
        try {
            ts = startCluster(nodes, fastReconnect(), recs);
            for (int k = 0; k < perPeer; k++) {
                for (NettyTransport from : ts) {
                    for (NettyTransport to : ts) {
                        if (from == to) {
                            continue;
                        }
                        long group = rnd.nextInt(groups);
                        byte[] data = null;
                        if (rnd.nextInt(4) == 0) {
                            data = new byte[rnd.nextInt(200)];
                            rnd.nextBytes(data);
                        }
                        // index = sequence number of this message for (from, to): order is checked per group below
                        assertThat(from.send(to.localNode(), group, append(from.localNode(), to.localNode(), k + 1, data)))
                                .as("send accepted").isTrue();
                    }
                }
            }
            int expected = perPeer * (nodes - 1);
            for (int i = 0; i < nodes; i++) {
                Recorder r = recs.get(i);
                Recorder.await("node " + (i + 1) + " received " + expected, 30_000, () -> r.receivedCount.get() >= expected);
            }
            for (int i = 0; i < nodes; i++) {
                Recorder r = recs.get(i);
                assertThat(r.receivedCount.get()).isEqualTo(expected);
                Map<Long, Long> lastIndexBySenderAndGroup = new HashMap<>();
                for (Recorder.Received got : r.received) {
                    assertThat(got.message().to()).isEqualTo(i + 1);
                    long key = got.message().from() * 1_000_000 + got.groupId();
                    long prev = lastIndexBySenderAndGroup.getOrDefault(key, 0L);
                    assertThat(got.message().index()).as("order per (sender, group), seed %d", seed).isGreaterThan(prev);
                    lastIndexBySenderAndGroup.put(key, got.message().index());
                }
                assertThat(r.unreachable).isEmpty();
            }
            for (NettyTransport t : ts) {
                TransportStats s = t.stats();
                assertThat(s.droppedTotal()).isZero();
                assertThat(s.messagesSent()).isEqualTo(expected);
                // batching: many messages share a frame
                assertThat(s.framesSent()).isLessThanOrEqualTo(s.messagesSent());
                assertThat(s.connectionsLost()).isZero();
            }
        } finally {
            closeAll(ts);
        }
    }

    @Test
    void batchesStayWithinTheBatchLimitAndLargeMessagesTravelAlone() throws Exception {
        // 8 KiB batches; messages of ~3 KiB (two per frame) mixed with ~20 KiB ones (alone in a frame)
        NettyTransportOptions opts = fastReconnect().withMaxBatchBytes(8 << 10);
        List<Recorder> recs = new ArrayList<>();
        List<NettyTransport> ts = new ArrayList<>();
        try {
            ts = startCluster(2, opts, recs);
            NettyTransport t1 = ts.get(0);
            int n = 600;
            for (int i = 1; i <= n; i++) {
                byte[] data = new byte[i % 10 == 0 ? 20 << 10 : 3 << 10];
                data[0] = (byte) i;
                assertThat(t1.send(2, i % 3, append(1, 2, i, data))).isTrue();
            }
            Recorder r2 = recs.get(1);
            Recorder.await("node 2 received " + n, 20_000, () -> r2.receivedCount.get() == n);
            long expectIndex = 1;
            for (Recorder.Received got : r2.received) {
                // one sender, one connection: global send order is kept, not only per group
                assertThat(got.message().index()).isEqualTo(expectIndex);
                assertThat(got.message().entries().getFirst().data()[0]).isEqualTo((byte) expectIndex);
                expectIndex++;
            }
            TransportStats s = t1.stats();
            assertThat(s.framesSent()).as("at most two small messages per 8 KiB frame").isGreaterThanOrEqualTo(n / 2);
            assertThat(s.bytesSent() / s.framesSent()).isLessThanOrEqualTo(21 << 10);
            assertThat(s.droppedTotal()).isZero();
        } finally {
            closeAll(ts);
        }
    }

    @Test
    void aPeerThatIsDownIsReportedUnreachableAndReachedOnceItComesUp() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // free now: nobody listens there until node 2 starts
        }
        InetSocketAddress addr2 = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        Recorder r1 = new Recorder();
        Recorder r2 = new Recorder();
        NettyTransport t1 = new NettyTransport(1, ANY_LOOPBACK_PORT, Map.of(2L, addr2), fastReconnect(), r1);
        NettyTransport t2 = new NettyTransport(2, addr2, Map.of(), fastReconnect(), r2);
        try {
            t1.start();
            Recorder.await("node 2 reported unreachable 3 times", 10_000, () -> r1.unreachableCount(2) >= 3);
            assertThat(t1.stats().connectFailures()).isGreaterThanOrEqualTo(3);
            assertThat(t1.isConnected(2)).isFalse();

            t2.start();
            Recorder.await("node 1 reconnected to node 2", 10_000, () -> t1.isConnected(2));
            for (int i = 1; i <= 500; i++) {
                assertThat(t1.send(2, 9, append(1, 2, i, null))).isTrue();
            }
            Recorder.await("node 2 received 500", 10_000, () -> r2.receivedCount.get() == 500);

            // node 2 goes away: the established connection is lost and reported
            int before = r1.unreachableCount(2);
            t2.close();
            Recorder.await("loss of node 2 reported", 10_000, () -> r1.unreachableCount(2) > before);
            assertThat(t1.stats().connectionsLost()).isEqualTo(1);
        } finally {
            t1.close();
            t2.close();
        }
    }

    @Test
    void oversizedFramesAndGarbageCloseOnlyThatConnection() throws Exception {
        NettyTransportOptions opts = fastReconnect().withMaxFrameBytes(64 << 10);
        List<Recorder> recs = new ArrayList<>();
        List<NettyTransport> ts = new ArrayList<>();
        try {
            ts = startCluster(2, opts, recs);
            NettyTransport t1 = ts.get(0);
            NettyTransport t2 = ts.get(1);
            InetSocketAddress target = t2.boundAddress();

            // a length over the limit
            assertClosedByPeer(target, ByteBuffer.allocate(8).putInt((64 << 10) + 1).putInt(0).array());
            // bytes that are not a frame: a negative length
            assertClosedByPeer(target, new byte[]{(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xfe, 1, 2, 3});
            // a well-formed length around bytes that are not a RaftEnvelope
            byte[] junk = new byte[100];
            new Random(7).nextBytes(junk);
            junk[0] = (byte) 0xff; // an invalid tag byte sequence
            junk[1] = (byte) 0xff;
            assertClosedByPeer(target, ByteBuffer.allocate(4 + junk.length).putInt(junk.length).put(junk).array());
            // a valid envelope for another node
            byte[] misrouted = RaftEnvelope.newBuilder().setFromNode(1).setToNode(99).build().toByteArray();
            assertClosedByPeer(target, ByteBuffer.allocate(4 + misrouted.length).putInt(misrouted.length).put(misrouted).array());

            Recorder.await("4 rejections counted", 5_000, () -> t2.stats().inboundConnectionsRejected() == 4);
            // the real peer's connection is untouched and still serves
            for (int i = 1; i <= 100; i++) {
                assertThat(t1.send(2, 1, append(1, 2, i, new byte[10]))).isTrue();
            }
            Recorder.await("node 2 received 100", 10_000, () -> recs.get(1).receivedCount.get() == 100);
            assertThat(t1.stats().connectionsLost()).isZero();

            // the sender refuses a message that could never fit a frame
            assertThat(t1.send(2, 1, append(1, 2, 101, new byte[70 << 10]))).isFalse();
            assertThat(t1.stats().droppedOversized()).isEqualTo(1);
        } finally {
            closeAll(ts);
        }
    }

    private static void assertClosedByPeer(InetSocketAddress target, byte[] bytes) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(target, 5_000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(bytes);
            out.flush();
            InputStream in = s.getInputStream();
            try {
                assertThat(in.read()).as("connection closed by the transport").isEqualTo(-1);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the transport did not close a connection that sent " + bytes.length + " bad bytes", e);
            } catch (IOException reset) {
                // connection reset: closed too
            }
        }
    }

    @Test
    void aQueueFullByCountDropsAndCountsMessages() throws Exception {
        fillQueue(fastReconnect().withMaxQueuedMessagesPerPeer(50), 16 << 10);
    }

    @Test
    void aQueueFullByBytesDropsAndCountsMessages() throws Exception {
        fillQueue(fastReconnect().withMaxQueuedBytesPerPeer(256 << 10), 16 << 10);
    }

    /**
     * A peer that accepts the connection and never reads: the socket buffers fill, Netty's
     * outbound buffer passes its high water mark, the queue fills, and send must drop.
     */
    private static void fillQueue(NettyTransportOptions limits, int payloadBytes) throws Exception {
        try (ServerSocket sink = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            sink.setReceiveBufferSize(64 << 10);
            Recorder r1 = new Recorder();
            NettyTransportOptions opts = limits.withWriteBufferWaterMarksBytes(16 << 10, 64 << 10);
            NettyTransport t1 = new NettyTransport(1, ANY_LOOPBACK_PORT,
                    Map.of(2L, new InetSocketAddress(InetAddress.getLoopbackAddress(), sink.getLocalPort())), opts, r1);
            try { // never accepted: the kernel completes the handshake and buffers into the backlog
                t1.start();
                Recorder.await("connected to the sink", 10_000, () -> t1.isConnected(2));
                byte[] payload = new byte[payloadBytes];
                int refused = 0;
                int total = 4_000; // 64 MiB offered: far more than socket buffers hold
                for (int i = 1; i <= total; i++) {
                    if (!t1.send(2, 1, append(1, 2, i, payload))) {
                        refused++;
                    }
                }
                TransportStats s = t1.stats();
                assertThat(refused).isGreaterThan(0);
                assertThat(s.droppedQueueFull()).isEqualTo(refused);
                assertThat(s.droppedOversized()).isZero();
                assertThat(s.messagesSent()).isLessThan(total - refused + 1);
            } finally {
                t1.close();
            }
        }
    }

    @Test
    void reconnectAttemptsBackOff() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Recorder r1 = new Recorder();
        // 20 ms doubling to 200 ms: in 1.5 s at most ~15 attempts (75 without backoff at 20 ms)
        NettyTransport t1 = new NettyTransport(1, ANY_LOOPBACK_PORT,
                Map.of(2L, new InetSocketAddress(InetAddress.getLoopbackAddress(), port)), fastReconnect(), r1);
        try {
            t1.start();
            Thread.sleep(1_500);
        } finally {
            t1.close();
        }
        long failures = t1.stats().connectFailures();
        assertThat(failures).isBetween(3L, 30L);
        // each failure is reported, except one that raced close()
        assertThat(r1.unreachableCount(2)).isBetween((int) failures - 1, (int) failures);
    }

    @Test
    void closingReleasesTheEventLoopThreads() throws Exception {
        List<Recorder> recs = new ArrayList<>();
        List<NettyTransport> ts = startCluster(2, fastReconnect(), recs);
        closeAll(ts);
        Recorder.await("no raft-netty threads left", 10_000, () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("raft-netty-1-") || t.getName().startsWith("raft-netty-2-")));
        assertThat(ts.get(0).send(2, 1, append(1, 2, 1, null))).isFalse();
        assertThat(ts.get(0).stats().droppedClosed()).isEqualTo(1);
    }
}
