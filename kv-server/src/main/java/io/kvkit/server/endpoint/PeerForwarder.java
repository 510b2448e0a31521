package io.kvkit.server.endpoint;

import io.kvkit.server.config.HostPort;

import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.server.endpoint.PeerUnavailableException.Reason;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Forwards client requests to the node that must execute them, over that node's client endpoint
 * (the same protocol a client speaks: Hello first on each connection, then pipelined requests
 * under the forwarder's own request ids, answered under the caller's).
 *
 * <p>Per peer address: a small pool of connections ({@code connectionsPerPeer}), at most
 * {@code maxInFlightPerPeer} requests unanswered (beyond it a forward fails at once as
 * OVERLOADED), a timeout per request. Nothing here blocks the caller: futures complete on the
 * forwarder's event loops ({@code kv-forward-io-N}), so what the caller chains on them must not
 * block either. Failures are {@link PeerUnavailableException}s saying why and whether the peer
 * may have executed the request; a forward is never retried here (the caller knows whether the
 * request is safe to resend). A malformed address fails the future with an
 * {@link IllegalArgumentException}.
 *
 * <p>Host names are resolved by Netty on the event loop at each (re)connection.
 */
public final class PeerForwarder implements AutoCloseable {
    private final PeerForwarderOptions options;
    private final EventLoopGroup group;
    private final Class<? extends SocketChannel> channelClass;
    private final ConcurrentHashMap<String, PeerConnectionPool> pools = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public PeerForwarder(PeerForwarderOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.channelClass = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        this.group = new MultiThreadIoEventLoopGroup(options.ioThreads(), new IoThreadFactory("kv-forward-io"), io);
    }

    public PeerForwarderOptions options() {
        return options;
    }

    /**
     * Sends {@code request} to the node at {@code address} ("host:port" of its client endpoint)
     * and completes with that node's response, {@code request_id} restored to the caller's.
     * Fails with {@link PeerUnavailableException} on a connect failure, a connection lost before
     * the answer, a timeout, overload, or after {@link #close()}.
     */
    public CompletableFuture<Response> forward(String address, Request request) {
        Objects.requireNonNull(request, "request");
        if (closed) {
            return CompletableFuture.failedFuture(new PeerUnavailableException(Reason.CLOSED, address, "the forwarder is closed", false));
        }
        PeerConnectionPool pool;
        try {
            pool = pools.computeIfAbsent(address, a -> new PeerConnectionPool(a, parse(a), group, channelClass, options));
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        int n = pool.inFlight.incrementAndGet();
        if (n > options.maxInFlightPerPeer()) {
            pool.inFlight.decrementAndGet();
            return CompletableFuture.failedFuture(new PeerUnavailableException(Reason.OVERLOADED, address, options.maxInFlightPerPeer()
                    + " requests already in flight to this peer (maxInFlightPerPeer)", false));
        }
        PeerConnection.Pending p = new PeerConnection.Pending(request);
        p.future.whenComplete((r, e) -> pool.inFlight.decrementAndGet());
        pool.connection().send(p);
        return p.future;
    }

    /** Requests forwarded to {@code address} and not yet answered (0 for an unknown peer). */
    public int inFlight(String address) {
        PeerConnectionPool pool = pools.get(address);
        return pool == null ? 0 : pool.inFlight.get();
    }

    /** Closes every connection (what is in flight fails as CLOSED) and waits for the event loops. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        pools.values().forEach(PeerConnectionPool::close);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    /** "host:port" or "[v6]:port", not resolved (Netty resolves at connect time). */
    static InetSocketAddress parse(String address) {
        HostPort hp = HostPort.parse(address);
        return InetSocketAddress.createUnresolved(hp.host(), hp.port());
    }
}
