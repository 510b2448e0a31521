package io.kvkit.server.endpoint;

import com.google.protobuf.CodedInputStream;
import io.kvkit.client.FrameCodec;
import io.kvkit.client.Protocol;
import io.kvkit.client.proto.HelloRequest;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.Status;
import io.kvkit.client.proto.StatusCode;
import io.kvkit.server.endpoint.PeerUnavailableException.Reason;
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
 * One connection of the {@link PeerForwarder} to another node's client endpoint. Every field is
 * owned by the connection's event loop; {@link #send} only hands the request over.
 *
 * <p>Life: connect, {@code Hello} (version 1; the answer brings the peer's max_frame_bytes), then
 * requests are written as they come, each under this connection's own request id, and answered
 * under the caller's. Requests sent before the handshake wait for it. A failure closes the
 * connection for good and fails what it carries; its pool opens a new one on the next forward.
 */
final class PeerConnection {
    private static final Logger LOG = LoggerFactory.getLogger(PeerConnection.class);

    private enum State { CONNECTING, HANDSHAKING, READY, CLOSED }

    /** A forwarded request, from {@link #send} to its answer. */
    static final class Pending {
        final Request request;
        final CompletableFuture<Response> future = new CompletableFuture<>();
        ScheduledFuture<?> timer;
        long id;
        boolean written;
        /** Handed to another connection once already because the first was closed before sending. */
        boolean redirected;

        Pending(Request request) {
            this.request = request;
        }
    }

    private final String peer;
    private final InetSocketAddress address;
    private final EventLoop loop;
    private final PeerForwarderOptions options;
    /** Where a request goes that reaches this connection after it closed (the pool's next connection). */
    private final Consumer<Pending> resend;
    private final Map<Long, Pending> inFlight = new HashMap<>();
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    private final Runnable flushTask = this::flush;
    private State state = State.CONNECTING;
    private Channel channel;
    private ScheduledFuture<?> helloTimer;
    private long nextRequestId = 1;
    private long helloId;
    private int peerMaxFrameBytes;
    private boolean flushScheduled;
    private volatile boolean closed;

    private PeerConnection(String peer, InetSocketAddress address, EventLoop loop, PeerForwarderOptions options,
                           Consumer<Pending> resend) {
        this.peer = peer;
        this.resend = resend;
        this.address = address;
        this.loop = loop;
        this.options = options;
        this.peerMaxFrameBytes = options.maxFrameBytes();
    }

    /** Starts connecting; requests may be sent at once and wait for the handshake. */
    static PeerConnection open(String peer, InetSocketAddress address, EventLoop loop, Class<? extends SocketChannel> channelClass,
                               PeerForwarderOptions options, Consumer<Pending> resend) {
        PeerConnection c = new PeerConnection(peer, address, loop, options, resend);
        try {
            loop.execute(() -> c.connect(channelClass));
        } catch (RejectedExecutionException e) {
            c.closed = true;
        }
        return c;
    }

    boolean isClosed() {
        return closed;
    }

    /** Sends {@code p} and fails it after the forwarder's request timeout. */
    void send(Pending p) {
        try {
            loop.execute(() -> enqueue(p));
        } catch (RejectedExecutionException e) {
            p.future.completeExceptionally(new PeerUnavailableException(Reason.CLOSED, peer, "the forwarder is closed", false));
        }
    }

    /** Closes the connection; what it carries fails with {@code reason}. */
    void close(Reason reason, String why) {
        try {
            loop.execute(() -> closeWith(reason, why));
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
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(FrameCodec.newFrameDecoder(options.maxFrameBytes()), new InboundHandler());
                    }
                });
        b.connect(address).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                closeWith(Reason.CONNECT_FAILED, "cannot connect: " + f.cause().getMessage());
                return;
            }
            if (state == State.CLOSED) {
                f.channel().close();
                return;
            }
            channel = f.channel();
            channel.closeFuture().addListener(cf -> closeWith(Reason.CONNECTION_LOST, "the connection was closed by the peer or the network"));
            handshake();
        });
    }

    private void handshake() {
        state = State.HANDSHAKING;
        helloId = nextRequestId++;
        helloTimer = loop.schedule(() -> closeWith(Reason.CONNECT_FAILED, "no answer to hello within connectTimeout="
                + options.connectTimeout()), options.connectTimeout().toNanos(), TimeUnit.NANOSECONDS);
        Request hello = Request.newBuilder().setRequestId(helloId)
                .setHello(HelloRequest.newBuilder().setProtocolVersion(Protocol.VERSION).setClientName("kvkit-forwarder")).build();
        channel.writeAndFlush(FrameCodec.encode(channel.alloc(), hello));
    }

    private void enqueue(Pending p) {
        if (p.future.isDone()) {
            return; // cancelled by the caller meanwhile
        }
        if (state == State.CLOSED) {
            if (!p.redirected && resend != null) {
                // picked just as it closed: once more, on the connection the pool opens in its place
                p.redirected = true;
                resend.accept(p);
                return;
            }
            p.future.completeExceptionally(new PeerUnavailableException(Reason.CONNECTION_LOST, peer,
                    "the connection closed before the request was sent", false));
            return;
        }
        long timeoutNanos = options.requestTimeout().toNanos();
        p.timer = loop.schedule(() -> timeOut(p), timeoutNanos, TimeUnit.NANOSECONDS);
        waiting.add(p);
        drain();
    }

    private void drain() {
        if (state != State.READY) {
            return;
        }
        boolean wrote = false;
        Pending p;
        while ((p = waiting.poll()) != null) {
            if (!p.future.isDone()) {
                wrote |= write(p);
            }
        }
        if (wrote && !flushScheduled) {
            // after the sends already queued on this loop: one flush, one system call, for all of them
            flushScheduled = true;
            loop.execute(flushTask);
        }
    }

    private boolean write(Pending p) {
        p.id = nextRequestId++;
        Request r = p.request.toBuilder().setRequestId(p.id).build();
        int size = r.getSerializedSize();
        if (size > peerMaxFrameBytes) {
            p.timer.cancel(false);
            p.future.complete(Response.newBuilder().setRequestId(p.request.getRequestId())
                    .setStatus(Status.newBuilder().setCode(StatusCode.INVALID_ARGUMENT).setMessage("the request is " + size
                            + " bytes encoded, over max_frame_bytes=" + peerMaxFrameBytes + " of the node that must execute it ("
                            + peer + ")"))
                    .build());
            return false;
        }
        inFlight.put(p.id, p);
        p.written = true;
        channel.write(FrameCodec.encode(channel.alloc(), r)).addListener(f -> {
            if (!f.isSuccess()) {
                closeWith(Reason.CONNECTION_LOST, "cannot write: " + f.cause());
            }
        });
        return true;
    }

    private void flush() {
        flushScheduled = false;
        if (state != State.CLOSED) {
            channel.flush();
        }
    }

    private void timeOut(Pending p) {
        if (p.future.isDone()) {
            return;
        }
        if (p.written) {
            inFlight.remove(p.id);
        } else {
            waiting.remove(p);
        }
        p.future.completeExceptionally(new PeerUnavailableException(Reason.TIMEOUT, peer, "no answer within requestTimeout="
                + options.requestTimeout() + (p.written ? " (sent)" : " (never sent: waited for the connection)"), p.written));
    }

    private void onResponse(Response r) {
        if (state == State.HANDSHAKING) {
            onHelloAnswer(r);
            return;
        }
        Pending p = inFlight.remove(r.getRequestId());
        if (p == null) {
            if (r.getRequestId() == 0) {
                LOG.warn("peer {} refused a request of this node: {} {}", peer, r.getStatus().getCode(), r.getStatus().getMessage());
            } else {
                LOG.debug("answer from {} to request {} that is no longer waited for", peer, r.getRequestId());
            }
            return;
        }
        p.timer.cancel(false);
        p.future.complete(r.toBuilder().setRequestId(p.request.getRequestId()).build());
    }

    private void onHelloAnswer(Response r) {
        if (r.getRequestId() != helloId || r.getStatus().getCode() != StatusCode.OK || !r.hasHello()) {
            closeWith(Reason.CONNECT_FAILED, "the handshake failed: " + r.getStatus().getCode() + " " + r.getStatus().getMessage());
            return;
        }
        if (r.getHello().getProtocolVersion() != Protocol.VERSION) {
            closeWith(Reason.CONNECT_FAILED, "the peer speaks protocol version " + r.getHello().getProtocolVersion()
                    + "; this node speaks version " + Protocol.VERSION);
            return;
        }
        helloTimer.cancel(false);
        int announced = r.getHello().getLimits().getMaxFrameBytes();
        if (announced > 0) {
            peerMaxFrameBytes = announced;
        }
        state = State.READY;
        drain();
    }

    /** On the loop: closes for good and fails everything it carries. */
    private void closeWith(Reason reason, String why) {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        closed = true;
        if (helloTimer != null) {
            helloTimer.cancel(false);
        }
        if (channel != null) {
            channel.close();
        }
        if (!inFlight.isEmpty() || !waiting.isEmpty()) {
            LOG.debug("connection to peer {} closed with {} requests sent and {} waiting: {}", peer, inFlight.size(), waiting.size(), why);
        }
        List<Pending> sent = new ArrayList<>(inFlight.values());
        inFlight.clear();
        for (Pending p : sent) {
            p.timer.cancel(false);
            p.future.completeExceptionally(new PeerUnavailableException(reason == Reason.CONNECT_FAILED ? Reason.CONNECTION_LOST : reason,
                    peer, why + " (the request was sent: outcome unknown)", true));
        }
        Pending p;
        while ((p = waiting.poll()) != null) {
            p.timer.cancel(false);
            p.future.completeExceptionally(new PeerUnavailableException(reason, peer, why + " (the request was never sent)", false));
        }
    }

    /** Frames from the peer: each one {@code Response}. */
    private final class InboundHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            int size = frame.readableBytes();
            Response r;
            try {
                r = Response.parseFrom(CodedInputStream.newInstance(frame.nioBuffer()));
            } catch (IOException e) {
                LOG.warn("peer {} sent a frame of {} bytes that is no kvkit.client.v1.Response; closing the connection", peer, size);
                closeWith(Reason.CONNECTION_LOST, "the peer sent a frame of " + size + " bytes that does not parse as a Response ("
                        + e.getMessage() + ")");
                return;
            } finally {
                frame.release();
            }
            onResponse(r);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof DecoderException) {
                LOG.warn("peer {} sent a bad frame ({}); closing the connection", peer, cause.getMessage());
                closeWith(Reason.CONNECTION_LOST, "the peer sent a bad frame (" + cause.getMessage() + "; max_frame_bytes="
                        + options.maxFrameBytes() + ")");
            } else {
                closeWith(Reason.CONNECTION_LOST, "the connection failed: " + cause);
            }
        }
    }
}
