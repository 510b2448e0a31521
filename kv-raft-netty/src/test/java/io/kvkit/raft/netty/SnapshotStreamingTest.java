package io.kvkit.raft.netty;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.Message;
import io.kvkit.raft.MessageType;
import io.kvkit.raft.Snapshot;
import io.kvkit.raft.netty.NettyTransportOptions.SnapshotStreamOptions;
import io.kvkit.raft.netty.proto.RaftEnvelope;
import io.kvkit.raft.netty.proto.RaftSnapshotAck;
import io.kvkit.raft.netty.proto.RaftSnapshotChunk;
import io.kvkit.raft.netty.proto.RaftSnapshotOffer;
import io.kvkit.raft.storage.SnapshotCodec;
import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.zip.CRC32C;

import static io.kvkit.raft.netty.NettyTransportTest.ANY_LOOPBACK_PORT;
import static io.kvkit.raft.netty.NettyTransportTest.fastReconnect;
import static io.kvkit.raft.netty.Recorder.await;
import static org.assertj.core.api.Assertions.assertThat;

/** SNAPSHOT messages streamed in chunks between two transports on 127.0.0.1. */
@Timeout(90)
class SnapshotStreamingTest {

    static final long SNAPSHOT_GROUP = 9;
    static final long HEARTBEAT_GROUP = 1;

    /** Keeps statuses, and for each heartbeat how many snapshot bytes this node had received when it arrived. */
    static final class SnapshotRecorder extends Recorder {
        record Status(long groupId, long toNode, boolean delivered) {
        }

        final ConcurrentLinkedQueue<Status> statuses = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Long> snapshotBytesAtHeartbeat = new ConcurrentLinkedQueue<>();
        volatile NettyTransport self;

        @Override
        public void onMessage(long groupId, Message m) {
            if (m.type() == MessageType.HEARTBEAT && self != null) {
                snapshotBytesAtHeartbeat.add(self.snapshotStats().bytesReceived());
            }
            super.onMessage(groupId, m);
        }

        @Override
        public void onSnapshotStatus(long groupId, long toNode, boolean delivered) {
            statuses.add(new Status(groupId, toNode, delivered));
        }

        List<Message> snapshots() {
            List<Message> out = new ArrayList<>();
            for (Received r : received) {
                if (r.message().type() == MessageType.SNAPSHOT) {
                    out.add(r.message());
                }
            }
            return out;
        }
    }

    static NettyTransportOptions options(SnapshotStreamOptions snapshot) {
        return fastReconnect().withSnapshot(snapshot);
    }

    static SnapshotStreamOptions unlimited() {
        return SnapshotStreamOptions.defaults().withRateBytesPerSecond(0);
    }

