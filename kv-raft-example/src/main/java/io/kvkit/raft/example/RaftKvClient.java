package io.kvkit.raft.example;

import io.kvkit.raft.example.ClientProtocol.Consistency;
import io.kvkit.raft.example.ClientProtocol.Op;
import io.kvkit.raft.example.ClientProtocol.Request;
import io.kvkit.raft.example.ClientProtocol.Response;
import io.kvkit.raft.example.ClientProtocol.Status;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client of the example cluster: one pipelined connection per node, requests for a group go
 * to the node believed to lead it, and a NOT_LEADER answer (which promises the request was not
 * executed) moves the group to the hinted leader and retries. A request whose connection breaks
 * after it was sent fails: its outcome is unknown, and only the caller can decide what to do.
 * Thread-safe.
 */
public final class RaftKvClient implements AutoCloseable {

    /** The request was refused or failed; {@link #outcomeUnknown} says whether it may still have been applied. */
    public static final class KvException extends RuntimeException {
        private final boolean outcomeUnknown;

        KvException(String message, boolean outcomeUnknown) {
            super(message);
            this.outcomeUnknown = outcomeUnknown;
        }

        public boolean outcomeUnknown() {
            return outcomeUnknown;
        }
    }

    /** Waits between tries while a group has no leader (an election), doubling up to the cap. */
    private static final long FIRST_BACKOFF_MILLIS = 20;
    private static final long MAX_BACKOFF_MILLIS = 100;
    /** A node whose connection failed is not followed as a leader hint for this long (other nodes' hints lag its death). */
    private static final long DOWN_MEMORY_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final Map<Long, InetSocketAddress> nodes;
    private final EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Map<Long, CompletableFuture<Connection>> connections = new ConcurrentHashMap<>();
    private final Map<Integer, Long> leaderOfGroup = new ConcurrentHashMap<>();
    private final Map<Long, Long> connectFailedAt = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(1);
    private final long timeoutMillis;

