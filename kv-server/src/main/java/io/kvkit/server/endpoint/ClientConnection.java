package io.kvkit.server.endpoint;

import com.google.protobuf.CodedInputStream;
import io.kvkit.client.FrameCodec;
import io.kvkit.client.Protocol;
import io.kvkit.client.proto.HelloResponse;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.Status;
import io.kvkit.client.proto.StatusCode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One client connection of the {@link ClientEndpoint}. Every field is owned by the connection's
 * event loop; answers completed on other threads are handed to it.
 *
 * <ul>
 *   <li><b>Handshake.</b> The first request must be {@code Hello} of version 1 (answered here with
 *   the node id and limits); another version gets UNSUPPORTED, another request INVALID_ARGUMENT,
 *   and the connection is closed. No Hello within {@code handshakeTimeout}: closed.</li>
 *   <li><b>Bad input</b> (a frame over {@code max_frame_bytes}, detected from its length prefix
 *   before it is buffered; bytes that are no Request) is logged with the remote address, answered
 *   with one best-effort INVALID_ARGUMENT of request id 0, and the connection closed. A request id
 *   of 0 is answered INVALID_ARGUMENT and the connection stays open.</li>
 *   <li><b>Bounded memory.</b> At most {@code maxInFlightPerConnection} requests are with the
 *   handler; at the bound the socket is no longer read ({@code autoRead} off) until an answer
 *   frees a slot. While the outbound buffer is over its high-water mark (a client that does not
 *   read its answers) no request is handed over and the socket is not read either. The frames of
 *   the read that was under way when reading stopped wait in a queue: at most one read buffer's
 *   worth. If more than {@code maxPendingResponseBytesPerConnection} of answers wait for the
 *   client (answers of requests already with the handler keep coming), the connection is closed.</li>
 *   <li><b>Flushes.</b> Answers are written as they complete and flushed once per event-loop turn
 *   (a task queued behind the ones already waiting), so a burst of pipelined answers costs one
 *   {@code write} system call, not one each.</li>
 * </ul>
 */
