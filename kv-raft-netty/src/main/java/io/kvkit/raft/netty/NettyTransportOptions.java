package io.kvkit.raft.netty;

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
 */
public record NettyTransportOptions(int maxFrameBytes, int maxBatchBytes, int maxFramesPerFlush,
                                    int maxQueuedMessagesPerPeer, long maxQueuedBytesPerPeer,
                                    int connectTimeoutMillis, long reconnectInitialBackoffMillis,
                                    long reconnectMaxBackoffMillis, int ioThreads, boolean preferNativeEpoll,
                                    int writeBufferLowWaterMarkBytes, int writeBufferHighWaterMarkBytes,
                                    boolean tcpNoDelay) {

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

    public static NettyTransportOptions defaults() {
        return new NettyTransportOptions(16 << 20, 1 << 20, 16, 16_384, 64L << 20, 1_000, 50, 2_000, 2, true,
                512 << 10, 4 << 20, true);
    }

    private static void positive(String name, long v) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + v);
        }
    }

    public NettyTransportOptions withMaxFrameBytes(int v) {
        return new NettyTransportOptions(v, Math.min(maxBatchBytes, v), maxFramesPerFlush, maxQueuedMessagesPerPeer,
                maxQueuedBytesPerPeer, connectTimeoutMillis, reconnectInitialBackoffMillis, reconnectMaxBackoffMillis,
                ioThreads, preferNativeEpoll, writeBufferLowWaterMarkBytes, writeBufferHighWaterMarkBytes, tcpNoDelay);
    }

    public NettyTransportOptions withMaxBatchBytes(int v) {
        return new NettyTransportOptions(maxFrameBytes, v, maxFramesPerFlush, maxQueuedMessagesPerPeer,
                maxQueuedBytesPerPeer, connectTimeoutMillis, reconnectInitialBackoffMillis, reconnectMaxBackoffMillis,
                ioThreads, preferNativeEpoll, writeBufferLowWaterMarkBytes, writeBufferHighWaterMarkBytes, tcpNoDelay);
    }

    public NettyTransportOptions withMaxQueuedMessagesPerPeer(int v) {
        return new NettyTransportOptions(maxFrameBytes, maxBatchBytes, maxFramesPerFlush, v,
                maxQueuedBytesPerPeer, connectTimeoutMillis, reconnectInitialBackoffMillis, reconnectMaxBackoffMillis,
                ioThreads, preferNativeEpoll, writeBufferLowWaterMarkBytes, writeBufferHighWaterMarkBytes, tcpNoDelay);
    }

    public NettyTransportOptions withMaxQueuedBytesPerPeer(long v) {
        return new NettyTransportOptions(maxFrameBytes, maxBatchBytes, maxFramesPerFlush, maxQueuedMessagesPerPeer,
                v, connectTimeoutMillis, reconnectInitialBackoffMillis, reconnectMaxBackoffMillis,
                ioThreads, preferNativeEpoll, writeBufferLowWaterMarkBytes, writeBufferHighWaterMarkBytes, tcpNoDelay);
    }

    public NettyTransportOptions withReconnectBackoffMillis(long initial, long max) {
        return new NettyTransportOptions(maxFrameBytes, maxBatchBytes, maxFramesPerFlush, maxQueuedMessagesPerPeer,
                maxQueuedBytesPerPeer, connectTimeoutMillis, initial, max,
                ioThreads, preferNativeEpoll, writeBufferLowWaterMarkBytes, writeBufferHighWaterMarkBytes, tcpNoDelay);
    }

    public NettyTransportOptions withIoThreads(int v) {
        return new NettyTransportOptions(maxFrameBytes, maxBatchBytes, maxFramesPerFlush, maxQueuedMessagesPerPeer,
                maxQueuedBytesPerPeer, connectTimeoutMillis, reconnectInitialBackoffMillis, reconnectMaxBackoffMillis,
                v, preferNativeEpoll, writeBufferLowWaterMarkBytes, writeBufferHighWaterMarkBytes, tcpNoDelay);
    }

    public NettyTransportOptions withPreferNativeEpoll(boolean v) {
        return new NettyTransportOptions(maxFrameBytes, maxBatchBytes, maxFramesPerFlush, maxQueuedMessagesPerPeer,
                maxQueuedBytesPerPeer, connectTimeoutMillis, reconnectInitialBackoffMillis, reconnectMaxBackoffMillis,
                ioThreads, v, writeBufferLowWaterMarkBytes, writeBufferHighWaterMarkBytes, tcpNoDelay);
    }

    public NettyTransportOptions withWriteBufferWaterMarksBytes(int low, int high) {
        return new NettyTransportOptions(maxFrameBytes, maxBatchBytes, maxFramesPerFlush, maxQueuedMessagesPerPeer,
                maxQueuedBytesPerPeer, connectTimeoutMillis, reconnectInitialBackoffMillis, reconnectMaxBackoffMillis,
                ioThreads, preferNativeEpoll, low, high, tcpNoDelay);
    }
}
