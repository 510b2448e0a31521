package io.kvkit.server.admin;

import io.kvkit.server.endpoint.ListenFailure;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A node's admin port: HTTP/1.1 with keep-alive, {@code GET} only.
 * <ul>
 *   <li>{@code /metrics}: the node's metrics ({@link NodeObservations#writeMetrics}) and the
 *       JVM's ({@link JvmMetrics}), Prometheus text format 0.0.4;</li>
 *   <li>{@code /status}: {@link NodeObservations#status()} as JSON ({@link StatusView#toJson()});</li>
 *   <li>{@code /health}: 200 {@code serving} when {@link NodeObservations#serving()}, 503
 *       {@code not serving} otherwise.</li>
 * </ul>
 * Other paths get 404; other methods on these paths 405 with {@code Allow: GET}. The query string
 * is ignored. A request line over {@value #MAX_REQUEST_LINE_BYTES} bytes gets 414, headers over
 * {@value #MAX_HEADER_BYTES} bytes 431, a body over {@value #MAX_BODY_BYTES} bytes 413, a request
 * that does not parse 400; each of those closes the connection. A failure of the node's code
 * answers 500 with its message. At most {@value #MAX_CONNECTIONS} connections are open at once
 * (more are closed on accept), and a connection idle for {@value #IDLE_TIMEOUT_SECONDS} s is closed.
 *
 * <p>Threads: one NIO event loop, {@code kv-admin-http}, parses requests and calls the
 * {@link NodeObservations} methods, one request at a time; a slow scrape delays only other
 * admin requests, never client traffic.
 */
public final class AdminEndpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminEndpoint.class);
    static final int MAX_REQUEST_LINE_BYTES = 4096;
    static final int MAX_HEADER_BYTES = 8192;
    static final int MAX_BODY_BYTES = 1024;
    static final int MAX_CONNECTIONS = 64;
    static final int IDLE_TIMEOUT_SECONDS = 60;
    private static final String TEXT = "text/plain; charset=utf-8";
    private static final String JSON = "application/json; charset=utf-8";

    private final long nodeId;
    private final EventLoopGroup group;
    private final Channel serverChannel;
    private final ChannelGroup connections;
    private final AtomicBoolean closed = new AtomicBoolean();

    private AdminEndpoint(long nodeId, EventLoopGroup group, Channel serverChannel, ChannelGroup connections) {
        this.nodeId = nodeId;
        this.group = group;
        this.serverChannel = serverChannel;
        this.connections = connections;
    }

    /**
     * Binds {@code host:port} (port 0: an ephemeral port, see {@link #localAddress()}) and serves.
     * Throws {@link UncheckedIOException} naming {@code host:port} when it cannot bind (its cause a
     * {@link BindException} when the port is in use).
     */
    public static AdminEndpoint start(String host, int port, NodeObservations node) {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(node, "node");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("admin port must be 0..65535 (0: any free port), got " + port);
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("kv-admin-http", true),
                NioIoHandler.newFactory());
        ChannelGroup connections = new DefaultChannelGroup("kv-admin-connections", GlobalEventExecutor.INSTANCE);
        String where = host + ":" + port;
        Channel server;
        try {
            server = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (connections.size() >= MAX_CONNECTIONS) {
                                LOG.warn("admin endpoint of node {}: {} connections open, refusing {}", node.nodeId(),
                                        MAX_CONNECTIONS, ch.remoteAddress());
                                ch.close();
                                return;
                            }
                            connections.add(ch);
                            ch.pipeline()
                                    .addLast("idle", new ReadTimeoutHandler(IDLE_TIMEOUT_SECONDS, TimeUnit.SECONDS))
                                    .addLast("http", new HttpServerCodec(new HttpDecoderConfig()
                                            .setMaxInitialLineLength(MAX_REQUEST_LINE_BYTES).setMaxHeaderSize(MAX_HEADER_BYTES)))
                                    .addLast("keep-alive", new HttpServerKeepAliveHandler())
                                    .addLast("body-limit", new BodyLimit())
                                    .addLast("aggregate", new HttpObjectAggregator(MAX_BODY_BYTES))
                                    .addLast("admin", new Handler(node));
                        }
                    })
                    .bind(host, port).syncUninterruptibly().channel();
        } catch (Exception e) { // bind() rethrows the checked BindException undeclared
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
            throw ListenFailure.of("the admin endpoint of node " + node.nodeId(), where, e);
        }
        AdminEndpoint endpoint = new AdminEndpoint(node.nodeId(), group, server, connections);
        LOG.info("admin endpoint of node {} listening on {}", node.nodeId(), endpoint.localAddress());
        return endpoint;
    }

    /** The address actually listened on. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** Stops accepting, closes every connection and waits for the event loop to end. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        serverChannel.close().awaitUninterruptibly();
        connections.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        LOG.info("admin endpoint of node {} closed", nodeId);
    }

    /**
     * Refuses a request announcing a body over {@value #MAX_BODY_BYTES} bytes, or a chunked one,
     * with 413 and closes the connection. (The aggregator alone would answer 413 but keep a
     * keep-alive connection open, waiting to read and discard the whole body.)
     */
    private static final class BodyLimit extends io.netty.channel.ChannelInboundHandlerAdapter {
        private boolean refused;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (refused) {
                io.netty.util.ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof io.netty.handler.codec.http.HttpRequest r && r.decoderResult().isSuccess()
                    && (HttpUtil.getContentLength(r, 0L) > MAX_BODY_BYTES || HttpUtil.isTransferEncodingChunked(r))) {
                refused = true;
                io.netty.util.ReferenceCountUtil.release(msg);
                ctx.writeAndFlush(Handler.response(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, TEXT,
                        "request bodies are refused beyond " + MAX_BODY_BYTES + " bytes, and chunked ones (the admin port serves GET)\n",
                        true)).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            ctx.fireChannelRead(msg);
        }
    }

    /** One connection's requests, in order. */
    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final NodeObservations node;

        Handler(NodeObservations node) {
            this.node = node;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            if (request.decoderResult().isFailure()) {
                Throwable cause = request.decoderResult().cause();
                HttpResponseStatus status = cause instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                        : cause instanceof TooLongHttpHeaderException ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                        : HttpResponseStatus.BAD_REQUEST;
                String why = status == HttpResponseStatus.BAD_REQUEST ? "bad request: " + cause.getMessage()
                        : status.reasonPhrase() + " (request line at most " + MAX_REQUEST_LINE_BYTES + " bytes, headers at most "
                        + MAX_HEADER_BYTES + " bytes)";
                // the decoder discards everything after a failure: this connection is done
                ctx.writeAndFlush(response(status, TEXT, why + "\n", true)).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            String path = new QueryStringDecoder(request.uri()).path();
            if (!path.equals("/metrics") && !path.equals("/status") && !path.equals("/health")) {
                ctx.writeAndFlush(response(HttpResponseStatus.NOT_FOUND, TEXT,
                        "no such page: " + path + " (the admin port serves /metrics, /status and /health)\n", false));
                return;
            }
            if (!request.method().equals(HttpMethod.GET)) {
                FullHttpResponse r = response(HttpResponseStatus.METHOD_NOT_ALLOWED, TEXT,
                        request.method() + " is not allowed on " + path + ": use GET\n", false);
                r.headers().set(HttpHeaderNames.ALLOW, HttpMethod.GET.name());
                ctx.writeAndFlush(r);
                return;
            }
            FullHttpResponse r;
            try {
                r = switch (path) {
                    case "/metrics" -> {
                        MetricsWriter w = new MetricsWriter();
                        node.writeMetrics(w);
                        JvmMetrics.writeTo(w);
                        yield response(HttpResponseStatus.OK, MetricsWriter.CONTENT_TYPE, w.text(), false);
                    }
                    case "/status" -> response(HttpResponseStatus.OK, JSON, node.status().toJson(), false);
                    default -> node.serving()
                            ? response(HttpResponseStatus.OK, TEXT, "serving\n", false)
                            : response(HttpResponseStatus.SERVICE_UNAVAILABLE, TEXT, "not serving\n", false);
                };
            } catch (RuntimeException e) {
                LOG.warn("admin endpoint of node {}: {} failed: {}", node.nodeId(), path, e.toString(), e);
                r = response(HttpResponseStatus.INTERNAL_SERVER_ERROR, TEXT, path + " failed: " + e + "\n", false);
            }
            ctx.writeAndFlush(r);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!(cause instanceof IOException) && !(cause instanceof io.netty.handler.timeout.ReadTimeoutException)) {
                LOG.warn("admin endpoint of node {}: connection from {} failed: {}", node.nodeId(), ctx.channel().remoteAddress(),
                        cause.toString());
            }
            ctx.close();
        }

        private static FullHttpResponse response(HttpResponseStatus status, String contentType, String body, boolean close) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                    .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
            if (close) {
                r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            return r;
        }
    }
}