final class ClientConnection extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ClientConnection.class);
    /** How long a best-effort last answer may take before the connection is closed anyway. */
    private static final long LAST_WORDS_MILLIS = 1000;

    private final ClientEndpointOptions options;
    private final RequestHandler handler;
    private final ClientEndpoint.Counters counters;
    private final int maxFrameBytes;
    private final ArrayDeque<Request> waiting = new ArrayDeque<>();
    private final Runnable flushTask = this::flush;
    private Channel channel;
    private EventLoop loop;
    private ScheduledFuture<?> handshakeTimer;
    private boolean helloDone;
    private boolean closing;
    private boolean flushScheduled;
    private boolean draining;
    /** Requests with the handler and not answered. */
    private int inFlight;
    /** Bytes read from the socket and bytes of whole frames decoded: a difference at EOF is a truncated frame. */
    private long bytesIn;
    private long frameBytesIn;

    ClientConnection(ClientEndpointOptions options, RequestHandler handler, ClientEndpoint.Counters counters) {
        this.options = options;
        this.handler = handler;
        this.counters = counters;
        this.maxFrameBytes = options.limits().getMaxFrameBytes();
    }

    /** Goes in front of the frame decoder: counts the raw bytes (to tell a truncated frame at EOF). */
    ChannelHandler inboundByteCounter() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof ByteBuf b) {
                    bytesIn += b.readableBytes();
                }
                ctx.fireChannelRead(msg);
            }
        };
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        loop = channel.eventLoop();
        counters.openConnections.incrementAndGet();
        counters.connectionsAccepted.increment();
        long timeoutNanos = options.handshakeTimeout().toNanos();
        handshakeTimer = loop.schedule(() -> {
            if (!helloDone) {
                closeFor(CloseReason.HANDSHAKE_TIMEOUT, "no hello within handshakeTimeout=" + options.handshakeTimeout(), null);
            }
        }, timeoutNanos, TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        counters.openConnections.decrementAndGet();
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
        }
        // the decoder has delivered every whole frame by now (it decodes what is left before passing this on)
        if (!closing && bytesIn > frameBytesIn) {
            closing = true;
            counters.closed(CloseReason.TRUNCATED_FRAME);
            LOG.warn("client {} closed its connection in the middle of a frame ({} bytes of an unfinished frame)",
                    channel.remoteAddress(), bytesIn - frameBytesIn);
        }
        closing = true;
        waiting.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        int size = frame.readableBytes();
        frameBytesIn += FrameCodec.LENGTH_PREFIX_BYTES + size;
        Request request;
        try {
            request = Request.parseFrom(CodedInputStream.newInstance(frame.nioBuffer()));
        } catch (IOException e) {
            closeFor(CloseReason.UNPARSEABLE_REQUEST, "a frame of " + size + " bytes does not parse as a kvkit.client.v1.Request ("
                    + e.getMessage() + ")", Response.getDefaultInstance());
            return;
        } finally {
            frame.release();
        }
        if (closing) {
            return;
        }
        counters.requestsReceived.increment();
        if (request.getRequestId() == 0) {
            write(error(0, StatusCode.INVALID_ARGUMENT, "request_id 0 is not allowed: every request needs a non-zero id, "
                    + "unique among the requests in flight on its connection"));
            return;
        }
        if (request.getBodyCase() == Request.BodyCase.HELLO) {
            onHello(request);
            return;
        }
        if (!helloDone) {
            closeFor(CloseReason.FIRST_REQUEST_NOT_HELLO, "first request must be hello (got " + request.getBodyCase()
                    + ", request_id " + request.getRequestId() + ")", Response.newBuilder().setRequestId(request.getRequestId()).build());
            return;
        }
        if (!waiting.isEmpty() || inFlight >= options.maxInFlightPerConnection() || !channel.isWritable()) {
            waiting.add(request); // frames of the read under way when reading stopped
            updateReading();
            return;
        }
        dispatch(request);
    }

    private void onHello(Request request) {
        int version = request.getHello().getProtocolVersion();
        if (version != Protocol.VERSION) {
            closeFor(CloseReason.UNSUPPORTED_VERSION, "protocol version " + version + " is not spoken by node " + options.nodeId()
                    + "; it speaks version " + Protocol.VERSION, error(request.getRequestId(), StatusCode.UNSUPPORTED, null));
            return;
        }
        if (!helloDone) {
            helloDone = true;
            handshakeTimer.cancel(false);
        }
        write(Response.newBuilder().setRequestId(request.getRequestId())
                .setStatus(Status.newBuilder().setCode(StatusCode.OK))
                .setHello(HelloResponse.newBuilder().setProtocolVersion(Protocol.VERSION).setNodeId(options.nodeId())
                        .setLimits(options.limits()))
                .build());
    }

    private void dispatch(Request request) {
        inFlight++;
        counters.requestsHandled.increment();
        CompletableFuture<Response> answer;
        try {
            answer = handler.handle(request);
            if (answer == null) {
                answer = CompletableFuture.failedFuture(new IllegalStateException("the request handler returned no future"));
            }
        } catch (RuntimeException | Error e) {
            answer = CompletableFuture.failedFuture(e);
        }
        updateReading();
        long id = request.getRequestId();
        Request.BodyCase kind = request.getBodyCase();
        EventLoop l = loop;
        answer.whenComplete((response, failure) -> {
            if (l.inEventLoop()) {
                answered(id, kind, response, failure);
            } else {
                try {
                    l.execute(() -> answered(id, kind, response, failure));
                } catch (RejectedExecutionException e) {
                    // the endpoint is closed: the connection with it, nobody to answer
                }
            }
        });
    }

    private void answered(long id, Request.BodyCase kind, Response response, Throwable failure) {
        inFlight--;
        if (closing) {
            return;
        }
        Response out;
        if (failure != null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            LOG.debug("request {} ({}) from {} failed", id, kind, channel.remoteAddress(), cause);
            out = error(id, StatusCode.INTERNAL, "node " + options.nodeId() + " failed on the " + kind + " request: " + cause);
        } else if (response == null) {
            out = error(id, StatusCode.INTERNAL, "node " + options.nodeId() + " produced no response to the " + kind + " request");
        } else {
            out = response.getRequestId() == id ? response : response.toBuilder().setRequestId(id).build();
            if (out.getSerializedSize() > maxFrameBytes) {
                out = error(id, StatusCode.INTERNAL, "the response to the " + kind + " request is " + out.getSerializedSize()
                        + " bytes, over max_frame_bytes=" + maxFrameBytes + "; ask for less (e.g. a smaller scan limit or fewer keys)");
            }
        }
        write(out);
        drainWaiting();
        updateReading();
    }

    /**
     * Hands waiting requests to the handler while slots are free and the client takes its answers
     * (not re-entered by answers completing inline).
     */
    private void drainWaiting() {
        if (draining) {
            return;
        }
        draining = true;
        try {
            while (!closing && !waiting.isEmpty() && inFlight < options.maxInFlightPerConnection() && channel.isWritable()) {
                dispatch(waiting.poll());
            }
        } finally {
            draining = false;
        }
    }

    /** Reads the socket only while a request could be taken at once and the client takes its answers. */
    private void updateReading() {
        boolean read = !closing && waiting.isEmpty() && inFlight < options.maxInFlightPerConnection() && channel.isWritable();
        if (channel.config().isAutoRead() != read) {
            channel.config().setAutoRead(read);
        }
    }

    private void write(Response response) {
        channel.write(FrameCodec.encode(channel.alloc(), response), channel.voidPromise());
        counters.responsesSent.increment();
        if (!flushScheduled) {
            flushScheduled = true;
            loop.execute(flushTask);
        }
        ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
        long pending = out == null ? 0 : out.totalPendingWriteBytes();
        if (pending > options.maxPendingResponseBytesPerConnection()) {
            closeFor(CloseReason.RESPONSES_NOT_READ, pending + " bytes of responses wait for the client to read them, over "
                    + "maxPendingResponseBytesPerConnection=" + options.maxPendingResponseBytesPerConnection(), null);
        }
    }

    private void flush() {
        flushScheduled = false;
        if (!closing) {
            channel.flush();
            counters.flushes.increment();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (!closing) {
            drainWaiting();
            updateReading();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            closeFor(CloseReason.FRAME_TOO_LONG, "a frame length over max_frame_bytes=" + maxFrameBytes + " (" + cause.getMessage()
                    + ")", Response.getDefaultInstance());
        } else if (cause instanceof DecoderException) {
            closeFor(CloseReason.MALFORMED_FRAME, "bytes that are not a length-prefixed frame (" + cause.getMessage() + ")",
                    Response.getDefaultInstance());
        } else {
            // resets and the like: nothing the client can be told
            LOG.debug("client connection from {} failed", ctx.channel().remoteAddress(), cause);
            closing = true;
            ctx.close();
        }
    }

    /**
     * Closes for {@code reason}: logs it with the remote address, counts it, and when
     * {@code lastWords} is given sends it first (best effort) with the status filled in:
     * INVALID_ARGUMENT and the reason, unless it already carries a status.
     */
    private void closeFor(CloseReason reason, String why, Response lastWords) {
        if (closing) {
            return;
        }
        closing = true;
        counters.closed(reason);
        waiting.clear();
        channel.config().setAutoRead(false);
        LOG.warn("closing the client connection from {}: {}", channel.remoteAddress(), why);
        if (lastWords == null || !channel.isWritable()) {
            channel.close(); // a client that does not read would never take last words
            return;
        }
        Response.Builder b = lastWords.toBuilder();
        if (!lastWords.hasStatus()) {
            b.setStatus(Status.newBuilder().setCode(StatusCode.INVALID_ARGUMENT));
        }
        b.getStatusBuilder().setMessage(why + "; connection closed");
        channel.writeAndFlush(FrameCodec.encode(channel.alloc(), b.build())).addListener(ChannelFutureListener.CLOSE);
        counters.responsesSent.increment();
        // closed even if the write never completes (a client that stops reading after its bad frame)
        loop.schedule(() -> { channel.close(); }, LAST_WORDS_MILLIS, TimeUnit.MILLISECONDS);
    }

    private static Response error(long id, StatusCode code, String message) {
        Status.Builder s = Status.newBuilder().setCode(code);
        if (message != null) {
            s.setMessage(message);
        }
        return Response.newBuilder().setRequestId(id).setStatus(s).build();
    }
}
