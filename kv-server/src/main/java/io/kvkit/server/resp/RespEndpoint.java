package io.kvkit.server.resp;

import io.kvkit.server.endpoint.ListenFailure;
import io.kvkit.server.endpoint.RequestHandler;
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
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A RESP2 port: redis-cli, redis-benchmark and Redis client libraries (Jedis, Lettuce) use the
 * cluster through it for the string commands that make sense here (see the package javadoc).
 * Each command becomes kvkit requests to the node's {@link RequestHandler}, which routes them
 * like any client request; what one connection does is described in {@link RespConnection},
 * how commands map to requests in {@link RespCommands}.
 *
 * <p>Threads: {@code ioThreads} event loops named {@code kv-resp-io-N} (native epoll when
 * available, NIO otherwise) run every connection and call the handler; it must not block.
 */
public final class RespEndpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RespEndpoint.class);
    static final int WRITE_BUFFER_HIGH_WATER_MARK_BYTES = 1024 * 1024;
    static final int WRITE_BUFFER_LOW_WATER_MARK_BYTES = 256 * 1024;

    private final RespEndpointOptions options;
    private final EventLoopGroup group;
    private final Channel serverChannel;
    private final ChannelGroup connections;
    private final RespCommands commands;
    private final AtomicBoolean closed = new AtomicBoolean();

    private RespEndpoint(RespEndpointOptions options, EventLoopGroup group, Channel serverChannel, ChannelGroup connections,
                         RespCommands commands) {
        this.options = options;
        this.group = group;
        this.serverChannel = serverChannel;
        this.connections = connections;
        this.commands = commands;
    }

    /**
     * Binds {@code host:port} and starts serving. {@code partitionCount} is the cluster's Q (a
     * power of two): it places keys in partitions (MGET, MSET, sessions) and makes SCAN cursors.
     * Throws {@link UncheckedIOException} naming the address when it cannot be bound (its cause a
     * {@link BindException} when the port is in use).
     */
    public static RespEndpoint start(RespEndpointOptions options, RequestHandler handler, int partitionCount) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(handler, "handler");
        RespCommands commands = new RespCommands(handler, options, partitionCount); // checks partitionCount
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> serverClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(options.ioThreads(), new DefaultThreadFactory("kv-resp-io", true), io);
        ChannelGroup connections = new DefaultChannelGroup("kv-resp-connections", GlobalEventExecutor.INSTANCE);
        String where = options.host() + ":" + options.port();
        Channel server;
        try {
            server = new ServerBootstrap()
                    .group(group)
                    .channel(serverClass)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                            new WriteBufferWaterMark(WRITE_BUFFER_LOW_WATER_MARK_BYTES, WRITE_BUFFER_HIGH_WATER_MARK_BYTES))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            connections.add(ch);
                            ch.pipeline().addLast("resp-decoder", new RespDecoder(options))
                                    .addLast("resp", new RespConnection(options, commands));
                        }
                    })
                    .bind(options.host(), options.port()).syncUninterruptibly().channel();
        } catch (Exception e) { // bind() rethrows the checked BindException undeclared
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
            throw ListenFailure.of("the RESP endpoint of node " + options.nodeId(), where, e);
        }
        RespEndpoint endpoint = new RespEndpoint(options, group, server, connections, commands);
        commands.listeningPort = endpoint.localAddress().getPort();
        LOG.info("RESP endpoint of node {} listening on {} ({}, {} I/O threads, {} partitions)", options.nodeId(),
                endpoint.localAddress(), epoll ? "epoll" : "nio", options.ioThreads(), partitionCount);
        return endpoint;
    }

    /** The address actually listened on (the ephemeral port when started with port 0). */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    public RespEndpointOptions options() {
        return options;
    }

    /** Connections open now. */
    public int connectedClients() {
        return commands.counters.connectedClients.get();
    }

    /** Connections closed for bad input since start. */
    public long protocolErrors() {
        return commands.counters.protocolErrors.sum();
    }

    /**
     * Stops accepting, closes every connection (replies still owed are dropped: those commands'
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
        LOG.info("RESP endpoint of node {} closed", options.nodeId());
    }
}
