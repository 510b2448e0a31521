package io.kvkit.server.endpoint;

import io.kvkit.client.FrameCodec;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The node's client port: the kvkit client protocol (kv-client's {@code kvkit.proto}) over TCP.
 * It frames, parses, answers {@code Hello} itself, refuses bad input, bounds each connection's
 * memory, and hands every other request to the node's {@link RequestHandler}; answers go back in
 * whatever order they complete. What happens on one connection is described in
 * {@link ClientConnection}.
 *
 * <p>Threads: {@code ioThreads} event loops named {@code kv-client-io-N} (native epoll when
 * available, NIO otherwise) accept connections and run every connection's protocol; the
 * handler is called on them and must not block.
 */
public final class ClientEndpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClientEndpoint.class);
    /** Beyond this many bytes waiting in a connection's outbound buffer it is "not writable" and is no longer read. */
    static final int WRITE_BUFFER_HIGH_WATER_MARK_BYTES = 1024 * 1024;
    static final int WRITE_BUFFER_LOW_WATER_MARK_BYTES = 256 * 1024;

    /** The endpoint's counters, shared by its connections. */
    static final class Counters {
        final AtomicInteger openConnections = new AtomicInteger();
        final LongAdder connectionsAccepted = new LongAdder();
        final LongAdder requestsReceived = new LongAdder();
        final LongAdder requestsHandled = new LongAdder();
        final LongAdder responsesSent = new LongAdder();
        final LongAdder flushes = new LongAdder();
        final AtomicLongArray closedByReason = new AtomicLongArray(CloseReason.values().length);

        void closed(CloseReason reason) {
            closedByReason.incrementAndGet(reason.ordinal());
        }
    }

    private final ClientEndpointOptions options;
    private final EventLoopGroup group;
    private final Channel serverChannel;
    private final ChannelGroup connections;
    private final Counters counters;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ClientEndpoint(ClientEndpointOptions options, EventLoopGroup group, Channel serverChannel, ChannelGroup connections,
                           Counters counters) {
        this.options = options;
        this.group = group;
        this.serverChannel = serverChannel;
        this.connections = connections;
        this.counters = counters;
    }

    /**
     * Binds {@code host:port} and starts serving. Throws {@link UncheckedIOException} naming the
     * address when it cannot be bound (its cause a {@link BindException} when the port is in use).
     */
    public static ClientEndpoint start(ClientEndpointOptions options, RequestHandler handler) {
        java.util.Objects.requireNonNull(options, "options");
        java.util.Objects.requireNonNull(handler, "handler");
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> serverClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(options.ioThreads(), new IoThreadFactory("kv-client-io"), io);
        ChannelGroup connections = new DefaultChannelGroup("kv-client-connections", GlobalEventExecutor.INSTANCE);
        Counters counters = new Counters();
        String where = options.host() + ":" + options.port();
        Channel server;
        try {
            server = new ServerBootstrap()
                    .group(group)
                    .channel(serverClass)
                    .option(ChannelOption.SO_REUSEADDR, true) // a restarted node gets its port back despite TIME_WAIT
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                            new WriteBufferWaterMark(WRITE_BUFFER_LOW_WATER_MARK_BYTES, WRITE_BUFFER_HIGH_WATER_MARK_BYTES))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            connections.add(ch);
                            ClientConnection c = new ClientConnection(options, handler, counters);
                            ch.pipeline().addLast("bytes-in", c.inboundByteCounter())
                                    .addLast("frames", FrameCodec.newFrameDecoder(options.limits().getMaxFrameBytes()))
                                    .addLast("protocol", c);
                        }
                    })
                    .bind(options.host(), options.port()).syncUninterruptibly().channel();
        } catch (Exception e) { // bind() rethrows the checked BindException undeclared
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
            throw ListenFailure.of("the client endpoint of node " + options.nodeId(), where, e);
        }
        ClientEndpoint endpoint = new ClientEndpoint(options, group, server, connections, counters);
        LOG.info("client endpoint of node {} listening on {} ({}, {} I/O threads)", options.nodeId(), endpoint.localAddress(),
                epoll ? "epoll" : "nio", options.ioThreads());
        return endpoint;
    }

    /** The address actually listened on (the ephemeral port when started with port 0). */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    public ClientEndpointOptions options() {
        return options;
    }

    public EndpointStats stats() {
        Map<CloseReason, Long> byReason = new EnumMap<>(CloseReason.class);
        for (CloseReason r : CloseReason.values()) {
            byReason.put(r, counters.closedByReason.get(r.ordinal()));
        }
        return new EndpointStats(counters.openConnections.get(), counters.connectionsAccepted.sum(),
                counters.requestsReceived.sum(), counters.requestsHandled.sum(), counters.responsesSent.sum(), counters.flushes.sum(),
                byReason);
    }

    /**
     * Stops accepting, closes every connection (answers still owed are dropped: their requests'
     * outcome is unknown to the clients) and waits for the event loops to end. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        serverChannel.close().awaitUninterruptibly();
        connections.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        LOG.info("client endpoint of node {} closed", options.nodeId());
    }
}
