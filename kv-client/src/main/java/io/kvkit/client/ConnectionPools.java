package io.kvkit.client;

import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;

/**
 * The client's connections: per node address a fixed number of {@link NodeConnection} slots,
 * each request going to the least loaded one; a closed connection is replaced on the next
 * request. Owns the Netty event loops.
 */
final class ConnectionPools implements AutoCloseable {
    private final KvClientOptions opts;
    private final Consumer<ProtocolLimits> onHello;
    private final EventLoopGroup group;
    private final Class<? extends SocketChannel> channelClass;
    private final Map<InetSocketAddress, AtomicReferenceArray<NodeConnection>> pools = new ConcurrentHashMap<>();
    private volatile boolean closed;

    ConnectionPools(KvClientOptions opts, Consumer<ProtocolLimits> onHello) {
        this.opts = opts;
        this.onHello = onHello;
        boolean epoll = opts.preferNativeEpoll() && Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(opts.ioThreads(), new DefaultThreadFactory("kvkit-client", true), io);
        this.channelClass = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** Timers of retries and deadlines run here (on the event loops: they only hand work on). */
    ScheduledExecutorService timer() {
        return group;
    }

    /** Sends {@code request} to the node at {@code address} over one of its connections. */
    CompletableFuture<Response> send(InetSocketAddress address, Request.Builder request, long timeoutNanos) {
        if (closed) {
            return CompletableFuture.failedFuture(new KvConnectionException("the client is closed", false));
        }
        return connectionTo(address).send(request, timeoutNanos);
    }

    private NodeConnection connectionTo(InetSocketAddress address) {
        AtomicReferenceArray<NodeConnection> slots = pools.computeIfAbsent(address,
                a -> new AtomicReferenceArray<>(opts.poolSizePerNode()));
        NodeConnection best = null;
        for (int i = 0; i < slots.length(); i++) {
            NodeConnection c = slots.get(i);
            if (c == null || c.isClosed()) {
                NodeConnection fresh = NodeConnection.open(address, group.next(), channelClass, opts, onHello);
                if (slots.compareAndSet(i, c, fresh)) {
                    c = fresh;
                } else {
                    fresh.close("lost a race to fill the pool slot");
                    c = slots.get(i);
                }
            }
            if (best == null || c.load() < best.load()) {
                best = c;
            }
        }
        return best;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (AtomicReferenceArray<NodeConnection> slots : pools.values()) {
            for (int i = 0; i < slots.length(); i++) {
                NodeConnection c = slots.get(i);
                if (c != null) {
                    c.close("the client is closing");
                }
            }
        }
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
