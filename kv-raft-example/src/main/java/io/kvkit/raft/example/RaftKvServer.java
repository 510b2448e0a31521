package io.kvkit.raft.example;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.ProposalDroppedException;
import io.kvkit.raft.ReadOnlyMode;
import io.kvkit.raft.example.ClientProtocol.Request;
import io.kvkit.raft.example.ClientProtocol.Response;
import io.kvkit.raft.example.ClientProtocol.Status;
import io.kvkit.raft.netty.NettyTransport;
import io.kvkit.raft.netty.NettyTransportOptions;
import io.kvkit.raft.runtime.FollowerLaggingException;
import io.kvkit.raft.runtime.NotLeaderException;
import io.kvkit.raft.runtime.RaftGroup;
import io.kvkit.raft.runtime.RaftNode;
import io.kvkit.raft.runtime.RaftNodeConfig;
import io.kvkit.raft.runtime.ReadConsistency;
import io.kvkit.raft.storage.RaftLogStore;
import io.kvkit.raft.storage.SharedRaftLogOptions;
import io.kvkit.raft.storage.SharedRaftLogStore;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;

/**
 * One node of the example: a replicated in-memory KV store. This is the whole recipe for a
 * server built on kv-raft:
 * <ol>
 *   <li>open the node's Raft log store (one shared log for every group: one fsync per round);</li>
 *   <li>start a {@link RaftNode} over a {@link NettyTransport};</li>
 *   <li>start each group with its state machine and founding membership;</li>
 *   <li>serve clients: writes are proposed and answered when applied; reads wait for
 *       {@link RaftGroup#read} and then read the state machine.</li>
 * </ol>
 * A restarted node finds its groups in the log store and catches up from its peers.
 */
@Command(name = "raft-example", mixinStandardHelpOptions = true,
        description = "A node of the replicated in-memory KV store that shows how to build on kv-raft.")
public final class RaftKvServer implements Callable<Integer> {

    @Option(names = "--id", required = true, description = "this node's id (> 0)")
    long id;

    @Option(names = "--peers", required = true, split = ",",
            description = "every node of the cluster, this one included: id=host:raftPort:clientPort, comma-separated")
    List<String> peers;

    @Option(names = "--dir", required = true, description = "this node's data directory")
    Path dir;

    @Option(names = "--groups", defaultValue = "1", description = "number of Raft groups (1..n, every node in each)")
    int groups;

    @Option(names = "--tick-ms", defaultValue = "50", description = "Raft tick interval; election timeout is 10 ticks")
    long tickMillis;

    @Option(names = "--lease", description = "lease-based leader reads (clock assumption: see the kv-raft README)")
    boolean lease;

    @Option(names = "--snapshot-every", defaultValue = "100000",
            description = "entries applied between snapshots of a group (etcd's --snapshot-count default)")
    long snapshotEvery;

    /** A node of the cluster as given by {@code --peers}. */
    record Peer(long id, InetSocketAddress raft, InetSocketAddress client) {
        static Peer parse(String s) {
            String[] idAndRest = s.split("=", 2);
            String[] parts = idAndRest.length == 2 ? idAndRest[1].split(":") : new String[0];
            if (parts.length != 3) {
                throw new IllegalArgumentException("peer '" + s + "' must be id=host:raftPort:clientPort");
            }
            return new Peer(Long.parseLong(idAndRest[0]), new InetSocketAddress(parts[0], Integer.parseInt(parts[1])),
                    new InetSocketAddress(parts[0], Integer.parseInt(parts[2])));
        }
    }

