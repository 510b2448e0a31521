package io.kvkit.raft.netty;

import io.kvkit.raft.transport.Transport;
import io.kvkit.raft.Entry;
import io.kvkit.raft.Message;
import io.kvkit.raft.MessageType;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Throughput of {@link NettyTransport} between two transports in one JVM on loopback: one
 * thread sends APPEND messages, each with {@code entriesPerMessage} entries of a 16-byte key and
 * a 100-byte value, over 64 groups, as fast as the queue accepts them (a refused send is retried:
 * back-pressure, counted). Prints messages/s and MB/s. Not a test; figures on a shared machine
 * are noisy.
 *
 * <pre>
 * mvn -B -q -pl kv-raft-netty -am package -DskipTests dependency:build-classpath -Dmdep.outputFile=cp.txt
 * java -cp kv-raft-netty/target/kv-raft-netty-0.1.0-SNAPSHOT.jar:$(cat kv-raft-netty/cp.txt) \
 *     io.kvkit.raft.netty.TransportThroughputMain 10 1
 * </pre>
 * Arguments: seconds (default 10), entries per message (default 1).
 */
public final class TransportThroughputMain {

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int entriesPerMessage = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        AtomicLong received = new AtomicLong();
        AtomicLong receivedPayloadBytes = new AtomicLong();
        Transport.Listener counting = new Transport.Listener() {
            @Override
            public void onMessage(long groupId, Message m) {
                received.incrementAndGet();
                receivedPayloadBytes.addAndGet(m.entryBytes());
            }

            @Override
            public void onUnreachable(long toNode) {
            }
        };
        Transport.Listener silent = new Transport.Listener() {
            @Override
            public void onMessage(long groupId, Message m) {
            }

            @Override
            public void onUnreachable(long toNode) {
            }
        };
        NettyTransportOptions opts = NettyTransportOptions.defaults();
        try (NettyTransport receiver = new NettyTransport(2, any, Map.of(), opts, counting);
             NettyTransport sender = new NettyTransport(1, any, Map.of(), opts, silent)) {
            receiver.start();
            sender.start();
            sender.addPeer(2, receiver.boundAddress());
            long connectDeadline = System.nanoTime() + 10_000_000_000L;
            while (!sender.isConnected(2)) {
                if (System.nanoTime() > connectDeadline) {
                    throw new IllegalStateException("sender did not connect to the receiver within 10 s");
                }
                Thread.sleep(5);
            }

            byte[] payload = new byte[16 + 100];
            for (int i = 0; i < payload.length; i++) {
                payload[i] = (byte) (i * 31);
            }
            long refused = 0;
            long sent = 0;
            long index = 0;
            // warm-up: 2 s not counted
            long warmupEnd = System.nanoTime() + 2_000_000_000L;
            long start = 0;
            long startReceived = 0;
            long startBytes = 0;
            long startWire = 0;
            long startFrames = 0;
            boolean measuring = false;
            long end = warmupEnd + seconds * 1_000_000_000L;
            while (true) {
                long now = System.nanoTime();
                if (!measuring && now >= warmupEnd) {
                    measuring = true;
                    start = now;
                    startReceived = received.get();
                    startBytes = receivedPayloadBytes.get();
                    startWire = receiver.stats().bytesReceived();
                    startFrames = receiver.stats().framesReceived();
                }
                if (now >= end) {
                    break;
                }
                List<Entry> entries = new ArrayList<>(entriesPerMessage);
                for (int e = 0; e < entriesPerMessage; e++) {
                    index++;
                    entries.add(Entry.normal(5, index, payload));
                }
                Message m = Message.of(MessageType.APPEND).from(1).to(2).term(5).logTerm(5)
                        .index(index - entriesPerMessage).commit(index - entriesPerMessage).entries(entries).build();
                while (!sender.send(2, index & 63, m)) {
                    refused++;
                    LockSupport.parkNanos(20_000); // a runtime would do other work; do not steal the event loops' CPU
                }
                sent++;
            }
            double secs = (System.nanoTime() - start) / 1e9;
            long msgs = received.get() - startReceived;
            long payloadBytes = receivedPayloadBytes.get() - startBytes;
            long wire = receiver.stats().bytesReceived() - startWire;
            long frames = receiver.stats().framesReceived() - startFrames;
            System.out.printf("NettyTransport loopback, %s, %d entr%s of 16 B key + 100 B value per APPEND, %.1f s measured%n",
                    sender.usesNativeEpoll() ? "epoll" : "nio", entriesPerMessage, entriesPerMessage == 1 ? "y" : "ies", secs);
            System.out.printf("  messages/s: %,.0f   entries/s: %,.0f%n", msgs / secs, msgs * entriesPerMessage / secs);
            System.out.printf("  payload MB/s (entry data + %d B overhead each): %.1f   wire MB/s: %.1f%n",
                    Entry.OVERHEAD_BYTES, payloadBytes / secs / 1e6, wire / secs / 1e6);
            System.out.printf("  messages per frame: %.1f   sends refused (queue full, retried): %,d of %,d%n",
                    frames == 0 ? 0 : (double) msgs / frames, refused, sent);
            System.out.println("  NOISY: shared machine with parallel builds; one run, no peer measured.");
        }
    }
}