    static Snapshot snapshotOf(int dataBytes, long seed) {
        byte[] data = new byte[dataBytes];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i + 8 <= data.length; i += 8) {
            long v = r.nextLong();
            for (int k = 0; k < 8; k++) {
                data[i + k] = (byte) (v >>> (8 * k));
            }
        }
        return new Snapshot(1_000 + seed, 7, new ConfState(List.of(1L, 2L, 3L), List.of(4L)), data);
    }

    static Message snapshotMessage(long from, long to, Snapshot s) {
        return Message.of(MessageType.SNAPSHOT).from(from).to(to).term(7).snapshot(s).build();
    }

    static Message heartbeat(long from, long to, long n) {
        return Message.of(MessageType.HEARTBEAT).from(from).to(to).term(7).commit(n).build();
    }

    /** Node 1 (sender) and node 2 (receiver); node 1 reaches node 2 at {@code via} (null: directly). */
    record Pair(NettyTransport sender, NettyTransport receiver, SnapshotRecorder senderRec, SnapshotRecorder receiverRec)
            implements AutoCloseable {
        @Override
        public void close() {
            sender.close();
            receiver.close();
        }
    }

    static Pair pair(NettyTransportOptions senderOpts, NettyTransportOptions receiverOpts, CuttableProxyFactory via)
            throws Exception {
        SnapshotRecorder sr = new SnapshotRecorder();
        SnapshotRecorder rr = new SnapshotRecorder();
        NettyTransport receiver = new NettyTransport(2, ANY_LOOPBACK_PORT, Map.of(), receiverOpts, rr);
        receiver.start();
        rr.self = receiver;
        NettyTransport sender = new NettyTransport(1, ANY_LOOPBACK_PORT, Map.of(), senderOpts, sr);
        sender.start();
        sr.self = sender;
        sender.addPeer(2, via == null ? receiver.boundAddress() : via.proxyTo(receiver).address());
        await("node 1 connected to node 2", 10_000, () -> sender.isConnected(2));
        return new Pair(sender, receiver, sr, rr);
    }

    interface CuttableProxyFactory {
        CuttableProxy proxyTo(NettyTransport receiver) throws IOException;
    }

    @Test
    void sixtyFourMiBSnapshotArrivesIntactWhileHeartbeatsKeepFlowing() throws Exception {
        Snapshot s = snapshotOf(64 << 20, 1);
        long total = SnapshotCodec.encode(new Snapshot(s.index(), s.term(), s.confState(), new byte[0])).length + (long) s.data().length;
        try (Pair p = pair(options(unlimited()), options(unlimited()), null)) {
            assertThat(p.sender.send(2, SNAPSHOT_GROUP, snapshotMessage(1, 2, s))).isTrue();
            // closed loop: the next heartbeat leaves once the previous one arrived, so the count of
            // heartbeats that arrive mid-transfer depends on interleaving, not on timing
            int sent = 0;
            while (p.senderRec.statuses.isEmpty()) {
                assertThat(p.sender.send(2, HEARTBEAT_GROUP, heartbeat(1, 2, sent))).isTrue();
                sent++;
                int expect = sent;
                await("heartbeat " + expect + " delivered", 20_000,
                        () -> p.receiverRec.snapshotBytesAtHeartbeat.size() >= expect || !p.senderRec.statuses.isEmpty());
            }
            await("snapshot status", 30_000, () -> !p.senderRec.statuses.isEmpty());
            assertThat(p.senderRec.statuses).containsExactly(new SnapshotRecorder.Status(SNAPSHOT_GROUP, 2, true));
            List<Message> got = p.receiverRec.snapshots();
            assertThat(got).hasSize(1);
            Message m = got.getFirst();
            assertThat(m.from()).isEqualTo(1);
            assertThat(m.term()).isEqualTo(7);
            assertThat(m.snapshot().index()).isEqualTo(s.index());
            assertThat(m.snapshot().confState()).isEqualTo(s.confState());
            assertThat(java.util.Arrays.equals(m.snapshot().data(), s.data())).as("64 MiB of data intact").isTrue();

            long midTransfer = p.receiverRec.snapshotBytesAtHeartbeat.stream().filter(b -> b > 0 && b < total).count();
            long distinctLevels = p.receiverRec.snapshotBytesAtHeartbeat.stream().filter(b -> b > 0 && b < total).distinct().count();
            System.out.println("64 MiB transfer: " + sent + " heartbeats sent, " + midTransfer + " delivered mid-transfer at "
                    + distinctLevels + " distinct progress levels; " + p.sender.snapshotStats() + " / " + p.receiver.snapshotStats());
            assertThat(distinctLevels).as("heartbeats delivered between chunks of the transfer").isGreaterThanOrEqualTo(3);
            assertThat(p.sender.snapshotStats().transfersSucceeded()).isEqualTo(1);
            assertThat(p.sender.snapshotStats().bytesSent()).isEqualTo(total);
            assertThat(p.receiver.snapshotStats().bytesReceived()).isEqualTo(total);
            assertThat(p.receiver.snapshotStats().snapshotsReceived()).isEqualTo(1);
            assertThat(p.sender.stats().droppedTotal()).isZero();
        }
    }

    @Test
    void rateLimitIsRespected() throws Exception {
        long rate = 16L << 20;
        SnapshotStreamOptions limited = SnapshotStreamOptions.defaults().withChunkBytes(256 << 10).withRateBytesPerSecond(rate);
        Snapshot s = snapshotOf(8 << 20, 2);
        try (Pair p = pair(options(limited), options(limited), null)) {
            long t0 = System.nanoTime();
            assertThat(p.sender.send(2, SNAPSHOT_GROUP, snapshotMessage(1, 2, s))).isTrue();
            await("snapshot status", 30_000, () -> !p.senderRec.statuses.isEmpty());
            long elapsed = System.nanoTime() - t0;
            long total = p.sender.snapshotStats().bytesSent();
            long floor = total * 1_000_000_000L / rate;
            System.out.printf("rate limit: %d bytes at %d B/s took %.3f s (floor %.3f s), throttled %d ms%n",
                    total, rate, elapsed / 1e9, floor / 1e9, p.sender.snapshotStats().throttledMillis());
            assertThat(p.senderRec.statuses).containsExactly(new SnapshotRecorder.Status(SNAPSHOT_GROUP, 2, true));
            assertThat(elapsed).as("a transfer of S bytes lasts at least S / rate").isGreaterThanOrEqualTo(floor);
            assertThat(p.sender.snapshotStats().throttledMillis()).isPositive();
        }
    }

    @Test
    void theRateLimitIsSharedByAllPeers() throws Exception {
        long rate = 16L << 20;
        SnapshotStreamOptions limited = SnapshotStreamOptions.defaults().withChunkBytes(256 << 10).withRateBytesPerSecond(rate);
        try (Pair p = pair(options(limited), options(limited), null)) {
            SnapshotRecorder third = new SnapshotRecorder();
            try (NettyTransport receiver3 = new NettyTransport(3, ANY_LOOPBACK_PORT, Map.of(), options(limited), third)) {
                receiver3.start();
                p.sender.addPeer(3, receiver3.boundAddress());
                await("node 1 connected to node 3", 10_000, () -> p.sender.isConnected(3));
                long t0 = System.nanoTime();
                assertThat(p.sender.send(2, SNAPSHOT_GROUP, snapshotMessage(1, 2, snapshotOf(4 << 20, 15)))).isTrue();
                assertThat(p.sender.send(3, SNAPSHOT_GROUP, snapshotMessage(1, 3, snapshotOf(4 << 20, 16)))).isTrue();
                await("both statuses", 30_000, () -> p.senderRec.statuses.size() == 2);
                long elapsed = System.nanoTime() - t0;
                long floor = p.sender.snapshotStats().bytesSent() * 1_000_000_000L / rate;
                assertThat(p.senderRec.statuses).allMatch(SnapshotRecorder.Status::delivered);
                assertThat(elapsed).as("two peers' transfers together last at least their bytes / rate").isGreaterThanOrEqualTo(floor);
            }
        }
    }

    @ParameterizedTest(name = "staged on disk: {0}")
    @ValueSource(booleans = {false, true})
    void connectionCutMidTransferReportsFailureThenAResendSucceeds(boolean staged, @TempDir Path dir) throws Exception {
        SnapshotStreamOptions so = unlimited().withChunkBytes(64 << 10).withStagingDir(staged ? dir : null);
        Snapshot s = snapshotOf(4 << 20, 3);
        CuttableProxy[] proxy = new CuttableProxy[1];
        try (Pair p = pair(options(so), options(so), r -> proxy[0] = new CuttableProxy(r.boundAddress()))) {
            try (CuttableProxy px = proxy[0]) {
                px.holdAfter(1 << 20); // the transfer stops a quarter of the way, the connection stays up
                assertThat(p.sender.send(2, SNAPSHOT_GROUP, snapshotMessage(1, 2, s))).isTrue();
                await("some chunks staged", 20_000, () -> p.receiver.snapshotStats().bytesReceived() > 0);
                await("held", 20_000, () -> px.forwardedBytes.get() >= 1 << 20);
                px.cut();
                await("failure reported", 20_000, () -> !p.senderRec.statuses.isEmpty());
                assertThat(p.senderRec.statuses).containsExactly(new SnapshotRecorder.Status(SNAPSHOT_GROUP, 2, false));
                assertThat(p.receiverRec.snapshots()).isEmpty();
                long firstAttempt = p.receiver.snapshotStats().bytesReceived();

                px.holdAfter(Long.MAX_VALUE);
                await("reconnected", 20_000, () -> p.sender.isConnected(2));
                assertThat(p.sender.send(2, SNAPSHOT_GROUP, snapshotMessage(1, 2, s))).isTrue();
                await("second status", 30_000, () -> p.senderRec.statuses.size() == 2);
                assertThat(p.senderRec.statuses).last().isEqualTo(new SnapshotRecorder.Status(SNAPSHOT_GROUP, 2, true));
                assertThat(p.receiverRec.snapshots()).hasSize(1);
                assertThat(java.util.Arrays.equals(p.receiverRec.snapshots().getFirst().snapshot().data(), s.data())).isTrue();
                SnapshotStreamStats rx = p.receiver.snapshotStats();
                long total = SnapshotCodec.encode(s).length;
                System.out.println("cut at " + firstAttempt + " bytes received; after the resend: " + rx);
                assertThat(p.sender.snapshotStats().transfersFailed()).isEqualTo(1);
                assertThat(p.sender.snapshotStats().transfersSucceeded()).isEqualTo(1);
                if (staged) {
                    // resumed where the staged file ended: no byte received twice
                    assertThat(rx.bytesReceived()).isEqualTo(total);
                } else {
                    // started over: the first attempt's bytes (a chunk more may have been staged after the read) and all again
                    assertThat(rx.bytesReceived()).isGreaterThanOrEqualTo(firstAttempt + total);
                }
            }
        }
    }

    @Test
    void aSnapshotLargerThanTheReceiverAcceptsIsRefusedAndTheConnectionStays() throws Exception {
        Snapshot s = snapshotOf(2 << 20, 4);
        try (Pair p = pair(options(unlimited()), options(unlimited().withMaxSnapshotBytes(1 << 20)), null)) {
            assertThat(p.sender.send(2, SNAPSHOT_GROUP, snapshotMessage(1, 2, s))).isTrue();
            await("status", 20_000, () -> !p.senderRec.statuses.isEmpty());
            assertThat(p.senderRec.statuses).containsExactly(new SnapshotRecorder.Status(SNAPSHOT_GROUP, 2, false));
            assertThat(p.receiver.snapshotStats().offersRefused()).isEqualTo(1);
            assertThat(p.sender.snapshotStats().bytesSent()).as("nothing streamed for a refused offer").isZero();
            assertThat(p.sender.send(2, HEARTBEAT_GROUP, heartbeat(1, 2, 1))).isTrue();
            await("heartbeat after the refusal", 10_000, () -> p.receiverRec.receivedCount.get() == 1);
            assertThat(p.receiver.stats().inboundConnectionsRejected()).isZero();
            assertThat(p.sender.stats().connectionsLost()).isZero();
        }
    }

    @Test
    void aSnapshotLargerThanTheSenderAllowsIsRefusedBySend() throws Exception {
        try (Pair p = pair(options(unlimited().withMaxSnapshotBytes(1 << 20)), options(unlimited()), null)) {
            assertThat(p.sender.send(2, SNAPSHOT_GROUP, snapshotMessage(1, 2, snapshotOf(1 << 20, 13)))).isFalse();
            assertThat(p.sender.stats().droppedOversized()).isEqualTo(1);
            assertThat(p.sender.snapshotStats().transfersStarted()).isZero();
            assertThat(p.senderRec.statuses).as("no status for a message send() refused").isEmpty();
        }
    }

    @Test
    void aTransferWithoutProgressTimesOutAndTheNextOneSucceeds() throws Exception {
        SnapshotStreamOptions so = unlimited().withChunkBytes(64 << 10).withProgressTimeoutMillis(300);
        CuttableProxy[] proxy = new CuttableProxy[1];
        try (Pair p = pair(options(so), options(so), r -> proxy[0] = new CuttableProxy(r.boundAddress()))) {
            try (CuttableProxy px = proxy[0]) {
                px.holdAfter(0); // the receiver never answers the offer; the connection stays up
                Snapshot s = snapshotOf(1 << 20, 14);
                assertThat(p.sender.send(2, SNAPSHOT_GROUP, snapshotMessage(1, 2, s))).isTrue();
                await("failure reported", 20_000, () -> !p.senderRec.statuses.isEmpty());
                assertThat(p.senderRec.statuses).containsExactly(new SnapshotRecorder.Status(SNAPSHOT_GROUP, 2, false));
                assertThat(p.sender.stats().connectionsLost()).isZero();

                px.holdAfter(Long.MAX_VALUE); // the stale offer arrives now; its ack is ignored
                assertThat(p.sender.send(2, SNAPSHOT_GROUP, snapshotMessage(1, 2, s))).isTrue();
                await("second status", 20_000, () -> p.senderRec.statuses.size() == 2);
                assertThat(p.senderRec.statuses).last().isEqualTo(new SnapshotRecorder.Status(SNAPSHOT_GROUP, 2, true));
                assertThat(p.receiverRec.snapshots()).hasSize(1);
                assertThat(p.sender.stats().connectionsLost()).isZero();
            }
        }
    }

    @Test
    void snapshotsForOneGroupCoalesceAndGroupsTakeTurns() throws Exception {
        SnapshotStreamOptions slow = unlimited().withChunkBytes(64 << 10);
        CuttableProxy[] proxy = new CuttableProxy[1];
        try (Pair p = pair(options(slow), options(slow), r -> proxy[0] = new CuttableProxy(r.boundAddress()))) {
            try (CuttableProxy px = proxy[0]) {
                px.holdAfter(256 << 10); // keep the first transfer running while the others arrive
                assertThat(p.sender.send(2, 5, snapshotMessage(1, 2, snapshotOf(1 << 20, 5)))).isTrue();
                await("first transfer under way", 20_000, () -> px.forwardedBytes.get() >= 256 << 10);
                assertThat(p.sender.send(2, 6, snapshotMessage(1, 2, snapshotOf(100_000, 6)))).isTrue();
                assertThat(p.sender.send(2, 5, snapshotMessage(1, 2, snapshotOf(1 << 20, 7)))).isTrue();   // joins the running one
                assertThat(p.sender.send(2, 6, snapshotMessage(1, 2, snapshotOf(200_000, 8)))).isTrue();   // replaces the waiting one
                px.holdAfter(Long.MAX_VALUE);
                await("four statuses", 30_000, () -> p.senderRec.statuses.size() == 4);
                assertThat(p.senderRec.statuses).containsExactly(
                        new SnapshotRecorder.Status(5, 2, true), new SnapshotRecorder.Status(5, 2, true),
                        new SnapshotRecorder.Status(6, 2, true), new SnapshotRecorder.Status(6, 2, true));
                List<Message> got = p.receiverRec.snapshots();
                assertThat(got).extracting(m -> m.snapshot().index()).containsExactly(1_005L, 1_008L);
                assertThat(p.sender.snapshotStats().transfersStarted()).isEqualTo(2);
                assertThat(p.sender.snapshotStats().coalesced()).isEqualTo(2);
            }
        }
    }

    @Test
    void moreSnapshotsThanAllowedPerPeerAreRefusedBySend() throws Exception {
        CuttableProxy[] proxy = new CuttableProxy[1];
        SnapshotStreamOptions two = unlimited().withChunkBytes(64 << 10).withMaxQueuedPerPeer(2);
        try (Pair p = pair(options(two), options(two), r -> proxy[0] = new CuttableProxy(r.boundAddress()))) {
            try (CuttableProxy px = proxy[0]) {
                px.holdAfter(0);
                assertThat(p.sender.send(2, 1, snapshotMessage(1, 2, snapshotOf(1 << 20, 9)))).isTrue();
                assertThat(p.sender.send(2, 2, snapshotMessage(1, 2, snapshotOf(1 << 20, 10)))).isTrue();
                assertThat(p.sender.send(2, 3, snapshotMessage(1, 2, snapshotOf(1 << 20, 11)))).isFalse();
                assertThat(p.sender.stats().droppedQueueFull()).isEqualTo(1);
                px.holdAfter(Long.MAX_VALUE);
                await("two statuses", 30_000, () -> p.senderRec.statuses.size() == 2);
                assertThat(p.senderRec.statuses).allMatch(SnapshotRecorder.Status::delivered);
            }
        }
    }

    @Test
    void everyAcceptedSnapshotGetsOneStatusWhenThePeerIsRemovedOrTheTransportCloses() throws Exception {
        SnapshotStreamOptions so = unlimited().withChunkBytes(64 << 10);
        CuttableProxy[] proxy = new CuttableProxy[1];
        try (Pair p = pair(options(so), options(so), r -> proxy[0] = new CuttableProxy(r.boundAddress()))) {
            try (CuttableProxy px = proxy[0]) {
                px.holdAfter(0); // nothing gets through: every transfer stays pending
                for (long g = 1; g <= 3; g++) {
                    assertThat(p.sender.send(2, g, snapshotMessage(1, 2, snapshotOf(1 << 20, 20 + g)))).isTrue();
                }
                assertThat(p.sender.send(2, 2, snapshotMessage(1, 2, snapshotOf(1 << 20, 30)))).isTrue(); // coalesced
                p.sender.removePeer(2);
                await("four statuses", 20_000, () -> p.senderRec.statuses.size() == 4);
                assertThat(p.senderRec.statuses).allMatch(st -> !st.delivered()).extracting(SnapshotRecorder.Status::groupId)
                        .containsExactlyInAnyOrder(1L, 2L, 2L, 3L);
                assertThat(p.sender.snapshotStats().transfersFailed()).isEqualTo(3);

                p.sender.addPeer(2, px.address());
                await("reconnected", 20_000, () -> p.sender.isConnected(2));
                assertThat(p.sender.send(2, 4, snapshotMessage(1, 2, snapshotOf(1 << 20, 40)))).isTrue();
                p.sender.close();
                assertThat(p.senderRec.statuses).as("reported during close()").hasSize(5).last()
                        .isEqualTo(new SnapshotRecorder.Status(4, 2, false));
            }
        }
    }

    /** What a misbehaving peer sends after a valid offer. */
    enum BadChunk { WRONG_CRC, LONGER_THAN_CHUNK_BYTES, WRONG_OFFSET, NOT_OFFERED, WHOLE_CHECKSUM_WRONG }

    @ParameterizedTest
    @EnumSource(BadChunk.class)
    void aBadChunkClosesOnlyThatConnectionAndIsCounted(BadChunk bad) throws Exception {
        SnapshotStreamOptions so = unlimited().withChunkBytes(64 << 10);
        try (Pair p = pair(options(so), options(so), null);
             Socket raw = new Socket(p.receiver.boundAddress().getAddress(), p.receiver.boundAddress().getPort())) {
            raw.setSoTimeout(20_000);
            Snapshot s = snapshotOf(100_000, 12);
            byte[] encoded = SnapshotCodec.encode(s);
            if (bad == BadChunk.WHOLE_CHECKSUM_WRONG) {
                encoded[encoded.length / 2] ^= 1; // every chunk CRC is computed over the damaged bytes
            }
            Message header = snapshotMessage(3, 2, new Snapshot(s.index(), s.term(), s.confState(), new byte[0]));
            OutputStream out = raw.getOutputStream();
            writeFrame(out, RaftEnvelope.newBuilder().setFromNode(3).setToNode(2).setSnapshotOffer(RaftSnapshotOffer.newBuilder()
                    .setTransferId(77).setMessage(RaftMessageCodec.encode(SNAPSHOT_GROUP, header)).setTotalBytes(encoded.length)).build());
            RaftSnapshotAck start = readFrame(raw.getInputStream()).getSnapshotAck();
            assertThat(start.getTransferId()).isEqualTo(77);
            assertThat(start.getRefused()).isFalse();
            assertThat(start.getReceivedBytes()).isZero();

            int chunk = 64 << 10;
            for (int off = 0; off < encoded.length; off += chunk) {
                int len = Math.min(chunk, encoded.length - off);
                byte[] piece = java.util.Arrays.copyOfRange(encoded, off, off + len);
                CRC32C crc = new CRC32C();
                crc.update(piece);
                RaftSnapshotChunk.Builder c = RaftSnapshotChunk.newBuilder().setTransferId(77).setOffset(off)
                        .setData(ByteString.copyFrom(piece)).setCrc32C((int) crc.getValue());
                switch (bad) {
                    case WRONG_CRC -> c.setCrc32C((int) crc.getValue() + 1);
                    case LONGER_THAN_CHUNK_BYTES -> c.setData(ByteString.copyFrom(new byte[chunk + 1]));
                    case WRONG_OFFSET -> c.setOffset(off + 1);
                    case NOT_OFFERED -> c.setTransferId(78);
                    case WHOLE_CHECKSUM_WRONG -> { }
                }
                writeFrame(out, RaftEnvelope.newBuilder().setFromNode(3).setToNode(2).setSnapshotChunk(c).build());
                if (bad != BadChunk.WHOLE_CHECKSUM_WRONG) {
                    break;
                }
                if (off + len < encoded.length) {
                    readFrame(raw.getInputStream()); // its ack; the last one is refused instead
                }
            }
            assertThat(readsEndOfStream(raw.getInputStream())).as("receiver closed the connection").isTrue();
            await("rejection counted", 10_000, () -> p.receiver.stats().inboundConnectionsRejected() == 1);
            assertThat(p.receiver.snapshotStats().transfersRejected()).isEqualTo(1);
            assertThat(p.receiverRec.snapshots()).isEmpty();
            // the real peer's connection is untouched
            assertThat(p.sender.send(2, HEARTBEAT_GROUP, heartbeat(1, 2, 1))).isTrue();
            await("heartbeat from the real peer", 10_000, () -> p.receiverRec.receivedCount.get() == 1);
            assertThat(p.sender.stats().connectionsLost()).isZero();
        }
    }

    @Test
    void nativeEpollIsUsedOnLinuxX86() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name").startsWith("Linux")
                && System.getProperty("os.arch").equals("amd64"), "the native epoll library in the pom is linux-x86_64");
        try (Pair p = pair(options(unlimited()), options(unlimited()), null)) {
            assertThat(p.sender.usesNativeEpoll()).isTrue();
            assertThat(p.receiver.usesNativeEpoll()).isTrue();
        }
    }

    static void writeFrame(OutputStream out, RaftEnvelope env) throws IOException {
        byte[] body = env.toByteArray();
        out.write(ByteBuffer.allocate(4).putInt(body.length).array());
        out.write(body);
        out.flush();
    }

    static RaftEnvelope readFrame(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        byte[] body = new byte[d.readInt()];
        d.readFully(body);
        return RaftEnvelope.parseFrom(body);
    }

    static boolean readsEndOfStream(InputStream in) throws IOException {
        try {
            while (true) {
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset by the peer: closed as well
        }
    }
}
