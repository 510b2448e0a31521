package io.kvkit.raft.netty;

import io.kvkit.raft.transport.Transport;
import io.kvkit.raft.transport.TransportStats;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.CodedOutputStream;
import io.kvkit.raft.Message;
import io.kvkit.raft.MessageType;
import io.kvkit.raft.Snapshot;
import io.kvkit.raft.storage.LocatedFileSnapshot;
import io.kvkit.raft.storage.SnapshotManifest;
import io.kvkit.raft.netty.proto.RaftEnvelope;
import io.kvkit.raft.netty.proto.RaftMessage;
import io.kvkit.raft.netty.proto.RaftSnapshotAck;
import io.kvkit.raft.netty.proto.RaftSnapshotChunk;
import io.kvkit.raft.netty.proto.RaftSnapshotOffer;
import io.netty.buffer.ByteBufAllocator;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Raft messages over TCP with Netty. Each node listens on one address and keeps one outbound
 * connection to every peer; that connection carries the messages of every Raft group for that
 * peer, so a node pair uses two TCP connections (one per direction) however many groups they
 * share.
 *
 * <p><b>Sending.</b> {@link #send} encodes the message on the caller's thread and appends it to
 * the destination's queue, bounded by count and bytes; a full queue drops the message and counts
 * it ({@link TransportStats#droppedQueueFull()}). The connection's event loop drains the queue
 * into frames of about {@link NettyTransportOptions#maxBatchBytes()}, one {@link RaftEnvelope}
 * each, and stops draining while Netty's outbound buffer is above the high water mark, so a slow
 * peer fills its queue rather than this node's memory.
 *
 * <p><b>Frames.</b> {@code length (u32, big-endian) | RaftEnvelope (protobuf, length bytes)}.
 * An inbound frame longer than {@link NettyTransportOptions#maxFrameBytes()}, bytes that do not
 * parse, or an envelope addressed to another node close that connection (logged with the peer
 * address and the reason); other connections are unaffected.
 *
 * <p><b>Connections.</b> Connected at {@link #start()} and whenever a peer is added. A failed
 * attempt or a lost connection reports {@link Listener#onUnreachable}, discards what was queued
 * for that peer (stale Raft messages are worth nothing; Raft resends), and retries after an
 * exponential backoff with jitter, forever until {@link #close()} or {@link #removePeer}.
 *
 * <p><b>Receiving.</b> The listener runs on the event loop thread of the inbound connection; it
 * must hand messages off quickly (e.g. into a group's inbox) and never block, or every
 * connection sharing that thread stalls.
 *
 * <p><b>Snapshots.</b> A {@code SNAPSHOT} message never travels in a batch: it is streamed to its
 * peer in chunks interleaved with the normal traffic ({@link PeerSnapshotStream}: one transfer
 * per peer at a time, a window of unacknowledged chunks, a node-wide rate limit), verified chunk
 * by chunk and whole on the receiving node ({@link InboundSnapshotTransfer}), which delivers one
 * {@code SNAPSHOT} message to its listener; the sender's listener hears
 * {@link Listener#onSnapshotStatus} once per accepted message. The receiving side's disk and
 * decoding work runs on one staging thread per node, never on an event loop.
 *
 * <p>Native epoll is used when {@link Epoll#isAvailable()} (Linux with the native library on the
 * class path) and {@link NettyTransportOptions#preferNativeEpoll()}; NIO otherwise.
 */
public final class NettyTransport implements Transport {

    private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);

    /** Bytes a message adds to an envelope beyond its own encoding (field tag and length varint). */
    private static final int PER_MESSAGE_OVERHEAD_BYTES = 6;
    /** Envelope header: two uint64 fields at most 11 bytes each. */
    private static final int ENVELOPE_HEADER_BYTES = 22;
    /** The shortest SnapshotCodec encoding: header with no voters, learners or data, and the CRC. */
    private static final long MIN_ENCODED_SNAPSHOT_BYTES = 4 + 1 + 8 + 8 + 4 + 4 + 4 + 4;

    private final long localNode;
    private final InetSocketAddress listenAddress;
    private final NettyTransportOptions opts;
    private final Listener listener;
    private final Map<Long, PeerConnection> peers = new ConcurrentHashMap<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean closed;

    private EventLoopGroup group;
    private boolean nativeEpoll;
    private Class<? extends SocketChannel> socketChannelClass;
    private ChannelGroup inboundChannels;
    private Channel serverChannel;

    private final LongAdder messagesSent = new LongAdder();
    private final LongAdder framesSent = new LongAdder();
    private final LongAdder bytesSent = new LongAdder();
    private final LongAdder messagesReceived = new LongAdder();
    private final LongAdder framesReceived = new LongAdder();
    private final LongAdder bytesReceived = new LongAdder();
    private final LongAdder droppedQueueFull = new LongAdder();
    private final LongAdder droppedOversized = new LongAdder();
    private final LongAdder droppedUnreachable = new LongAdder();
    private final LongAdder droppedClosed = new LongAdder();
    private final LongAdder connectFailures = new LongAdder();
    private final LongAdder connectionsLost = new LongAdder();
    private final LongAdder inboundConnectionsRejected = new LongAdder();
    private final SnapshotStreamCounters snapshotCounters = new SnapshotStreamCounters();
    private final SnapshotRateLimiter snapshotRateLimiter;
    private final AtomicLong snapshotTransferIds = new AtomicLong();
    /** Inbound snapshot work (disk staging, verification, decoding) off the event loops. Null before start. */
    private ExecutorService snapshotStaging;

    /**
     * @param localNode     this node's id (> 0)
     * @param listenAddress where to accept peers' connections (port 0 picks a free port; see
     *                      {@link #boundAddress()})
     * @param peerAddresses initial peers by node id; more with {@link #addPeer}
     * @param opts          settings
     * @param listener      receives messages and unreachability reports
     */
    public NettyTransport(long localNode, InetSocketAddress listenAddress, Map<Long, InetSocketAddress> peerAddresses,
                          NettyTransportOptions opts, Listener listener) {
        if (localNode <= 0) {
            throw new IllegalArgumentException("localNode must be > 0, got " + localNode);
        }
        this.localNode = localNode;
        this.listenAddress = Objects.requireNonNull(listenAddress, "listenAddress");
        this.opts = Objects.requireNonNull(opts, "opts");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.snapshotRateLimiter = new SnapshotRateLimiter(opts.snapshot().rateBytesPerSecond(),
                (long) opts.snapshot().windowChunks() * opts.snapshot().chunkBytes());
        for (Map.Entry<Long, InetSocketAddress> e : peerAddresses.entrySet()) {
            checkPeer(e.getKey(), e.getValue());
            peers.put(e.getKey(), new PeerConnection(e.getKey(), e.getValue()));
        }
    }

    private void checkPeer(long node, InetSocketAddress address) {
        Objects.requireNonNull(address, "address of peer " + node);
        if (node <= 0 || node == localNode) {
            throw new IllegalArgumentException("peer id must be > 0 and differ from the local node " + localNode + ", got " + node);
        }
    }

    @Override
    public long localNode() {
        return localNode;
    }

    /** Whether native epoll is in use (known after {@link #start()}). */
    public boolean usesNativeEpoll() {
        return nativeEpoll;
    }

    /** The address actually listened on (after {@link #start()}). */
    public InetSocketAddress boundAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    @Override
    public void start() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("NettyTransport of node " + localNode + " was already started");
        }
        nativeEpoll = opts.preferNativeEpoll() && Epoll.isAvailable();
        IoHandlerFactory io = nativeEpoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        group = new MultiThreadIoEventLoopGroup(opts.ioThreads(), new DefaultThreadFactory("raft-netty-" + localNode, true), io);
        socketChannelClass = nativeEpoll ? EpollSocketChannel.class : NioSocketChannel.class;
        Class<? extends ServerChannel> serverClass = nativeEpoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        inboundChannels = new DefaultChannelGroup("raft-inbound-" + localNode, GlobalEventExecutor.INSTANCE);
        snapshotStaging = Executors.newSingleThreadExecutor(new DefaultThreadFactory("raft-snapshot-staging-" + localNode, true));
        try {
            serverChannel = new ServerBootstrap()
                    .group(group)
                    .channel(serverClass)
                    .childOption(ChannelOption.TCP_NODELAY, opts.tcpNoDelay())
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            inboundChannels.add(ch);
                            ch.pipeline().addLast(
                                    new LengthFieldBasedFrameDecoder(opts.maxFrameBytes() + 4, 0, 4, 0, 4, true),
                                    new InboundFrameHandler());
                        }
                    })
                    .bind(listenAddress).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
            snapshotStaging.shutdownNow();
            throw new IllegalStateException("node " + localNode + " cannot listen on " + listenAddress + ": " + e, e);
        }
        LOG.info("raft transport of node {} listening on {} ({})", localNode, boundAddress(), nativeEpoll ? "epoll" : "nio");
        for (PeerConnection p : peers.values()) {
            p.attach(group.next());
            p.loop.execute(p::connect);
        }
    }

    /** Adds a peer (e.g. a node joining a group) and starts connecting to it if started. */
    public void addPeer(long node, InetSocketAddress address) {
        checkPeer(node, address);
        PeerConnection p = new PeerConnection(node, address);
        if (peers.putIfAbsent(node, p) != null) {
            throw new IllegalArgumentException("node " + node + " is already a peer of node " + localNode);
        }
        if (started.get() && !closed) {
            p.loop.execute(p::connect);
        }
    }

    /**
     * Makes {@code address} node {@code node}'s address: adds the peer if it is new, replaces it
     * (closing the old connection, dropping what was queued for it) if its address changed, and
     * does nothing if it is the same. For a host that learns its peers at run time (a node that
     * joined a running cluster, or one that moved). Returns whether anything changed.
     */
    public synchronized boolean setPeerAddress(long node, InetSocketAddress address) {
        checkPeer(node, address);
        PeerConnection existing = peers.get(node);
        if (existing != null && existing.address.equals(address)) {
            return false;
        }
        if (existing != null) {
            removePeer(node);
        }
        addPeer(node, address);
        return true;
    }

    /** Removes a peer: closes its connection, stops reconnecting, drops what was queued. */
    public void removePeer(long node) {
        PeerConnection p = peers.remove(node);
        if (p != null && p.loop != null && !closed) {
            p.loop.execute(p::shutDown);
        }
    }

    /** Whether the outbound connection to {@code node} is currently established. */
    public boolean isConnected(long node) {
        PeerConnection p = peers.get(node);
        return p != null && p.channel != null && p.channel.isActive();
    }

    @Override
    public boolean send(long toNode, long groupId, Message m) {
        if (closed) {
            droppedClosed.increment();
            return false;
        }
        RaftMessage wire = RaftMessageCodec.encode(groupId, m);
        PeerConnection p = peers.get(toNode);
        if (p == null || p.loop == null) {
            droppedUnreachable.increment();
            return false;
        }
        if (m.type() == MessageType.SNAPSHOT && m.snapshot() != null) {
            return p.enqueueSnapshot(groupId, wire, m.snapshot());
        }
        return p.enqueue(wire);
    }

    @Override
    public TransportStats stats() {
        return new TransportStats(messagesSent.sum(), framesSent.sum(), bytesSent.sum(),
                messagesReceived.sum(), framesReceived.sum(), bytesReceived.sum(),
                droppedQueueFull.sum(), droppedOversized.sum(), droppedUnreachable.sum(), droppedClosed.sum(),
                connectFailures.sum(), connectionsLost.sum(), inboundConnectionsRejected.sum());
    }

    /** Snapshot streaming counters since start. */
    public SnapshotStreamStats snapshotStats() {
        return snapshotCounters.snapshot();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (group == null) {
            return;
        }
        for (PeerConnection p : peers.values()) {
            p.loop.execute(p::shutDown);
        }
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly();
        }
        inboundChannels.close().awaitUninterruptibly();
        // quiet period 0: nothing more may arrive once the channels are closed
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly();
        for (Runnable never : snapshotStaging.shutdownNow()) {
            never.run(); // closed: it only releases the frame it holds
        }
        try {
            if (!snapshotStaging.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("raft transport of node {}: snapshot staging thread still busy 5 s after close", localNode);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("raft transport of node {} closed: {}; snapshots: {}", localNode, stats(), snapshotStats());
    }

    /** {@code length (u32) | env}, in a buffer of exactly that size. */
    static ByteBuf encodeFrame(ByteBufAllocator alloc, RaftEnvelope env) {
        int size = env.getSerializedSize();
        ByteBuf buf = alloc.ioBuffer(4 + size, 4 + size);
        try {
            buf.writeInt(size);
            CodedOutputStream out = CodedOutputStream.newInstance(buf.nioBuffer(4, size));
            env.writeTo(out);
            out.checkNoSpaceLeft();
            buf.writerIndex(4 + size);
        } catch (IOException | RuntimeException e) {
            buf.release();
            throw new IllegalStateException("cannot encode a frame of " + size + " bytes for node " + env.getToNode(), e);
        }
        return buf;
    }

    /** The outbound side for one peer: its queue, its connection and its reconnect timer. */
    private final class PeerConnection {
        final long node;
        final InetSocketAddress address;
        /** Owns this peer's state: connect, flush and reconnect all run here. Null before start. */
        volatile EventLoop loop;
        final ConcurrentLinkedQueue<RaftMessage> queue = new ConcurrentLinkedQueue<>();
        final AtomicInteger queuedMessages = new AtomicInteger();
        final AtomicLong queuedBytes = new AtomicLong();
        /** A flush is scheduled or waiting for writability: senders need not schedule another. */
        final AtomicBoolean flushPending = new AtomicBoolean();
        volatile Channel channel;
        /** This peer's snapshot transfers; set with {@link #loop}. */
        volatile PeerSnapshotStream snapshots;
        int failures;
        ScheduledFuture<?> reconnectTimer;
        boolean removed;

        PeerConnection(long node, InetSocketAddress address) {
            this.node = node;
            this.address = address;
            if (group != null) {
                attach(group.next());
            }
        }

        void attach(EventLoop l) {
            snapshots = new PeerSnapshotStream(localNode, node, opts.snapshot(), snapshotRateLimiter, snapshotCounters, listener,
                    snapshotTransferIds, l, new PeerSnapshotStream.Connection() {
                        @Override
                        public ChannelFuture writeFrame(Channel ch, RaftEnvelope env) {
                            ChannelFuture f = PeerConnection.this.writeFrame(ch, env, 0, true);
                            ch.flush();
                            return f;
                        }

                        @Override
                        public void requestFlush() {
                            PeerConnection.this.requestFlush();
                        }
                    });
            loop = l;
        }

        void requestFlush() {
            if (flushPending.compareAndSet(false, true)) {
                try {
                    loop.execute(this::flush);
                } catch (RejectedExecutionException e) {
                    // closing: nothing more leaves
                }
            }
        }

        /** A SNAPSHOT message: handed to this peer's snapshot stream, never to the message queue. */
        boolean enqueueSnapshot(long groupId, RaftMessage wire, Snapshot snapshot) {
            long encodedBytes = MIN_ENCODED_SNAPSHOT_BYTES + 8L * (snapshot.confState().voters().size()
                    + snapshot.confState().learners().size()) + snapshot.data().length;
            // a file-backed snapshot is streamed from disk to disk: the limit on what a receiver
            // assembles in memory does not apply to it
            if (encodedBytes > opts.snapshot().maxSnapshotBytes() && !LocatedFileSnapshot.isLocated(snapshot.data())) {
                // receivers use the same limit and would refuse it: do not make them say so
                droppedOversized.increment();
                LOG.warn("node {}: dropped a snapshot of {} bytes for node {} (group {}): larger than snapshot.maxSnapshotBytes={}",
                        localNode, encodedBytes, node, groupId, opts.snapshot().maxSnapshotBytes());
                return false;
            }
            PeerSnapshotStream stream = snapshots;
            if (!stream.tryReserve()) {
                droppedQueueFull.increment();
                LOG.warn("node {}: dropped a snapshot for node {} (group {}): {} snapshots already wait for it (snapshot.maxQueuedPerPeer)",
                        localNode, node, groupId, opts.snapshot().maxQueuedPerPeer());
                return false;
            }
            try {
                loop.execute(() -> {
                    stream.add(groupId, wire, snapshot);
                    if (removed || closed) {
                        stream.failAll(closed ? "transport closed" : "peer removed");
                    } else {
                        flush();
                    }
                });
            } catch (RejectedExecutionException e) {
                stream.release();
                droppedClosed.increment();
                return false;
            }
            return true;
        }

        boolean enqueue(RaftMessage wire) {
            int size = wire.getSerializedSize() + PER_MESSAGE_OVERHEAD_BYTES;
            if (size + ENVELOPE_HEADER_BYTES > opts.maxFrameBytes()) {
                droppedOversized.increment();
                LOG.warn("node {}: dropped a {} message of {} bytes for node {} (group {}): larger than maxFrameBytes={}",
                        localNode, wire.getType(), size, node, wire.getGroupId(), opts.maxFrameBytes());
                return false;
            }
            if (queuedMessages.incrementAndGet() > opts.maxQueuedMessagesPerPeer()) {
                queuedMessages.decrementAndGet();
                droppedQueueFull.increment();
                return false;
            }
            if (queuedBytes.addAndGet(size) > opts.maxQueuedBytesPerPeer()) {
                queuedBytes.addAndGet(-size);
                queuedMessages.decrementAndGet();
                droppedQueueFull.increment();
                return false;
            }
            queue.add(wire);
            Channel ch = channel;
            if (ch != null && flushPending.compareAndSet(false, true)) {
                try {
                    loop.execute(this::flush);
                } catch (RejectedExecutionException e) {
                    // close() ran concurrently: the event loop is gone and so is the message
                    droppedClosed.increment();
                    return false;
                }
            }
            return true;
        }

        private RaftMessage poll() {
            RaftMessage m = queue.poll();
            if (m != null) {
                int count = queuedMessages.decrementAndGet();
                long bytes = queuedBytes.addAndGet(-(m.getSerializedSize() + PER_MESSAGE_OVERHEAD_BYTES));
                assert count >= 0 && bytes >= 0 : "queue accounting of node " + node + " below zero: " + count + " messages, " + bytes + " bytes";
            }
            return m;
        }

        /** On {@link #loop}: drains the queue into frames while the connection is writable. */
        void flush() {
            flushPending.set(false);
            Channel ch = channel;
            if (ch == null || !ch.isActive()) {
                return;
            }
            int frames = 0;
            RaftMessage carry = null;
            while (frames < opts.maxFramesPerFlush()) {
                if (!ch.isWritable()) {
                    // resumed by channelWritabilityChanged; senders need not schedule meanwhile
                    flushPending.set(true);
                    break;
                }
                RaftEnvelope.Builder env = RaftEnvelope.newBuilder().setFromNode(localNode).setToNode(node);
                long batchBytes = ENVELOPE_HEADER_BYTES;
                int count = 0;
                RaftMessage m = carry != null ? carry : poll();
                carry = null;
                while (m != null) {
                    int size = m.getSerializedSize() + PER_MESSAGE_OVERHEAD_BYTES;
                    if (count > 0 && batchBytes + size > opts.maxBatchBytes()) {
                        carry = m;
                        break;
                    }
                    env.addMessages(m);
                    batchBytes += size;
                    count++;
                    m = poll();
                }
                if (count == 0) {
                    break;
                }
                writeFrame(ch, env.build(), count, false);
                frames++;
            }
            if (carry != null) {
                // put back at the head is not possible on a CLQ: send it alone now to keep order
                RaftEnvelope env = RaftEnvelope.newBuilder().setFromNode(localNode).setToNode(node).addMessages(carry).build();
                writeFrame(ch, env, 1, false);
            }
            if (frames > 0 || carry != null) {
                ch.flush();
            }
            // after the messages, so a heartbeat never waits behind a chunk not yet written
            snapshots.pump(ch);
            if (!queue.isEmpty() && ch.isWritable() && flushPending.compareAndSet(false, true)) {
                loop.execute(this::flush); // yield to other connections on this loop, then continue
            }
        }

        /** Writes (does not flush) one frame; returns its future if {@code track}, else a void promise. */
        private ChannelFuture writeFrame(Channel ch, RaftEnvelope env, int count, boolean track) {
            ByteBuf buf = encodeFrame(ch.alloc(), env);
            ChannelFuture f = track ? ch.write(buf) : ch.write(buf, ch.voidPromise());
            messagesSent.add(count);
            framesSent.increment();
            bytesSent.add(buf.capacity());
            return f;
        }

        /** On {@link #loop}. */
        void connect() {
            reconnectTimer = null;
            if (closed || removed) {
                return;
            }
            Bootstrap b = new Bootstrap()
                    .group(loop)
                    .channel(socketChannelClass)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, opts.connectTimeoutMillis())
                    .option(ChannelOption.TCP_NODELAY, opts.tcpNoDelay())
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK,
                            new WriteBufferWaterMark(opts.writeBufferLowWaterMarkBytes(), opts.writeBufferHighWaterMarkBytes()))
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            // only snapshot acks come back on an outbound connection
                            ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(opts.maxFrameBytes() + 4, 0, 4, 0, 4, true),
                                    new OutboundHandler(PeerConnection.this));
                        }
                    });
            b.connect(address).addListener((ChannelFuture f) -> {
                if (f.isSuccess()) {
                    if (closed || removed) {
                        f.channel().close();
                        return;
                    }
                    if (failures > 0) {
                        LOG.info("node {}: connected to node {} at {} after {} failed attempts", localNode, node, address, failures);
                    }
                    failures = 0;
                    channel = f.channel();
                    f.channel().closeFuture().addListener(cf -> lost(f.channel()));
                    flush();
                } else {
                    connectFailures.increment();
                    if (failures == 0) {
                        LOG.warn("node {}: cannot connect to node {} at {}: {}", localNode, node, address, f.cause().toString());
                    }
                    failures++;
                    unreachable("cannot connect to node " + node + " at " + address);
                }
            });
        }

        /** On {@link #loop}: the established connection closed. */
        void lost(Channel ch) {
            if (channel != ch) {
                return;
            }
            channel = null;
            if (closed || removed) {
                return;
            }
            connectionsLost.increment();
            LOG.warn("node {}: connection to node {} at {} lost", localNode, node, address);
            unreachable("connection to node " + node + " at " + address + " lost");
        }

        private void unreachable(String why) {
            int dropped = 0;
            while (poll() != null) {
                dropped++;
            }
            droppedUnreachable.add(dropped);
            flushPending.set(false);
            snapshots.failAll(why);
            if (closed || removed) {
                return;
            }
            try {
                listener.onUnreachable(node);
            } catch (RuntimeException e) {
                LOG.error("node {}: listener failed on onUnreachable({})", localNode, node, e);
            }
            long base = Math.min(opts.reconnectMaxBackoffMillis(),
                    opts.reconnectInitialBackoffMillis() << Math.min(Math.max(failures - 1, 0), 30));
            long delay = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
            reconnectTimer = loop.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
        }

        /** On {@link #loop}. */
        void shutDown() {
            removed = true;
            if (reconnectTimer != null) {
                reconnectTimer.cancel(false);
            }
            Channel ch = channel;
            channel = null;
            if (ch != null) {
                ch.close();
            }
            int dropped = 0;
            while (poll() != null) {
                dropped++;
            }
            droppedClosed.add(dropped);
            snapshots.failAll(closed ? "transport closed" : "peer removed");
        }
    }

    /** Outbound connections carry nothing inbound; they only watch writability and errors. */
    private final class OutboundHandler extends ChannelInboundHandlerAdapter {
        private final PeerConnection peer;

        OutboundHandler(PeerConnection peer) {
            this.peer = peer;
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                peer.flush();
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            RaftEnvelope env;
            try {
                env = RaftEnvelope.parseFrom(CodedInputStream.newInstance(frame.nioBuffer()));
            } catch (IOException e) {
                env = null;
            } finally {
                frame.release();
            }
            String why;
            if (env == null || !env.hasSnapshotAck() || env.getMessagesCount() > 0 || env.hasSnapshotOffer() || env.hasSnapshotChunk()) {
                why = "a frame that is not a snapshot ack arrived on an outbound connection (only snapshot acks flow back)";
            } else if (env.getToNode() != localNode || env.getFromNode() != peer.node) {
                why = "a snapshot ack from node " + env.getFromNode() + " to node " + env.getToNode() + " arrived";
            } else {
                why = peer.snapshots.onAck(env.getSnapshotAck());
            }
            if (why != null) {
                LOG.error("node {}: closing the connection to node {} at {}: {}", localNode, peer.node, peer.address, why);
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!closed && !peer.removed) {
                LOG.warn("node {}: error on the connection to node {}: {}", localNode, peer.node, cause.toString());
            }
            ctx.close();
        }
    }

    /** Decodes frames of an inbound connection and hands their messages to the listener. */
    private final class InboundFrameHandler extends ChannelInboundHandlerAdapter {
        /** The snapshot arriving on this connection (one at a time; a new offer replaces it). Event loop only. */
        private InboundSnapshotTransfer snapshot;
        private final AtomicBoolean rejected = new AtomicBoolean();

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (snapshot != null) {
                snapshot.cancelled = true; // its staged work is skipped; a staged file stays for a resume
                snapshot = null;
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            try {
                read(ctx, frame);
            } finally {
                frame.release();
            }
        }

        /**
         * The envelope's byte fields view {@code frame} (aliasing, no copy): messages are decoded
         * (copied out) here, and a snapshot chunk keeps the frame retained until it is staged.
         */
        private void read(ChannelHandlerContext ctx, ByteBuf frame) {
            RaftEnvelope env;
            int size = frame.readableBytes();
            try {
                CodedInputStream in = UnsafeByteOperations.unsafeWrap(frame.nioBuffer()).newCodedInput();
                in.enableAliasing(true);
                env = RaftEnvelope.parseFrom(in);
            } catch (IOException e) {
                reject(ctx, "a frame of " + size + " bytes is not a RaftEnvelope (" + e.getMessage() + ")");
                return;
            }
            if (env.getToNode() != localNode) {
                reject(ctx, "a frame from node " + env.getFromNode() + " is addressed to node " + env.getToNode()
                        + ", not to this node; check the peer address configuration");
                return;
            }
            framesReceived.increment();
            bytesReceived.add(4L + size);
            for (RaftMessage w : env.getMessagesList()) {
                Message m;
                try {
                    m = RaftMessageCodec.decode(w);
                } catch (IllegalArgumentException e) {
                    reject(ctx, "a message from node " + env.getFromNode() + " cannot be decoded: " + e.getMessage());
                    return;
                }
                if (closed) {
                    return;
                }
                messagesReceived.increment();
                try {
                    listener.onMessage(w.getGroupId(), m);
                } catch (RuntimeException e) {
                    LOG.error("node {}: listener failed on a message for group {}: {}", localNode, w.getGroupId(), m, e);
                }
            }
            if (env.hasSnapshotAck()) {
                reject(ctx, "node " + env.getFromNode() + " sent a snapshot ack on its own outbound connection; acks flow back "
                        + "only on the connection that carries the transfer");
            } else if (env.hasSnapshotOffer()) {
                onSnapshotOffer(ctx.channel(), env.getFromNode(), env.getSnapshotOffer());
            } else if (env.hasSnapshotChunk()) {
                onSnapshotChunk(ctx.channel(), env.getSnapshotChunk(), frame);
            }
        }

        private void onSnapshotOffer(Channel ch, long from, RaftSnapshotOffer offer) {
            Message header;
            try {
                header = RaftMessageCodec.decode(offer.getMessage());
            } catch (IllegalArgumentException e) {
                rejectSnapshot(ch, "a snapshot offer from node " + from + " cannot be decoded: " + e.getMessage());
                return;
            }
            boolean files = header.snapshot() != null && header.snapshot().data().length > 0;
            if (header.type() != MessageType.SNAPSHOT || header.snapshot() == null
                    || (files && !SnapshotManifest.isManifest(header.snapshot().data()))) {
                rejectSnapshot(ch, "snapshot offer " + offer.getTransferId() + " from node " + from
                        + " carries a " + header.type() + " message; allowed: a SNAPSHOT message whose snapshot data is empty, "
                        + "or a file snapshot's manifest");
                return;
            }
            if (snapshot != null) {
                snapshot.cancelled = true; // the sender gave up on it (timeout) and moved on
            }
            long total = offer.getTotalBytes();
            long groupId = offer.getMessage().getGroupId();
            long max = opts.snapshot().maxSnapshotBytes();
            String refusal = null;
            if (files) {
                long listed = SnapshotManifest.decode(header.snapshot().data(), "snapshot offer from node " + from).totalBytes();
                if (total != listed) {
                    rejectSnapshot(ch, "file snapshot offer " + offer.getTransferId() + " from node " + from + " of " + total
                            + " bytes; its manifest lists " + listed);
                    return;
                }
                if (fileStagingDir() == null) {
                    refusal = "a file snapshot of " + total + " bytes for group " + groupId
                            + " needs a staging directory on the receiver: neither snapshot.stagingDir nor the host names one";
                }
            } else if (total > max || total < MIN_ENCODED_SNAPSHOT_BYTES) {
                refusal = "snapshot of " + total + " bytes for group " + groupId + "; allowed: " + MIN_ENCODED_SNAPSHOT_BYTES
                        + ".." + max + " bytes (snapshot.maxSnapshotBytes)";
            }
            if (refusal != null) {
                snapshot = null;
                snapshotCounters.offersRefused.increment();
                String why = refusal;
                LOG.warn("node {}: refused snapshot transfer {} from node {}: {}", localNode, offer.getTransferId(), from, why);
                writeAck(ch, from, RaftSnapshotAck.newBuilder().setTransferId(offer.getTransferId()).setRefused(true).setReason(why).build());
                return;
            }
            InboundSnapshotTransfer t = new InboundSnapshotTransfer(from, offer.getTransferId(), groupId, header, total,
                    files ? fileStagingDir() : opts.snapshot().stagingDir());
            snapshot = t;
            stage(ch, t, null, () -> {
                long start = t.begin();
                t.ackedBytes = start;
                LOG.info("node {}: receiving {}{}", localNode, t.describe(), start > 0 ? ", resuming at byte " + start : "");
                if (t.totalBytes == 0) {
                    // a file snapshot of empty files only: complete as offered
                    Optional<Message> done = t.completeEmpty();
                    if (done.isPresent() && !closed && !t.cancelled) {
                        snapshotCounters.snapshotsReceived.increment();
                        messagesReceived.increment();
                        try {
                            listener.onMessage(t.groupId, done.get());
                        } catch (RuntimeException e) {
                            LOG.error("node {}: listener failed on the snapshot of group {}: {}", localNode, t.groupId, done.get(), e);
                        }
                    }
                }
                writeAck(ch, from, RaftSnapshotAck.newBuilder().setTransferId(t.transferId).setReceivedBytes(start).build());
            });
        }

        private void onSnapshotChunk(Channel ch, RaftSnapshotChunk chunk, ByteBuf frame) {
            InboundSnapshotTransfer t = snapshot;
            if (t == null || t.transferId != chunk.getTransferId()) {
                rejectSnapshot(ch, "a snapshot chunk of transfer " + chunk.getTransferId() + " that was not offered on this connection"
                        + (t == null ? "" : " (the current transfer is " + t.transferId + ")"));
                return;
            }
            if (t.failed) {
                return; // refused while chunks were in flight; the sender has been told
            }
            long windowBytes = (long) opts.snapshot().windowChunks() * opts.snapshot().chunkBytes();
            String bad = t.expectChunk(chunk.getOffset(), chunk.getData().size(), opts.snapshot().chunkBytes(), windowBytes);
            if (bad != null) {
                rejectSnapshot(ch, t.describe() + ": " + bad);
                return;
            }
            long offset = chunk.getOffset();
            ByteString bytes = chunk.getData(); // a view of the frame, retained until staged
            int crc = chunk.getCrc32C();
            stage(ch, t, frame, () -> {
                Optional<Message> done;
                try {
                    done = t.accept(offset, bytes, crc);
                } catch (IllegalArgumentException e) {
                    t.failed = true;
                    rejectSnapshot(ch, t.describe() + ": " + e.getMessage());
                    return;
                }
                snapshotCounters.bytesReceived.add(bytes.size());
                if (done.isPresent()) {
                    if (closed || t.cancelled) {
                        return;
                    }
                    snapshotCounters.snapshotsReceived.increment();
                    messagesReceived.increment();
                    LOG.info("node {}: received {}", localNode, t.describe());
                    try {
                        listener.onMessage(t.groupId, done.get());
                    } catch (RuntimeException e) {
                        LOG.error("node {}: listener failed on the snapshot of group {}: {}", localNode, t.groupId, done.get(), e);
                    }
                }
                t.ackedBytes = t.received();
                writeAck(ch, t.fromNode, RaftSnapshotAck.newBuilder().setTransferId(t.transferId).setReceivedBytes(t.received()).build());
            });
        }

        /**
         * Runs {@code work} on the staging thread unless the transfer is over by then; a local
         * failure refuses it. {@code frame} (if not null) stays retained until then.
         */
        private void stage(Channel ch, InboundSnapshotTransfer t, ByteBuf frame, Runnable work) {
            if (frame != null) {
                frame.retain();
            }
            try {
                snapshotStaging.execute(() -> {
                    try {
                        if (t.cancelled || t.failed || closed) {
                            return;
                        }
                        work.run();
                    } catch (RuntimeException | OutOfMemoryError e) {
                        // this node's problem (disk, heap), not the peer's: refuse, keep the connection
                        t.failed = true;
                        snapshotCounters.offersRefused.increment();
                        LOG.error("node {}: cannot stage {}: {}", localNode, t.describe(), e.toString());
                        writeAck(ch, t.fromNode, RaftSnapshotAck.newBuilder().setTransferId(t.transferId).setRefused(true)
                                .setReason("receiver cannot stage the snapshot: " + e).build());
                    } finally {
                        if (frame != null) {
                            frame.release();
                        }
                    }
                });
            } catch (RejectedExecutionException e) {
                if (frame != null) {
                    frame.release(); // closing
                }
            }
        }

        /** Where file snapshots are staged: the configured staging directory, else the one the host names. */
        private Path fileStagingDir() {
            Path configured = opts.snapshot().stagingDir();
            return configured != null ? configured : listener.fileSnapshotStagingDir();
        }

        private void writeAck(Channel ch, long to, RaftSnapshotAck ack) {
            if (ch.isActive()) {
                ch.writeAndFlush(encodeFrame(ch.alloc(), RaftEnvelope.newBuilder().setFromNode(localNode).setToNode(to)
                        .setSnapshotAck(ack).build()), ch.voidPromise());
            }
        }

        /** Any thread: a bad snapshot step closes the connection, like any protocol error. */
        private void rejectSnapshot(Channel ch, String why) {
            if (ch.isOpen() && !rejected.get()) {
                snapshotCounters.transfersRejected.increment();
            }
            rejectChannel(ch, why);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof TooLongFrameException) {
                reject(ctx, "frame larger than maxFrameBytes=" + opts.maxFrameBytes() + " (" + cause.getMessage() + ")");
            } else if (cause instanceof DecoderException) {
                reject(ctx, "bytes that are not a length-prefixed frame (" + cause.getMessage() + ")");
            } else {
                LOG.warn("node {}: inbound connection from {} failed: {}", localNode, ctx.channel().remoteAddress(), cause.toString());
                ctx.close();
            }
        }

        private void reject(ChannelHandlerContext ctx, String why) {
            rejectChannel(ctx.channel(), why);
        }

        /** Any thread: closes this inbound connection for a protocol error, logged and counted once. */
        private void rejectChannel(Channel ch, String why) {
            if (!ch.isOpen() || !rejected.compareAndSet(false, true)) {
                return;
            }
            inboundConnectionsRejected.increment();
            LOG.error("node {}: closing inbound connection from {}: {}; allowed: 4-byte big-endian length then a "
                    + "RaftEnvelope of at most maxFrameBytes={} bytes addressed to node {}",
                    localNode, ch.remoteAddress(), why, opts.maxFrameBytes(), localNode);
            ch.close();
        }
    }
}
