package io.kvkit.client;

import com.google.protobuf.CodedInputStream;
import io.kvkit.client.proto.HelloRequest;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.StatusCode;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One TCP connection to one node, carrying many requests in flight. Every field is owned by the
 * connection's event loop: {@link #send} only hands the request over, so there are no locks.
 *
 * <p>Life: connect, then a {@code Hello} (the first request on every connection, which fixes the
 * protocol version and brings the server's limits), then ready. Requests sent before that wait.
 * At most {@code maxInFlightPerConnection} requests and {@code maxInFlightBytesPerConnection}
 * encoded bytes (at least one request) are written and unanswered, which also bounds Netty's
 * outbound buffer; the next ones
 * wait in a queue of at most {@code maxQueuedPerConnection} (back-pressure: beyond it a request
 * fails at once with UNAVAILABLE). Each request has a timer; when it fires, the request fails
 * with {@link KvTimeoutException} and its slot is freed (a late answer is ignored).
 *
 * <p>A frame over the client's {@code maxFrameBytes}, bytes that do not parse as a
 * {@code Response}, or a failed handshake close the connection with a
 * {@link KvProtocolException} for every request in flight; a lost connection fails them with a
 * {@link KvConnectionException}. A closed connection stays closed: its pool opens a new one.
 */
final class NodeConnection {
    private static final Logger LOG = LoggerFactory.getLogger(NodeConnection.class);

    private enum State { CONNECTING, HANDSHAKING, READY, CLOSED }

    /** A request from {@link #send} to its answer. */
    private static final class Pending {
        final Request.Builder request;
        final CompletableFuture<Response> future = new CompletableFuture<>();
        ScheduledFuture<?> timer;
        long id;
        int bytes;
        boolean written;

        Pending(Request.Builder request) {
            this.request = request;
        }
    }

    private final InetSocketAddress address;
    private final EventLoop loop;
    private final KvClientOptions opts;
    private final Consumer<ProtocolLimits> onHello;
    private final Map<Long, Pending> inFlight = new HashMap<>();
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    private State state = State.CONNECTING;
    private Channel channel;
    private long nextRequestId = 1;
    private long inFlightBytes;
    private boolean flushScheduled;
    private long helloId;
    private ProtocolLimits serverLimits;
    /** inFlight + waiting, read by the pool from other threads to pick the least loaded connection. */
    private volatile int load;
    private volatile boolean closed;

    private NodeConnection(InetSocketAddress address, EventLoop loop, KvClientOptions opts, Consumer<ProtocolLimits> onHello) {
        this.address = address;
        this.loop = loop;
        this.opts = opts;
        this.onHello = onHello;
        this.serverLimits = opts.limits();
    }

    /** Starts connecting; requests may be sent at once and wait for the handshake. */
    static NodeConnection open(InetSocketAddress address, EventLoop loop, Class<? extends SocketChannel> channelClass,
                               KvClientOptions opts, Consumer<ProtocolLimits> onHello) {
        NodeConnection c = new NodeConnection(address, loop, opts, onHello);
        try {
            loop.execute(() -> c.connect(channelClass));
        } catch (RejectedExecutionException e) {
            c.closed = true;
        }
        return c;
    }

    InetSocketAddress address() {
        return address;
    }

    boolean isClosed() {
        return closed;
    }

    int load() {
        return load;
    }

    /** Sends {@code request} (its request id is set here) and fails it after {@code timeoutNanos}. */
    CompletableFuture<Response> send(Request.Builder request, long timeoutNanos) {
        Pending p = new Pending(request);
        try {
            loop.execute(() -> enqueue(p, timeoutNanos));
        } catch (RejectedExecutionException e) {
            p.future.completeExceptionally(new KvConnectionException("the client is closed", false));
        }
        return p.future;
    }

    /** Closes the connection; requests in flight fail with a {@link KvConnectionException}. */
    void close(String why) {
        try {
            loop.execute(() -> closeWith(new KvConnectionException("connection to " + address + " closed: " + why, true)));
        } catch (RejectedExecutionException e) {
            closed = true;
        }
    }

    private void connect(Class<? extends SocketChannel> channelClass) {
        if (state != State.CONNECTING) {
            return;
        }
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(channelClass)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, opts.connectTimeout().toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(FrameCodec.newFrameDecoder(opts.limits().maxFrameBytes()), new InboundHandler());
                    }
                });
        b.connect(address).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                closeWith(new KvConnectionException("cannot connect to " + address + ": " + f.cause(), false));
                return;
            }
            if (state == State.CLOSED) {
                f.channel().close();
                return;
            }
            channel = f.channel();
            channel.closeFuture().addListener(cf -> closeWith(
                    new KvConnectionException("connection to " + address + " was closed by the peer or the network", true)));
            handshake();
        });
    }

    private void handshake() {
        state = State.HANDSHAKING;
        Pending hello = new Pending(Request.newBuilder().setHello(
                HelloRequest.newBuilder().setProtocolVersion(Protocol.VERSION).setClientName(opts.clientName())));
        hello.timer = loop.schedule(() -> closeWith(new KvConnectionException("no answer to the handshake from " + address
                + " within connectTimeout=" + opts.connectTimeout(), true)), opts.connectTimeout().toNanos(), TimeUnit.NANOSECONDS);
        hello.future.whenComplete((r, e) -> onHelloAnswer(r));
        Request r = hello.request.setRequestId(nextRequestId++).build();
        write(hello, r, r.getSerializedSize());
        helloId = hello.id;
        channel.flush();
    }

    private void onHelloAnswer(Response r) {
        if (r == null || state == State.CLOSED) {
            return;
        }
        if (r.getStatus().getCode() != StatusCode.OK || !r.hasHello()) {
            closeWith(new KvProtocolException("the handshake with " + address + " failed: "
                    + KvStatus.fromWire(r.getStatus().getCode()) + " " + r.getStatus().getMessage()));
            return;
        }
        if (r.getHello().getProtocolVersion() != Protocol.VERSION) {
            closeWith(new KvProtocolException(address + " speaks protocol version " + r.getHello().getProtocolVersion()
                    + "; this client speaks version " + Protocol.VERSION));
            return;
        }
        try {
            serverLimits = opts.limits().mergedWith(r.getHello().getLimits());
        } catch (KvProtocolException e) {
            closeWith(e);
            return;
        }
        state = State.READY;
        onHello.accept(serverLimits);
        drain();
    }

    private void enqueue(Pending p, long timeoutNanos) {
        if (state == State.CLOSED) {
            // a request that arrives after a failed handshake gets the handshake's reason, not just "closed"
            p.future.completeExceptionally(closedBecause instanceof KvProtocolException
                    ? closedBecause : new KvConnectionException("connection to " + address + " is closed", false));
            return;
        }
        if (waiting.size() >= opts.maxQueuedPerConnection()) {
            p.future.completeExceptionally(new KvConnectionException("back-pressure: " + waiting.size()
                    + " requests already wait for one of maxInFlightPerConnection=" + opts.maxInFlightPerConnection()
                    + " slots on the connection to " + address + " (maxQueuedPerConnection=" + opts.maxQueuedPerConnection() + ")",
                    false));
            return;
        }
        p.timer = loop.schedule(() -> timeOut(p, timeoutNanos), Math.max(timeoutNanos, 0), TimeUnit.NANOSECONDS);
        waiting.add(p);
        drain();
    }

    /** Writes waiting requests while slots are free (by count and by bytes). */
    private void drain() {
        if (state != State.READY) {
            updateLoad();
            return;
        }
        boolean wrote = false;
        while (inFlight.size() < opts.maxInFlightPerConnection() && !waiting.isEmpty()) {
            Pending p = waiting.peek();
            if (p.future.isDone()) {
                waiting.poll();
                continue;
            }
            Request r = p.request.setRequestId(nextRequestId).build();
            int size = r.getSerializedSize();
            if (!inFlight.isEmpty() && inFlightBytes + size > opts.maxInFlightBytesPerConnection()) {
                break; // resumed when an answer frees bytes
            }
            waiting.poll();
            nextRequestId++;
            wrote |= write(p, r, size);
        }
        if (wrote && !flushScheduled) {
            // after the tasks already queued on this loop (often more sends): one flush, one syscall, for all
            flushScheduled = true;
            loop.execute(this::flush);
        }
        updateLoad();
    }

    private void flush() {
        flushScheduled = false;
        if (state != State.CLOSED) {
            channel.flush();
        }
    }

    private boolean write(Pending p, Request r, int size) {
        p.id = r.getRequestId();
        if (size > serverLimits.maxFrameBytes()) {
            fail(p, new KvException(KvStatus.INVALID_ARGUMENT, "the request is " + size + " bytes encoded, over max_frame_bytes="
                    + serverLimits.maxFrameBytes() + " of " + address + "; split it (e.g. fewer batch operations)"));
            return false;
        }
        inFlight.put(p.id, p);
        p.bytes = size;
        inFlightBytes += size;
        p.written = true;
        channel.write(FrameCodec.encode(channel.alloc(), r)).addListener(f -> {
            if (!f.isSuccess()) {
                closeWith(new KvConnectionException("cannot write to " + address + ": " + f.cause(), true));
            }
        });
        return true;
    }

    private void timeOut(Pending p, long timeoutNanos) {
        if (p.future.isDone()) {
            return;
        }
        if (p.written) {
            inFlight.remove(p.id);
            inFlightBytes -= p.bytes;
        } else {
            waiting.remove(p);
        }
        p.future.completeExceptionally(new KvTimeoutException("no answer from " + address + " within "
                + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms (" + (p.written ? "sent" : "never sent: waited for a slot or the handshake") + ")"));
        drain();
    }

    private void onResponse(Response r) {
        Pending p = inFlight.remove(r.getRequestId());
        if (p == null) {
            // answer to a request that timed out: its caller has moved on
            LOG.debug("answer from {} to request {} that is no longer waited for", address, r.getRequestId());
            return;
        }
        inFlightBytes -= p.bytes;
        if (p.timer != null) {
            p.timer.cancel(false);
        }
        p.future.complete(r);
        if (p.id != helloId) {
            drain();
        }
    }

    private void fail(Pending p, KvException e) {
        if (p.timer != null) {
            p.timer.cancel(false);
        }
        p.future.completeExceptionally(e);
    }

    /** Why the connection closed (on the loop; null while open). */
    private KvException closedBecause;

    /** On the loop: closes for good and fails everything that waits. */
    private void closeWith(KvException cause) {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        closed = true;
        closedBecause = cause;
        if (cause instanceof KvProtocolException) {
            LOG.error("closing the connection to {}: {}", address, cause.getMessage());
        } else {
            LOG.debug("connection to {} closed: {}", address, cause.getMessage());
        }
        if (channel != null) {
            channel.close();
        }
        List<Pending> sent = new ArrayList<>(inFlight.values());
        inFlight.clear();
        inFlightBytes = 0;
        for (Pending p : sent) {
            fail(p, cause instanceof KvConnectionException ce && !ce.mayHaveReachedServer()
                    ? new KvConnectionException(ce.getMessage(), true) : cause);
        }
        while (!waiting.isEmpty()) {
            Pending p = waiting.poll();
            fail(p, cause instanceof KvProtocolException ? cause
                    : new KvConnectionException(cause.getMessage() + " (request never sent)", false));
        }
        updateLoad();
    }

    private void updateLoad() {
        load = inFlight.size() + waiting.size();
    }

    /** Frames from the server: each one {@code Response}. */
    private final class InboundHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            int size = frame.readableBytes();
            Response r;
            try {
                r = Response.parseFrom(CodedInputStream.newInstance(frame.nioBuffer()));
            } catch (IOException e) {
                closeWith(new KvProtocolException(address + " sent a frame of " + size
                        + " bytes that does not parse as a kvkit.client.v1.Response (" + e.getMessage() + "); connection closed"));
                return;
            } finally {
                frame.release();
            }
            onResponse(r);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof TooLongFrameException) {
                closeWith(new KvProtocolException(address + " sent a frame over maxFrameBytes=" + opts.limits().maxFrameBytes()
                        + " (" + cause.getMessage() + "); connection closed"));
            } else if (cause instanceof DecoderException) {
                closeWith(new KvProtocolException(address + " sent bytes that are not a length-prefixed frame ("
                        + cause.getMessage() + "); connection closed"));
            } else {
                closeWith(new KvConnectionException("connection to " + address + " failed: " + cause, true));
            }
        }
    }
}
