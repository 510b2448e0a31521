package io.kvkit.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kvkit.client.proto.BatchOperation;
import io.kvkit.client.proto.BatchResponse;
import io.kvkit.client.proto.CompareAndSetRequest;
import io.kvkit.client.proto.CompareAndSetResponse;
import io.kvkit.client.proto.CreateTableResponse;
import io.kvkit.client.proto.DeleteResponse;
import io.kvkit.client.proto.DropTableResponse;
import io.kvkit.client.proto.GetResponse;
import io.kvkit.client.proto.HelloResponse;
import io.kvkit.client.proto.KeyValue;
import io.kvkit.client.proto.ListTablesResponse;
import io.kvkit.client.proto.MultiGetResponse;
import io.kvkit.client.proto.NodeInfo;
import io.kvkit.client.proto.PartitionInfo;
import io.kvkit.client.proto.PutResponse;
import io.kvkit.client.proto.ReadConsistency;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.RouteResponse;
import io.kvkit.client.proto.ScanRequest;
import io.kvkit.client.proto.ScanResponse;
import io.kvkit.client.proto.Status;
import io.kvkit.client.proto.StatusCode;
import io.kvkit.client.proto.TableInfo;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-process stand-in for a kvkit cluster, for the client's tests: N nodes, each a Netty
 * server on 127.0.0.1 (port 0), sharing one in-memory state: Q partitions with a replica set and
 * a leader each, tables, and a {@link SessionTable} per partition (plus one for table
 * administration) so retried writes apply once. It speaks the real protocol: handshake, route,
 * every data and admin request, NOT_LEADER with a hint from a node that does not lead the key's
 * partition, WRONG_EPOCH for an old routing epoch. Faults are switched on per test: drop the
 * connection after applying a CAS, stay silent, hold responses and send them in reverse order,
 * answer with garbage or an oversized frame.
 *
 * <p>Bounded: at most {@link #MAX_REQUESTS} requests in all, and it closes itself after
 * {@link #MAX_LIFETIME_SECONDS} seconds if the test did not.
 */
final class FakeCluster implements AutoCloseable {
    static final int MAX_REQUESTS = 500_000;
    static final int MAX_LIFETIME_SECONDS = 120;
    static final Comparator<byte[]> UNSIGNED = Arrays::compareUnsigned;

    enum BadFrames { NONE, GARBAGE, OVERSIZED_LENGTH }

    /** One node: its server socket, its counters, its faults. */
    final class Node {
        final long id;
        Channel server;
        final Map<Request.BodyCase, AtomicInteger> received = new ConcurrentHashMap<>();
        final AtomicInteger connectionsAccepted = new AtomicInteger();
        final AtomicInteger connectionsClosed = new AtomicInteger();
        final List<Channel> connections = java.util.Collections.synchronizedList(new ArrayList<>());
        /** The protocol version this node claims in its handshake. */
        volatile int helloVersion = Protocol.VERSION;
        volatile boolean silent;
        volatile BadFrames badFrames = BadFrames.NONE;
        /** When > 0: data responses are held until this many are pending, then sent newest first. */
        volatile int reverseInGroupsOf;
        final List<Object[]> held = new ArrayList<>(); // {channel, response}, guarded by itself

        Node(long id) {
            this.id = id;
        }

        InetSocketAddress address() {
            return (InetSocketAddress) server.localAddress();
        }

        String hostPort() {
            return "127.0.0.1:" + address().getPort();
        }

        int received(Request.BodyCase kind) {
            AtomicInteger n = received.get(kind);
            return n == null ? 0 : n.get();
        }

        int receivedData() {
            int n = 0;
            for (Map.Entry<Request.BodyCase, AtomicInteger> e : received.entrySet()) {
                if (e.getKey() != Request.BodyCase.HELLO && e.getKey() != Request.BodyCase.ROUTE) {
                    n += e.getValue().get();
                }
            }
            return n;
        }
    }

    /** A partition's state machine: the data of every table lives in the shared maps; its sessions here. */
    private static final class Partition {
        final long[] replicas;
        volatile long leader;
        volatile SessionTable sessions = new SessionTable(SessionTable.Options.defaults());
        long logIndex;

        Partition(long[] replicas, long leader) {
            this.replicas = replicas;
            this.leader = leader;
        }
    }

    final List<Node> nodes = new ArrayList<>();
    final int partitionCount;
    final KeyPartitioner partitioner;
    private final Partition[] partitions;
    private final Map<String, TableInfo> tables = new ConcurrentHashMap<>();
    private final Map<String, ConcurrentSkipListMap<byte[], byte[]>> data = new ConcurrentHashMap<>();
    private final SessionTable adminSessions = new SessionTable(SessionTable.Options.defaults());
    private long adminLogIndex;
    private final EventLoopGroup group;
    private final AtomicLong epoch = new AtomicLong(1);
    private final AtomicInteger totalRequests = new AtomicInteger();
    volatile ProtocolLimits limits = ProtocolLimits.defaults();
    /** When > 0: after applying a CAS, close the connection instead of answering, this many times. */
    final AtomicInteger dropConnectionAfterCas = new AtomicInteger();
    /** When > 0: every n-th applied CAS loses its answer with its connection. */
    volatile int dropEveryNthCas;
    private final AtomicInteger appliedCasCommands = new AtomicInteger();
    /** Effects actually applied by CAS commands (not answered from the session table). */
    final AtomicInteger casApplications = new AtomicInteger();
    final AtomicInteger sessionDuplicates = new AtomicInteger();
    final AtomicInteger sessionsExpired = new AtomicInteger();
    /** With {@link #dropConnectionAfterCas}: the partition also forgets its sessions (as after a long idle). */
    volatile boolean forgetSessionsAfterDrop;

    FakeCluster(int nodeCount, int partitionCount, int replicas) {
        this.partitionCount = partitionCount;
        this.partitioner = new KeyPartitioner(partitionCount);
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("fake-cluster", true), NioIoHandler.newFactory());
        for (int i = 1; i <= nodeCount; i++) {
            Node n = new Node(i);
            n.server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            n.connectionsAccepted.incrementAndGet();
                            n.connections.add(ch);
                            ch.closeFuture().addListener(f -> n.connectionsClosed.incrementAndGet());
                            ch.pipeline().addLast(FrameCodec.newFrameDecoder(ProtocolLimits.DEFAULT_MAX_FRAME_BYTES), new Handler(n));
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
            nodes.add(n);
        }
        partitions = new Partition[partitionCount];
        for (int p = 0; p < partitionCount; p++) {
            long[] r = new long[Math.min(replicas, nodeCount)];
            for (int j = 0; j < r.length; j++) {
                r[j] = 1 + (p + j) % nodeCount;
            }
            partitions[p] = new Partition(r, r[0]);
        }
        createTableNow(TableInfo.newBuilder().setName(Protocol.DEFAULT_TABLE).setEngine("lsm").build());
        group.schedule(this::close, MAX_LIFETIME_SECONDS, TimeUnit.SECONDS);
    }

    Node node(long id) {
        return nodes.get((int) id - 1);
    }

    List<String> seeds() {
        return nodes.stream().map(Node::hostPort).toList();
    }

    long leaderOf(int partition) {
        return partitions[partition].leader;
    }

    long[] replicasOf(int partition) {
        return partitions[partition].replicas.clone();
    }

    /** Moves leadership without a new epoch (as Raft does): the old leader answers NOT_LEADER with a hint. */
    void moveLeader(int partition, long node) {
        partitions[partition].leader = node;
    }

    /** Every partition forgets every client session (what idling past maxIdleEntries does). */
    void forgetSessions() {
        for (Partition p : partitions) {
            synchronized (p) {
                p.sessions = new SessionTable(SessionTable.Options.defaults());
            }
        }
    }

    /** Stops a node: its listener and its connections close; it stays down. */
    void stopNode(long id) {
        Node n = node(id);
        n.server.close().awaitUninterruptibly();
        synchronized (n.connections) {
            for (Channel ch : n.connections) {
                ch.close().awaitUninterruptibly();
            }
        }
    }

    /** A new ring epoch: requests routed with an older one get WRONG_EPOCH. */
    long bumpEpoch() {
        return epoch.incrementAndGet();
    }

    long epoch() {
        return epoch.get();
    }

    void createTableNow(TableInfo t) {
        tables.put(t.getName(), t);
        data.putIfAbsent(t.getName(), new ConcurrentSkipListMap<>(UNSIGNED));
    }

    /** Writes directly into the state (test setup, no protocol). */
    void load(String table, byte[] key, byte[] value) {
        data.get(table).put(key, value);
    }

    byte[] valueOf(String table, byte[] key) {
        return data.get(table).get(key);
    }

    @Override
    public void close() {
        for (Node n : nodes) {
            n.server.close().awaitUninterruptibly();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    // ------------------------------------------------------------------------------------------

    private final class Handler extends ChannelInboundHandlerAdapter {
        private final Node node;

        Handler(Node node) {
            this.node = node;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            Request req;
            try {
                byte[] bytes = new byte[frame.readableBytes()];
                frame.readBytes(bytes);
                req = Request.parseFrom(bytes);
            } catch (InvalidProtocolBufferException e) {
                ctx.close();
                return;
            } finally {
                frame.release();
            }
            if (totalRequests.incrementAndGet() > MAX_REQUESTS) {
                ctx.close(); // the bound of the fake: a runaway test stops here
                return;
            }
            node.received.computeIfAbsent(req.getBodyCase(), k -> new AtomicInteger()).incrementAndGet();
            boolean data = req.getBodyCase() != Request.BodyCase.HELLO && req.getBodyCase() != Request.BodyCase.ROUTE;
            if (data && node.silent) {
                return;
            }
            if (data && node.badFrames != BadFrames.NONE) {
                ByteBuf out = ctx.alloc().buffer();
                if (node.badFrames == BadFrames.GARBAGE) {
                    out.writeInt(5).writeBytes(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
                } else {
                    out.writeInt(ProtocolLimits.DEFAULT_MAX_FRAME_BYTES + 1).writeBytes(new byte[16]);
                }
                ctx.writeAndFlush(out);
                return;
            }
            Response resp;
            try {
                resp = handle(node, req, ctx.channel());
            } catch (RuntimeException e) {
                resp = status(req, StatusCode.INTERNAL, "fake cluster failed: " + e);
            }
            if (resp == null) {
                return; // the handler closed the connection or chose not to answer
            }
            if (data && node.reverseInGroupsOf > 0) {
                synchronized (node.held) {
                    node.held.add(new Object[] {ctx.channel(), resp});
                    if (node.held.size() >= node.reverseInGroupsOf) {
                        for (int i = node.held.size() - 1; i >= 0; i--) {
                            Channel ch = (Channel) node.held.get(i)[0];
                            ch.writeAndFlush(FrameCodec.encode(ch.alloc(), (Response) node.held.get(i)[1]));
                        }
                        node.held.clear();
                    }
                }
                return;
            }
            ctx.writeAndFlush(FrameCodec.encode(ctx.alloc(), resp));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static Response status(Request req, StatusCode code, String message) {
        return Response.newBuilder().setRequestId(req.getRequestId())
                .setStatus(Status.newBuilder().setCode(code).setMessage(message)).build();
    }

    private static Response.Builder ok(Request req) {
        return Response.newBuilder().setRequestId(req.getRequestId()).setStatus(Status.newBuilder().setCode(StatusCode.OK));
    }

    private Response handle(Node node, Request req, Channel ch) {
        Status refused = new RequestValidator(limits).check(req);
        if (refused != null) {
            return Response.newBuilder().setRequestId(req.getRequestId()).setStatus(refused).build();
        }
        switch (req.getBodyCase()) {
            case HELLO -> {
                return ok(req).setHello(HelloResponse.newBuilder().setProtocolVersion(node.helloVersion).setNodeId(node.id)
                        .setLimits(limits.toWire())).build();
            }
            case ROUTE -> {
                return ok(req).setRoute(route()).build();
            }
            case CREATE_TABLE, DROP_TABLE, LIST_TABLES -> {
                return admin(req);
            }
            default -> { }
        }
        if (req.getRoutingEpoch() != 0 && req.getRoutingEpoch() < epoch.get()) {
            return Response.newBuilder().setRequestId(req.getRequestId()).setStatus(Status.newBuilder()
                    .setCode(StatusCode.WRONG_EPOCH).setCurrentEpoch(epoch.get())
                    .setMessage("routing epoch " + req.getRoutingEpoch() + " is older than " + epoch.get())).build();
        }
        String tableName = req.getTable().isEmpty() ? Protocol.DEFAULT_TABLE : req.getTable();
        TableInfo table = tables.get(tableName);
        if (table == null) {
            return status(req, StatusCode.NOT_FOUND, "table '" + tableName + "' does not exist");
        }
        ConcurrentSkipListMap<byte[], byte[]> map = data.get(tableName);
        int p = partitionOfRequest(req);
        if (p < 0) {
            return status(req, StatusCode.INVALID_ARGUMENT, "the keys of this request fall in more than one partition");
        }
        Partition part = partitions[p];
        boolean leaderOnly = isWrite(req) || req.getConsistency() == ReadConsistency.LINEARIZABLE
                || req.getConsistency() == ReadConsistency.LEASE || req.getConsistency() == ReadConsistency.CONSISTENCY_UNSPECIFIED;
        if (leaderOnly && part.leader != node.id) {
            return Response.newBuilder().setRequestId(req.getRequestId()).setStatus(Status.newBuilder()
                    .setCode(StatusCode.NOT_LEADER).setLeaderNodeId(part.leader).setLeaderAddress(node(part.leader).hostPort())
                    .setMessage("node " + node.id + " does not lead partition " + p)).build();
        }
        if (!leaderOnly && Arrays.stream(part.replicas).noneMatch(r -> r == node.id)) {
            return status(req, StatusCode.NOT_LEADER, "node " + node.id + " holds no replica of partition " + p);
        }
        if (!isWrite(req)) {
            return read(req, table, map, p);
        }
        synchronized (part) {
            long index = ++part.logIndex;
            if (!req.hasSession()) {
                return status(req, StatusCode.INVALID_ARGUMENT, "a write needs a session");
            }
            switch (part.sessions.check(req.getSession(), index)) {
                case SessionTable.Duplicate d -> {
                    sessionDuplicates.incrementAndGet();
                    try {
                        return Response.parseFrom(d.reply()).toBuilder().setRequestId(req.getRequestId()).build();
                    } catch (InvalidProtocolBufferException e) {
                        throw new IllegalStateException(e);
                    }
                }
                case SessionTable.Expired e -> {
                    sessionsExpired.incrementAndGet();
                    return status(req, StatusCode.SESSION_EXPIRED, e.reason());
                }
                case SessionTable.Apply a -> {
                    Response resp = write(req, map);
                    part.sessions.record(req.getSession(), resp.toByteArray(), index);
                    int nth = dropEveryNthCas;
                    boolean dropNth = req.hasCompareAndSet() && nth > 0 && appliedCasCommands.incrementAndGet() % nth == 0;
                    if (dropNth || (req.hasCompareAndSet() && dropConnectionAfterCas.getAndUpdate(n -> Math.max(0, n - 1)) > 0)) {
                        if (forgetSessionsAfterDrop) {
                            part.sessions = new SessionTable(SessionTable.Options.defaults());
                        }
                        ch.close(); // applied, answer lost: the client must retry under the same seq
                        return null;
                    }
                    return resp;
                }
            }
        }
    }

    private static boolean isWrite(Request req) {
        return switch (req.getBodyCase()) {
            case PUT, DELETE, BATCH, COMPARE_AND_SET -> true;
            default -> false;
        };
    }

    /** The single partition of the request's keys, or -1 if they span several. */
    private int partitionOfRequest(Request req) {
        List<ByteString> keys = switch (req.getBodyCase()) {
            case GET -> List.of(req.getGet().getKey());
            case PUT -> List.of(req.getPut().getKey());
            case DELETE -> List.of(req.getDelete().getKey());
            case COMPARE_AND_SET -> List.of(req.getCompareAndSet().getKey());
            case MULTI_GET -> req.getMultiGet().getKeysList();
            case BATCH -> req.getBatch().getOperationsList().stream().map(BatchOperation::getKey).toList();
            case SCAN -> List.of();
            default -> throw new IllegalArgumentException("not a data request: " + req.getBodyCase());
        };
        if (req.hasScan()) {
            return req.getScan().getPartitionId();
        }
        int p = -1;
        for (ByteString k : keys) {
            int kp = partitioner.partitionOf(k.toByteArray());
            if (p >= 0 && kp != p) {
                return -1;
            }
            p = kp;
        }
        return p;
    }

    private Response read(Request req, TableInfo table, ConcurrentSkipListMap<byte[], byte[]> map, int p) {
        switch (req.getBodyCase()) {
            case GET -> {
                return ok(req).setGet(get(map, req.getGet().getKey())).build();
            }
            case MULTI_GET -> {
                MultiGetResponse.Builder m = MultiGetResponse.newBuilder();
                for (ByteString k : req.getMultiGet().getKeysList()) {
                    m.addResults(get(map, k));
                }
                return ok(req).setMultiGet(m).build();
            }
            case SCAN -> {
                if (table.getEngine().equals("hash")) {
                    return status(req, StatusCode.UNSUPPORTED, "table '" + table.getName()
                            + "' uses engine hash, which cannot scan; engines that can: lsm, bplustree");
                }
                return ok(req).setScan(scan(map, req.getScan(), p)).build();
            }
            default -> throw new IllegalArgumentException("not a read: " + req.getBodyCase());
        }
    }

    private static GetResponse get(Map<byte[], byte[]> map, ByteString key) {
        byte[] v = map.get(key.toByteArray());
        return v == null ? GetResponse.getDefaultInstance() : GetResponse.newBuilder().setFound(true).setValue(ByteString.copyFrom(v)).build();
    }

    private ScanResponse scan(ConcurrentSkipListMap<byte[], byte[]> map, ScanRequest s, int p) {
        NavigableMap<byte[], byte[]> range = map;
        if (!s.getStart().isEmpty()) {
            range = range.tailMap(s.getStart().toByteArray(), true);
        }
        if (!s.getEnd().isEmpty()) {
            range = range.headMap(s.getEnd().toByteArray(), false);
        }
        if (s.getReverse()) {
            range = range.descendingMap();
        }
        ScanResponse.Builder out = ScanResponse.newBuilder();
        for (Map.Entry<byte[], byte[]> e : range.entrySet()) {
            if (partitioner.partitionOf(e.getKey()) != p) {
                continue;
            }
            if (out.getEntriesCount() == s.getLimit()) {
                out.setMore(true);
                break;
            }
            out.addEntries(KeyValue.newBuilder().setKey(ByteString.copyFrom(e.getKey()))
                    .setValue(s.getKeysOnly() ? ByteString.EMPTY : ByteString.copyFrom(e.getValue())));
        }
        return out.build();
    }

    private Response write(Request req, ConcurrentSkipListMap<byte[], byte[]> map) {
        switch (req.getBodyCase()) {
            case PUT -> {
                map.put(req.getPut().getKey().toByteArray(), req.getPut().getValue().toByteArray());
                return ok(req).setPut(PutResponse.getDefaultInstance()).build();
            }
            case DELETE -> {
                boolean existed = map.remove(req.getDelete().getKey().toByteArray()) != null;
                return ok(req).setDelete(DeleteResponse.newBuilder().setExisted(existed)).build();
            }
            case BATCH -> {
                for (BatchOperation op : req.getBatch().getOperationsList()) {
                    if (op.getKind() == BatchOperation.Kind.PUT) {
                        map.put(op.getKey().toByteArray(), op.getValue().toByteArray());
                    } else {
                        map.remove(op.getKey().toByteArray());
                    }
                }
                return ok(req).setBatch(BatchResponse.getDefaultInstance()).build();
            }
            case COMPARE_AND_SET -> {
                CompareAndSetRequest c = req.getCompareAndSet();
                byte[] key = c.getKey().toByteArray();
                byte[] cur = map.get(key);
                boolean match = c.getExpectAbsent() ? cur == null : cur != null && Arrays.equals(cur, c.getExpectedValue().toByteArray());
                if (match) {
                    casApplications.incrementAndGet();
                    if (c.getDelete()) {
                        map.remove(key);
                    } else {
                        map.put(key, c.getNewValue().toByteArray());
                    }
                }
                CompareAndSetResponse.Builder r = CompareAndSetResponse.newBuilder().setSucceeded(match).setCurrentExists(cur != null);
                if (cur != null) {
                    r.setCurrentValue(ByteString.copyFrom(cur));
                }
                return ok(req).setCompareAndSet(r).build();
            }
            default -> throw new IllegalArgumentException("not a write: " + req.getBodyCase());
        }
    }

    private synchronized Response admin(Request req) {
        if (req.hasListTables()) {
            return ok(req).setListTables(ListTablesResponse.newBuilder().addAllTables(
                    tables.values().stream().sorted(Comparator.comparing(TableInfo::getName)).toList())).build();
        }
        long index = ++adminLogIndex;
        switch (adminSessions.check(req.getSession(), index)) {
            case SessionTable.Duplicate d -> {
                try {
                    return Response.parseFrom(d.reply()).toBuilder().setRequestId(req.getRequestId()).build();
                } catch (InvalidProtocolBufferException e) {
                    throw new IllegalStateException(e);
                }
            }
            case SessionTable.Expired e -> {
                return status(req, StatusCode.SESSION_EXPIRED, e.reason());
            }
            case SessionTable.Apply a -> { }
        }
        Response resp;
        if (req.hasCreateTable()) {
            var c = req.getCreateTable();
            TableInfo wanted = TableInfo.newBuilder().setName(c.getName()).setEngine(c.getEngine()).putAllOptions(c.getOptionsMap()).build();
            TableInfo existing = tables.get(c.getName());
            if (existing == null) {
                createTableNow(wanted);
                resp = ok(req).setCreateTable(CreateTableResponse.newBuilder().setCreated(true)).build();
            } else if (existing.equals(wanted)) {
                resp = ok(req).setCreateTable(CreateTableResponse.newBuilder().setCreated(false)).build();
            } else {
                resp = status(req, StatusCode.ALREADY_EXISTS, "table '" + c.getName() + "' exists with engine " + existing.getEngine());
            }
        } else {
            String name = req.getDropTable().getName();
            if (name.equals(Protocol.DEFAULT_TABLE) || tables.remove(name) == null) {
                resp = status(req, StatusCode.NOT_FOUND, "no table '" + name + "' to drop");
            } else {
                data.remove(name);
                resp = ok(req).setDropTable(DropTableResponse.getDefaultInstance()).build();
            }
        }
        adminSessions.record(req.getSession(), resp.toByteArray(), index);
        return resp;
    }

    private RouteResponse route() {
        RouteResponse.Builder r = RouteResponse.newBuilder().setEpoch(epoch.get()).setPartitionCount(partitionCount);
        for (Node n : nodes) {
            r.addNodes(NodeInfo.newBuilder().setNodeId(n.id).setAddress(n.hostPort()));
        }
        for (int p = 0; p < partitionCount; p++) {
            PartitionInfo.Builder pi = PartitionInfo.newBuilder().setPartitionId(p).setLeaderNodeId(partitions[p].leader);
            for (long rep : partitions[p].replicas) {
                pi.addReplicaNodeIds(rep);
            }
            r.addPartitions(pi);
        }
        r.addAllTables(tables.values());
        return r.build();
    }

    /** A key of {@code partition}, found by search: "k-<partition>-<n>". */
    byte[] keyIn(int partition, int n) {
        int found = 0;
        for (int i = 0; ; i++) {
            byte[] k = ("k-" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (partitioner.partitionOf(k) == partition && found++ == n) {
                return k;
            }
        }
    }

    static byte[] bytes(String s) {
        return Objects.requireNonNull(s).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