    private RaftNode node;
    private final Map<Integer, RaftGroup> groupById = new HashMap<>();
    private final Map<Integer, KvStateMachine> machines = new HashMap<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new RaftKvServer()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Map<Long, Peer> cluster = new HashMap<>();
        for (String p : peers) {
            Peer peer = Peer.parse(p);
            cluster.put(peer.id(), peer);
        }
        Peer me = cluster.get(id);
        if (me == null || groups < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    me == null ? "--peers must include this node (" + id + ")" : "--groups must be >= 1, got " + groups);
        }
        Map<Long, InetSocketAddress> raftPeers = new HashMap<>();
        cluster.values().stream().filter(p -> p.id() != id).forEach(p -> raftPeers.put(p.id(), p.raft()));

        // 1. the log of every group on this node, sharing fsyncs
        RaftLogStore store = SharedRaftLogStore.open(dir.resolve("raft"), SharedRaftLogOptions.defaults());

        // 2. the runtime over the network
        RaftNodeConfig config = RaftNodeConfig.defaults(id)
                .withTickInterval(Duration.ofMillis(tickMillis))
                .withSnapshotEveryEntries(snapshotEvery);
        if (lease) {
            config = config.withRaftOptions(config.raftOptions().withReadOnlyMode(ReadOnlyMode.LEASE_BASED));
        }
        node = new RaftNode(config, store,
                listener -> new NettyTransport(id, me.raft(), raftPeers, NettyTransportOptions.defaults(), listener));

        // 3. every group, founded by every node of the cluster
        ConfState founders = new ConfState(new ArrayList<>(cluster.keySet()), List.of());
        for (int g = 1; g <= groups; g++) {
            machines.put(g, new KvStateMachine());
        }
        // from several threads: founding a group syncs its first state, and concurrent syncs share fsyncs
        try (var starters = java.util.concurrent.Executors.newFixedThreadPool(Math.min(groups, 16))) {
            List<java.util.concurrent.Future<RaftGroup>> started = new ArrayList<>();
            for (int g = 1; g <= groups; g++) {
                int group = g;
                started.add(starters.submit(() -> node.startGroup(group, founders, machines.get(group))));
            }
            for (int g = 1; g <= groups; g++) {
                groupById.put(g, started.get(g - 1).get());
            }
        }

        // 4. clients
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        Channel server = new ServerBootstrap().group(loop).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(ClientProtocol.frameDecoder(), ClientProtocol.framePrepender(), new RequestHandler());
                    }
                })
                .bind(me.client()).sync().channel();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close().syncUninterruptibly();
            node.close();
            store.close();
            loop.shutdownGracefully();
            stopped.countDown();
        }));
        System.out.println("READY node=" + id + " raft=" + me.raft() + " client=" + me.client() + " groups=" + groups);
        stopped.await();
        return 0;
    }

    /** Answers each request when its future completes; many requests may be in flight per connection. */
    private final class RequestHandler extends SimpleChannelInboundHandler<ByteBuf> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            Request req;
            try {
                req = ClientProtocol.decodeRequest(frame);
            } catch (IllegalArgumentException e) {
                ctx.writeAndFlush(ClientProtocol.encode(ctx, Response.error(0, "malformed request: " + e.getMessage())));
                ctx.close();
                return;
            }
            handle(req).whenComplete((r, err) -> {
                Response out = err == null ? r : failure(req.id(), err);
                ctx.writeAndFlush(ClientProtocol.encode(ctx, out));
            });
        }
    }

    private CompletableFuture<Response> handle(Request req) {
        if (req.op() == ClientProtocol.Op.STATUS) {
            StringBuilder text = new StringBuilder(node.stats().toString());
            groupById.values().forEach(g -> text.append('\n').append(g.status()));
            return CompletableFuture.completedFuture(new Response(req.id(), Status.OK, 0,
                    text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        RaftGroup group = groupById.get(req.group());
        if (group == null) {
            return CompletableFuture.completedFuture(Response.error(req.id(), "unknown group " + req.group() + "; groups are 1.." + groups));
        }
        return switch (req.op()) {
            case PUT -> group.propose(new KvCommand(KvCommand.Op.PUT, req.key(), req.value()).encode())
                    .thenApply(reply -> new Response(req.id(), Status.OK, 0, new byte[0]));
            case DELETE -> group.propose(new KvCommand(KvCommand.Op.DELETE, req.key(), new byte[0]).encode())
                    .thenApply(reply -> new Response(req.id(), Status.OK, 0, new byte[0]));
            case GET -> group.read(ReadConsistency.valueOf(req.consistency().name())).thenApply(ignored -> {
                byte[] value = machines.get(req.group()).get(req.key());
                return value == null ? new Response(req.id(), Status.NOT_FOUND, 0, new byte[0])
                        : new Response(req.id(), Status.OK, 0, value);
            });
            case STATUS -> throw new IllegalStateException("STATUS is answered above");
        };
    }

    private static Response failure(long requestId, Throwable err) {
        Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        return switch (cause) {
            case NotLeaderException e -> new Response(requestId, Status.NOT_LEADER, e.leaderHint(), new byte[0]);
            // refused before it was proposed (e.g. no leader during an election): safe to retry
            case ProposalDroppedException e -> new Response(requestId, Status.NOT_LEADER, 0, new byte[0]);
            case FollowerLaggingException e -> new Response(requestId, Status.NOT_LEADER, e.leaderHint(), new byte[0]);
            default -> Response.error(requestId, cause.toString());
        };
    }
}
