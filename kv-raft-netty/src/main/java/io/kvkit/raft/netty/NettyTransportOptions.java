package io.kvkit.raft.netty;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Every setting of a {@link NettyTransport}, with its default and unit in its name.
 *
 * @param maxFrameBytes                  largest frame accepted or sent, length prefix excluded;
 *                                       a larger inbound frame closes that connection. Default 16 MiB.
 *                                       Every node of a cluster must use the same value.
 * @param maxBatchBytes                  a flush packs queued messages into one frame up to about
 *                                       this many bytes (a single larger message goes alone).
 *                                       Default 1 MiB; at most {@code maxFrameBytes}.
 * @param maxFramesPerFlush              frames written before the event loop yields to other
 *                                       connections. Default 16.
 * @param maxQueuedMessagesPerPeer       messages waiting for one destination; more are dropped.
 *                                       Default 16,384.
 * @param maxQueuedBytesPerPeer          encoded bytes waiting for one destination; more are
 *                                       dropped. Default 64 MiB.
 * @param connectTimeoutMillis           one connection attempt. Default 1,000 ms.
 * @param reconnectInitialBackoffMillis  delay before the first retry after a failure or a lost
 *                                       connection; doubles each failure. Default 50 ms.
 * @param reconnectMaxBackoffMillis      the delay stops doubling here. Default 2,000 ms. Each
 *                                       delay is drawn uniformly from [d/2, d] (jitter).
 * @param ioThreads                      Netty event loop threads (shared by all connections and
 *                                       the listener callbacks). Default 2.
 * @param preferNativeEpoll              use native epoll when {@code Epoll.isAvailable()}, else
 *                                       NIO. Default true.
 * @param writeBufferLowWaterMarkBytes   a connection becomes writable again below this many
 *                                       bytes unsent in Netty's buffer. Default 512 KiB.
 * @param writeBufferHighWaterMarkBytes  above this many bytes unsent in Netty's buffer the
 *                                       transport stops draining the queue (which then fills,
 *                                       and {@code send} drops): back-pressure. Default 4 MiB.
 * @param tcpNoDelay                     disable Nagle (batching is done here). Default true.
 * @param snapshot                       how SNAPSHOT messages are streamed: chunk size, window,
 *                                       rate limit, staging ({@link SnapshotStreamOptions})
 */