    /** @param nodes the client endpoints of the cluster's nodes, by node id */
    public RaftKvClient(Map<Long, InetSocketAddress> nodes, long timeoutMillis) {
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("a client needs at least one node endpoint");
        }
        this.nodes = Map.copyOf(nodes);
        this.timeoutMillis = timeoutMillis;
    }

    public CompletableFuture<Void> put(int group, byte[] key, byte[] value) {
        return call(Op.PUT, Consistency.LINEARIZABLE, group, key, value).thenApply(r -> null);
    }

    public CompletableFuture<Void> delete(int group, byte[] key) {
        return call(Op.DELETE, Consistency.LINEARIZABLE, group, key, new byte[0]).thenApply(r -> null);
    }

    /** The value, or null if the key is absent. */
    public CompletableFuture<byte[]> get(int group, byte[] key, Consistency consistency) {
        return call(Op.GET, consistency, group, key, new byte[0])
                .thenApply(r -> r.status() == Status.NOT_FOUND ? null : r.payload());
    }

    /** Sends to {@code node} directly (for follower and stale reads served where they land). */
    public CompletableFuture<byte[]> getAt(long node, int group, byte[] key, Consistency consistency) {
        Request req = new Request(nextId.getAndIncrement(), Op.GET, consistency, group, key, new byte[0]);
        return send(node, req).thenApply(r -> switch (r.status()) {
            case OK -> r.payload();
            case NOT_FOUND -> null;
            case NOT_LEADER -> throw new KvException("node " + node + " refused the read; leader hint " + r.leaderHint(), false);
            case ERROR -> throw new KvException(r.message(), true);
        }).orTimeout(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /** The node's counters and group roles, as text. */
    public CompletableFuture<String> status(long node) {
        Request req = new Request(nextId.getAndIncrement(), Op.STATUS, Consistency.STALE, 0, new byte[] {0}, new byte[0]);
        return send(node, req).thenApply(Response::message).orTimeout(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /** The node this client believes leads {@code group}, or 0 if it has not talked to it yet. */
    public long cachedLeader(int group) {
        return leaderOfGroup.getOrDefault(group, 0L);
    }

    private CompletableFuture<Response> call(Op op, Consistency c, int group, byte[] key, byte[] value) {
        Request req = new Request(nextId.getAndIncrement(), op, c, group, key, value);
        CompletableFuture<Response> result = new CompletableFuture<>();
        attempt(req, leaderOfGroup.getOrDefault(group, firstNode()), 0, result);
        return result.orTimeout(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Tries until the request is answered or the call's timeout completes {@code result}:
     * through elections and to other nodes while the request was certainly not executed.
     */
    private void attempt(Request req, long node, int redirects, CompletableFuture<Response> result) {
        if (result.isDone()) {
            return; // timed out
        }
        send(node, req).whenComplete((r, err) -> {
            if (err != null) {
                // the request may have reached the node: only one that was certainly never sent is safe to redirect
                if (err instanceof NotSentException) {
                    retryLater(req, nextNode(node), redirects, result);
                } else {
                    result.completeExceptionally(new KvException("request to node " + node + " failed: " + err, true));
                }
                return;
            }
            switch (r.status()) {
                case OK, NOT_FOUND -> {
                    leaderOfGroup.put(req.group(), node);
                    result.complete(r);
                }
                case NOT_LEADER -> {
                    boolean hinted = r.leaderHint() != 0 && r.leaderHint() != node && nodes.containsKey(r.leaderHint())
                            && !recentlyDown(r.leaderHint());
                    long next = hinted ? r.leaderHint() : nextNode(node);
                    leaderOfGroup.put(req.group(), next);
                    if (hinted && redirects < 3) { // hints can be stale for a moment: then back off
                        attempt(req.withNewId(nextId.getAndIncrement()), next, redirects + 1, result);
                    } else {
                        retryLater(req, next, redirects, result); // no leader known: an election is on
                    }
                }
                case ERROR -> result.completeExceptionally(new KvException(r.message(), true));
            }
        });
    }

    private void retryLater(Request req, long node, int retries, CompletableFuture<Response> result) {
        long delay = Math.min(MAX_BACKOFF_MILLIS, FIRST_BACKOFF_MILLIS << Math.min(retries, 10));
        CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS)
                .execute(() -> attempt(req.withNewId(nextId.getAndIncrement()), node, retries + 1, result));
    }

    private boolean recentlyDown(long node) {
        Long at = connectFailedAt.get(node);
        return at != null && System.nanoTime() - at < DOWN_MEMORY_NANOS;
    }

    private long firstNode() {
        return nodes.keySet().stream().min(Long::compare).orElseThrow();
    }

    /** The node after {@code node} in id order (wrapping), skipping nodes that were just found down if another is left. */
    private long nextNode(long node) {
        List<Long> ids = nodes.keySet().stream().sorted().toList();
        int at = ids.indexOf(node);
        for (int i = 1; i <= ids.size(); i++) {
            long candidate = ids.get((at + i) % ids.size());
            if (!recentlyDown(candidate)) {
                return candidate;
            }
        }
        return ids.get((at + 1) % ids.size());
    }

    private CompletableFuture<Response> send(long node, Request req) {
        CompletableFuture<Response> response = new CompletableFuture<>();
        connection(node).whenComplete((c, err) -> {
            if (err != null) {
                connections.remove(node);
                connectFailedAt.put(node, System.nanoTime());
                response.completeExceptionally(new NotSentException("connect to node " + node + " failed: " + err.getMessage()));
                return;
            }
            c.pending.put(req.id(), response);
            if (!c.channel.isActive()) { // lost between lookup and now: its handler may have drained already
                c.pending.remove(req.id());
                response.completeExceptionally(new NotSentException("connection to node " + node + " closed before the request was written"));
                return;
            }
            c.channel.writeAndFlush(ClientProtocol.encode(c.channel.alloc(), req)).addListener(f -> {
                if (!f.isSuccess()) {
                    c.pending.remove(req.id());
                    response.completeExceptionally(new IOException("write to node " + node + " failed", f.cause()));
                }
            });
        });
        return response;
    }

    /**
     * The request never left this client (the connection could not be made, or was gone before the
     * write), so no node can have executed it. A type rather than a message test: "connection ...
     * lost" (in flight, outcome unknown) once passed for "connect ... failed" and was retried.
     */
    private static final class NotSentException extends IOException {
        NotSentException(String message) {
            super(message);
        }
    }

    /** One pipelined connection and the requests in flight on it. */
    private record Connection(Channel channel, Map<Long, CompletableFuture<Response>> pending) {}

    private CompletableFuture<Connection> connection(long node) {
        InetSocketAddress address = nodes.get(node);
        if (address == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("unknown node " + node + "; known " + nodes.keySet()));
        }
        return connections.compute(node, (n, existing) -> {
            if (existing != null && (!existing.isDone() || (!existing.isCompletedExceptionally() && existing.join().channel.isActive()))) {
                return existing;
            }
            CompletableFuture<Connection> f = new CompletableFuture<>();
            Map<Long, CompletableFuture<Response>> pending = new ConcurrentHashMap<>();
            new Bootstrap().group(loop).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2_000)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(ClientProtocol.frameDecoder(), ClientProtocol.framePrepender(), new ResponseHandler(pending));
                        }
                    })
                    .connect(address).addListener(cf -> {
                        if (cf.isSuccess()) {
                            f.complete(new Connection(((ChannelFuture) cf).channel(), pending));
                        } else {
                            f.completeExceptionally(cf.cause());
                        }
                    });
            return f;
        });
    }

    private static final class ResponseHandler extends SimpleChannelInboundHandler<ByteBuf> {
        private final Map<Long, CompletableFuture<Response>> pending;

        ResponseHandler(Map<Long, CompletableFuture<Response>> pending) {
            this.pending = pending;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            Response r = ClientProtocol.decodeResponse(frame);
            CompletableFuture<Response> f = pending.remove(r.id());
            if (f != null) {
                f.complete(r);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // requests in flight on this connection: their outcome is unknown
            IOException lost = new IOException("connection to " + ctx.channel().remoteAddress() + " lost");
            pending.values().forEach(f -> f.completeExceptionally(lost));
            pending.clear();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    @Override
    public void close() {
        connections.values().forEach(f -> f.thenAccept(c -> c.channel.close()));
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
