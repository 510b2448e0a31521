package io.kvkit.raft.netty;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.Message;
import io.kvkit.raft.MessageType;
import io.kvkit.raft.Snapshot;
import io.kvkit.raft.netty.NettyTransportOptions.SnapshotStreamOptions;
import io.kvkit.raft.transport.Transport;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Snapshot streaming between two transports in one JVM on loopback, with heartbeats flowing
 * beside it: one thread sends a HEARTBEAT every millisecond (open loop) from node 1 to node 2;
 * node 2 records when each arrives. Three phases, printed as a table:
 * <ol>
 *   <li>no transfer, for {@code baselineSeconds}: the heartbeat gap without snapshots;</li>
 *   <li>a snapshot of {@code sizeMiB} with no rate limit: throughput, and the gap during it;</li>
 *   <li>the same with a rate limit of {@code rateMiBps}.</li>
 * </ol>
 * The gap is the longest interval between two consecutive heartbeat arrivals (sent 1 ms apart).
 * For scale, the same bytes first go through a plain blocking socket pair on loopback (1 MiB
 * writes, no framing, no checksum): the ceiling of this machine at that moment.
 * Not a test; figures on a shared machine are noisy. Heap: about 3.5 x the snapshot size.
 *
 * <pre>
 * mvn -B -q -pl kv-raft-netty -am package -DskipTests dependency:build-classpath -Dmdep.outputFile=cp.txt
 * java -Xmx2g -cp kv-raft-netty/target/kv-raft-netty-0.1.0-SNAPSHOT.jar:$(cat kv-raft-netty/cp.txt) \
 *     io.kvkit.raft.netty.SnapshotStreamingMain 256 100 5
 * </pre>
 * Arguments: snapshot size in MiB (default 256), rate limit in MiB/s for the third phase
 * (default 100), baseline seconds (default 5), chunk size in KiB (default 1024), window in chunks
 * (default 4).
 */
public final class SnapshotStreamingMain {

    /** Heartbeat arrival times at the receiver, and the snapshots it got. */
    private static final class Receiver implements Transport.Listener {
        final long[] arrivals = new long[1 << 20];
        final AtomicLong count = new AtomicLong();
        volatile CountDownLatch snapshot = new CountDownLatch(1);

        @Override
        public void onMessage(long groupId, Message m) {
            if (m.type() == MessageType.HEARTBEAT) {
                long i = count.getAndIncrement();
                if (i < arrivals.length) {
                    arrivals[(int) i] = System.nanoTime();
                }
            } else if (m.type() == MessageType.SNAPSHOT) {
                snapshot.countDown();
            }
        }

        @Override
        public void onUnreachable(long toNode) {
        }

        /** Longest, 99.9th- and 99th-percentile gap (µs) between heartbeat arrivals in [from, to), and the count. */
        long[] gapsMicros(long from, long to) {
            int a = (int) Math.min(from, arrivals.length);
            int b = (int) Math.min(to, arrivals.length);
            if (b - a < 2) {
                return new long[]{0, 0, 0, b - a};
            }
            long[] gaps = new long[b - a - 1];
            for (int i = a + 1; i < b; i++) {
                gaps[i - a - 1] = arrivals[i] - arrivals[i - 1];
            }
            Arrays.sort(gaps);
            return new long[]{gaps[gaps.length - 1] / 1_000, gaps[(int) (gaps.length * 0.999)] / 1_000,
                    gaps[(int) (gaps.length * 0.99)] / 1_000, b - a};
        }
    }

    private static final class Sender implements Transport.Listener {
        volatile CountDownLatch status = new CountDownLatch(1);
        volatile boolean delivered;

        @Override
        public void onMessage(long groupId, Message m) {
        }

        @Override
        public void onUnreachable(long toNode) {
        }

        @Override
        public void onSnapshotStatus(long groupId, long toNode, boolean ok) {
            delivered = ok;
            status.countDown();
        }
    }