public record NettyTransportOptions(int maxFrameBytes, int maxBatchBytes, int maxFramesPerFlush,
                                    int maxQueuedMessagesPerPeer, long maxQueuedBytesPerPeer,
                                    int connectTimeoutMillis, long reconnectInitialBackoffMillis,
                                    long reconnectMaxBackoffMillis, int ioThreads, boolean preferNativeEpoll,
                                    int writeBufferLowWaterMarkBytes, int writeBufferHighWaterMarkBytes,
                                    boolean tcpNoDelay, SnapshotStreamOptions snapshot) {

    public NettyTransportOptions {
        positive("maxFrameBytes", maxFrameBytes);
        positive("maxBatchBytes", maxBatchBytes);
        positive("maxFramesPerFlush", maxFramesPerFlush);
        positive("maxQueuedMessagesPerPeer", maxQueuedMessagesPerPeer);
        positive("maxQueuedBytesPerPeer", maxQueuedBytesPerPeer);
        positive("connectTimeoutMillis", connectTimeoutMillis);
        positive("reconnectInitialBackoffMillis", reconnectInitialBackoffMillis);
        positive("ioThreads", ioThreads);
        positive("writeBufferLowWaterMarkBytes", writeBufferLowWaterMarkBytes);
        Objects.requireNonNull(snapshot, "snapshot");
        if (snapshot.chunkBytes() > maxFrameBytes - SNAPSHOT_FRAME_OVERHEAD_BYTES) {
            throw new IllegalArgumentException("snapshot.chunkBytes (" + snapshot.chunkBytes() + ") must be <= maxFrameBytes - "
                    + SNAPSHOT_FRAME_OVERHEAD_BYTES + " (" + (maxFrameBytes - SNAPSHOT_FRAME_OVERHEAD_BYTES)
                    + "): a chunk travels in one frame with its envelope");
        }
        if (maxBatchBytes > maxFrameBytes) {
            throw new IllegalArgumentException("maxBatchBytes (" + maxBatchBytes + ") must be <= maxFrameBytes (" + maxFrameBytes + ")");
        }
        if (reconnectMaxBackoffMillis < reconnectInitialBackoffMillis) {
            throw new IllegalArgumentException("reconnectMaxBackoffMillis (" + reconnectMaxBackoffMillis
                    + ") must be >= reconnectInitialBackoffMillis (" + reconnectInitialBackoffMillis + ")");
        }
        if (writeBufferHighWaterMarkBytes < writeBufferLowWaterMarkBytes) {
            throw new IllegalArgumentException("writeBufferHighWaterMarkBytes (" + writeBufferHighWaterMarkBytes
                    + ") must be >= writeBufferLowWaterMarkBytes (" + writeBufferLowWaterMarkBytes + ")");
        }
    }

    /** Room for a chunk's envelope, ids, offset and CRC in its frame, beyond the chunk bytes. */
    static final int SNAPSHOT_FRAME_OVERHEAD_BYTES = 1024;

    public static NettyTransportOptions defaults() {
        return new NettyTransportOptions(16 << 20, 1 << 20, 16, 16_384, 64L << 20, 1_000, 50, 2_000, 2, true,
                512 << 10, 4 << 20, true, SnapshotStreamOptions.defaults());
    }

    private static void positive(String name, long v) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + v);
        }
    }

    /** Also lowers {@code snapshot.chunkBytes} if a chunk would no longer fit in a frame. */
    public NettyTransportOptions withMaxFrameBytes(int v) {
        return new NettyTransportOptions(v, Math.min(maxBatchBytes, v), maxFramesPerFlush, maxQueuedMessagesPerPeer,
                maxQueuedBytesPerPeer, connectTimeoutMillis, reconnectInitialBackoffMillis, reconnectMaxBackoffMillis,
                ioThreads, preferNativeEpoll, writeBufferLowWaterMarkBytes, writeBufferHighWaterMarkBytes, tcpNoDelay,
                snapshot.chunkBytes() <= v - SNAPSHOT_FRAME_OVERHEAD_BYTES ? snapshot
                        : snapshot.withChunkBytes(Math.max(1, v - SNAPSHOT_FRAME_OVERHEAD_BYTES)));
    }

    public NettyTransportOptions withMaxBatchBytes(int v) {
        return new NettyTransportOptions(maxFrameBytes, v, maxFramesPerFlush, maxQueuedMessagesPerPeer,
                maxQueuedBytesPerPeer, connectTimeoutMillis, reconnectInitialBackoffMillis, reconnectMaxBackoffMillis,
                ioThreads, preferNativeEpoll, writeBufferLowWaterMarkBytes, writeBufferHighWaterMarkBytes, tcpNoDelay, snapshot);
    }

    public NettyTransportOptions withMaxQueuedMessagesPerPeer(int v) {
        return new NettyTransportOptions(maxFrameBytes, maxBatchBytes, maxFramesPerFlush, v,
                maxQueuedBytesPerPeer, connectTimeoutMillis, reconnectInitialBackoffMillis, reconnectMaxBackoffMillis,
                ioThreads, preferNativeEpoll, writeBufferLowWaterMarkBytes, writeBufferHighWaterMarkBytes, tcpNoDelay, snapshot);
    }

    public NettyTransportOptions withMaxQueuedBytesPerPeer(long v) {
        return new NettyTransportOptions(maxFrameBytes, maxBatchBytes, maxFramesPerFlush, maxQueuedMessagesPerPeer,
                v, connectTimeoutMillis, reconnectInitialBackoffMillis, reconnectMaxBackoffMillis,
                ioThreads, preferNativeEpoll, writeBufferLowWaterMarkBytes, writeBufferHighWaterMarkBytes, tcpNoDelay, snapshot);
    }

    public NettyTransportOptions withReconnectBackoffMillis(long initial, long max) {
        return new NettyTransportOptions(maxFrameBytes, maxBatchBytes, maxFramesPerFlush, maxQueuedMessagesPerPeer,
                maxQueuedBytesPerPeer, connectTimeoutMillis, initial, max,
                ioThreads, preferNativeEpoll, writeBufferLowWaterMarkBytes, writeBufferHighWaterMarkBytes, tcpNoDelay, snapshot);
    }

    public NettyTransportOptions withIoThreads(int v) {
        return new NettyTransportOptions(maxFrameBytes, maxBatchBytes, maxFramesPerFlush, maxQueuedMessagesPerPeer,
                maxQueuedBytesPerPeer, connectTimeoutMillis, reconnectInitialBackoffMillis, reconnectMaxBackoffMillis,
                v, preferNativeEpoll, writeBufferLowWaterMarkBytes, writeBufferHighWaterMarkBytes, tcpNoDelay, snapshot);
    }

    public NettyTransportOptions withPreferNativeEpoll(boolean v) {
        return new NettyTransportOptions(maxFrameBytes, maxBatchBytes, maxFramesPerFlush, maxQueuedMessagesPerPeer,
                maxQueuedBytesPerPeer, connectTimeoutMillis, reconnectInitialBackoffMillis, reconnectMaxBackoffMillis,
                ioThreads, v, writeBufferLowWaterMarkBytes, writeBufferHighWaterMarkBytes, tcpNoDelay, snapshot);
    }

    public NettyTransportOptions withWriteBufferWaterMarksBytes(int low, int high) {
        return new NettyTransportOptions(maxFrameBytes, maxBatchBytes, maxFramesPerFlush, maxQueuedMessagesPerPeer,
                maxQueuedBytesPerPeer, connectTimeoutMillis, reconnectInitialBackoffMillis, reconnectMaxBackoffMillis,
                ioThreads, preferNativeEpoll, low, high, tcpNoDelay, snapshot);
    }

    public NettyTransportOptions withSnapshot(SnapshotStreamOptions v) {
        return new NettyTransportOptions(maxFrameBytes, maxBatchBytes, maxFramesPerFlush, maxQueuedMessagesPerPeer,
                maxQueuedBytesPerPeer, connectTimeoutMillis, reconnectInitialBackoffMillis, reconnectMaxBackoffMillis,
                ioThreads, preferNativeEpoll, writeBufferLowWaterMarkBytes, writeBufferHighWaterMarkBytes, tcpNoDelay, v);
    }

    /**
     * How SNAPSHOT messages travel: never inside a batch, but streamed per peer as an offer and
     * chunks of their {@code SnapshotCodec} encoding, interleaved with normal traffic. The chunk,
     * window and size limits are enforced by receivers too: use the same values on every node.
     *
     * @param chunkBytes            largest chunk; a heartbeat waits behind at most one chunk in
     *                              this transport's and Netty's buffers. Default 1 MiB; at most
     *                              {@code maxFrameBytes - 1024}.
     * @param windowChunks          chunks sent and not yet acknowledged by the receiver, per
     *                              transfer: bounds the receiver's backlog. Default 4.
     * @param rateBytesPerSecond    snapshot bytes this node sends per second, all peers together
     *                              (a chunk waits until its bytes are paid for: a transfer of S
     *                              bytes lasts at least S / rate; a stream held back by its window
     *                              catches up by at most one window). 0 = unlimited. Default
     *                              100 MiB/s, TiKV's default for snapshot I/O.
     * @param maxSnapshotBytes      largest encoded snapshot a receiver accepts; larger offers are
     *                              refused. Default 1 GiB; at most 2 GiB - 64 (a Java array holds it).
     * @param stagingDir            where a receiver stages chunks on disk (synced per chunk,
     *                              resumable after a broken connection: {@code SnapshotReceiver});
     *                              null keeps them in memory until the snapshot is complete. Default null.
     * @param progressTimeoutMillis a transfer with no acknowledged progress for this long fails
     *                              (time spent waiting on the rate limit excepted). Default 10,000 ms.
     * @param maxQueuedPerPeer      SNAPSHOT messages for one peer accepted and not yet finished
     *                              (one transfer runs at a time per peer); more are refused by
     *                              {@code send}. Default 64.
     */
    public record SnapshotStreamOptions(int chunkBytes, int windowChunks, long rateBytesPerSecond, long maxSnapshotBytes,
                                        Path stagingDir, long progressTimeoutMillis, int maxQueuedPerPeer) {

        /** The largest byte array a JVM reliably allocates, less room for nothing else: a snapshot is one array. */
        public static final long MAX_SNAPSHOT_BYTES_LIMIT = Integer.MAX_VALUE - 64L;

        public SnapshotStreamOptions {
            positive("snapshot.chunkBytes", chunkBytes);
            positive("snapshot.windowChunks", windowChunks);
            positive("snapshot.maxSnapshotBytes", maxSnapshotBytes);
            positive("snapshot.progressTimeoutMillis", progressTimeoutMillis);
            positive("snapshot.maxQueuedPerPeer", maxQueuedPerPeer);
            if (rateBytesPerSecond < 0) {
                throw new IllegalArgumentException("snapshot.rateBytesPerSecond must be >= 0 (0 = unlimited), got " + rateBytesPerSecond);
            }
            if (maxSnapshotBytes > MAX_SNAPSHOT_BYTES_LIMIT) {
                throw new IllegalArgumentException("snapshot.maxSnapshotBytes must be <= " + MAX_SNAPSHOT_BYTES_LIMIT
                        + " (a snapshot is held in one byte array), got " + maxSnapshotBytes);
            }
        }

        public static SnapshotStreamOptions defaults() {
            return new SnapshotStreamOptions(1 << 20, 4, 100L << 20, 1L << 30, null, 10_000, 64);
        }

        public SnapshotStreamOptions withChunkBytes(int v) {
            return new SnapshotStreamOptions(v, windowChunks, rateBytesPerSecond, maxSnapshotBytes, stagingDir, progressTimeoutMillis, maxQueuedPerPeer);
        }

        public SnapshotStreamOptions withWindowChunks(int v) {
            return new SnapshotStreamOptions(chunkBytes, v, rateBytesPerSecond, maxSnapshotBytes, stagingDir, progressTimeoutMillis, maxQueuedPerPeer);
        }

        public SnapshotStreamOptions withRateBytesPerSecond(long v) {
            return new SnapshotStreamOptions(chunkBytes, windowChunks, v, maxSnapshotBytes, stagingDir, progressTimeoutMillis, maxQueuedPerPeer);
        }

        public SnapshotStreamOptions withMaxSnapshotBytes(long v) {
            return new SnapshotStreamOptions(chunkBytes, windowChunks, rateBytesPerSecond, v, stagingDir, progressTimeoutMillis, maxQueuedPerPeer);
        }

        public SnapshotStreamOptions withStagingDir(Path v) {
            return new SnapshotStreamOptions(chunkBytes, windowChunks, rateBytesPerSecond, maxSnapshotBytes, v, progressTimeoutMillis, maxQueuedPerPeer);
        }

        public SnapshotStreamOptions withProgressTimeoutMillis(long v) {
            return new SnapshotStreamOptions(chunkBytes, windowChunks, rateBytesPerSecond, maxSnapshotBytes, stagingDir, v, maxQueuedPerPeer);
        }

        public SnapshotStreamOptions withMaxQueuedPerPeer(int v) {
            return new SnapshotStreamOptions(chunkBytes, windowChunks, rateBytesPerSecond, maxSnapshotBytes, stagingDir, progressTimeoutMillis, v);
        }
    }
}