    /** Pushes {@code data} through a loopback socket pair in 1 MiB writes; returns MiB/s. */
    static double plainSocketMiBps(byte[] data) throws Exception {
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             java.net.Socket out = new java.net.Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             java.net.Socket in = server.accept()) {
            AtomicLong got = new AtomicLong();
            Thread reader = Thread.ofPlatform().start(() -> {
                byte[] buf = new byte[1 << 20];
                try (var is = in.getInputStream()) {
                    int n;
                    while (got.get() < data.length && (n = is.read(buf)) > 0) {
                        got.addAndGet(n);
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            long t0 = System.nanoTime();
            var os = out.getOutputStream();
            for (int off = 0; off < data.length; off += 1 << 20) {
                os.write(data, off, Math.min(1 << 20, data.length - off));
            }
            os.flush();
            reader.join();
            return data.length / (1024.0 * 1024.0) / ((System.nanoTime() - t0) / 1e9);
        }
    }

    public static void main(String[] args) throws Exception {
        int sizeMiB = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        long rateMiBps = args.length > 1 ? Long.parseLong(args[1]) : 100;
        int baselineSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int chunkKiB = args.length > 3 ? Integer.parseInt(args[3]) : SnapshotStreamOptions.defaults().chunkBytes() >> 10;
        int window = args.length > 4 ? Integer.parseInt(args[4]) : SnapshotStreamOptions.defaults().windowChunks();
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

        byte[] data = new byte[sizeMiB << 20];
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i + 8 <= data.length; i += 8) {
            long v = r.nextLong();
            for (int k = 0; k < 8; k++) {
                data[i + k] = (byte) (v >>> (8 * k));
            }
        }
        Snapshot snapshot = new Snapshot(1_000, 3, new ConfState(List.of(1L, 2L, 3L), List.of()), data);

        System.out.printf("plain socket on loopback, %d MiB: %.1f MiB/s%n", sizeMiB, plainSocketMiBps(data));
        System.out.printf("snapshot streaming on loopback: %d MiB, chunks of %d KiB, window %d; heartbeats every 1 ms%n",
                sizeMiB, chunkKiB, window);
        System.out.printf("%-28s %8s %8s %11s %12s %11s %10s%n", "phase", "seconds", "MiB/s", "max gap ms", "p99.9 gap ms",
                "p99 gap ms", "heartbeats");
        for (long rate : new long[]{-1, 0, rateMiBps << 20}) {
            Receiver rx = new Receiver();
            Sender tx = new Sender();
            NettyTransportOptions opts = NettyTransportOptions.defaults()
                    .withSnapshot(SnapshotStreamOptions.defaults().withChunkBytes(chunkKiB << 10).withWindowChunks(window)
                            .withRateBytesPerSecond(Math.max(rate, 0)));
            try (NettyTransport receiver = new NettyTransport(2, any, Map.of(), opts, rx);
                 NettyTransport sender = new NettyTransport(1, any, Map.of(), opts, tx)) {
                receiver.start();
                sender.start();
                sender.addPeer(2, receiver.boundAddress());
                while (!sender.isConnected(2)) {
                    Thread.sleep(5);
                }
                AtomicBoolean beating = new AtomicBoolean(true);
                Thread beats = Thread.ofPlatform().name("heartbeats").start(() -> {
                    long next = System.nanoTime();
                    long n = 0;
                    while (beating.get()) {
                        sender.send(2, 1, Message.of(MessageType.HEARTBEAT).from(1).to(2).term(3).commit(n++).build());
                        next += 1_000_000;
                        LockSupport.parkNanos(next - System.nanoTime());
                    }
                });
                Thread.sleep(500); // heartbeats flowing before the phase starts
                long firstBeat = rx.count.get();
                long t0 = System.nanoTime();
                String phase;
                if (rate < 0) {
                    phase = "no transfer";
                    Thread.sleep(baselineSeconds * 1_000L);
                } else {
                    phase = rate == 0 ? "transfer, unlimited" : "transfer, limit " + rateMiBps + " MiB/s";
                    sender.send(2, 9, Message.of(MessageType.SNAPSHOT).from(1).to(2).term(3).snapshot(snapshot).build());
                    if (!tx.status.await(10, TimeUnit.MINUTES) || !tx.delivered) {
                        throw new IllegalStateException("the transfer failed: " + sender.snapshotStats());
                    }
                }
                long elapsed = System.nanoTime() - t0;
                long lastBeat = rx.count.get();
                beating.set(false);
                beats.join();
                long[] gaps = rx.gapsMicros(firstBeat, lastBeat);
                double seconds = elapsed / 1e9;
                System.out.printf("%-28s %8.2f %8s %11.1f %12.1f %11.1f %10d%n", phase, seconds,
                        rate < 0 ? "-" : String.format("%.1f", sizeMiB / seconds), gaps[0] / 1e3, gaps[1] / 1e3, gaps[2] / 1e3, gaps[3]);
            }
        }
    }
}
