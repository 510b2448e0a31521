package io.kvkit.client;

import io.kvkit.client.proto.CreateTableRequest;
import io.kvkit.client.proto.DropTableRequest;
import io.kvkit.client.proto.ListTablesRequest;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.TableInfo;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The kvkit client: one per application, thread-safe, closed at the end.
 *
 * <pre>{@code
 * try (KvClient client = KvClient.builder().seeds("10.0.0.1:7000", "10.0.0.2:7000").build()) {
 *     client.put(key, value);
 *     byte[] v = client.get(key);
 *     KvTable users = client.table("users").withConsistency(Consistency.FOLLOWER);
 *     CompletableFuture<byte[]> f = users.getAsync(key);
 * }
 * }</pre>
 *
 * <p>Requests go straight to the leader of the key's partition (the client computes partitions
 * as the ring does and caches the topology), over a small pool of pipelined connections per
 * node. Failures that are safe to retry are retried with exponential backoff and jitter until
 * the call's deadline; every write carries a session so that a retried write applies once.
 * See {@link PartitionCall} for the exact rules and the module README for the protocol.
 */
public final class KvClient implements AutoCloseable {
    private final KvClientOptions opts;
    private final ConnectionPools pools;
    private final RoutingCache routing;
    private final AtomicReference<ClientSession> session = new AtomicReference<>(ClientSession.random());
    private volatile ProtocolLimits limits;

    private KvClient(KvClientOptions opts) {
        this.opts = opts;
        this.limits = opts.limits();
        this.pools = new ConnectionPools(opts, announced -> limits = announced);
        this.routing = new RoutingCache(pools, opts.seeds(), 3 * opts.connectTimeout().toNanos());
    }

    public static Builder builder() {
        return new Builder();
    }

    public KvClientOptions options() {
        return opts;
    }

    /** The limits in force: the last ones a server announced, the configured ones before. */
    public ProtocolLimits limits() {
        return limits;
    }

    /** A view of table {@code name} with the default consistency and deadline. */
    public KvTable table(String name) {
        Protocol.checkTableName(name);
        return new KvTable(this, name, opts.defaultConsistency(), opts.defaultDeadline());
    }

    /** The table named "default", which always exists. */
    public KvTable defaultTable() {
        return table(Protocol.DEFAULT_TABLE);
    }

    // ----- shortcuts to the default table

    /** The key's value in the default table, or null if absent. */
    public byte[] get(byte[] key) {
        return defaultTable().get(key);
    }

    public void put(byte[] key, byte[] value) {
        defaultTable().put(key, value);
    }

    public boolean delete(byte[] key) {
        return defaultTable().delete(key);
    }

    public CasResult compareAndSet(byte[] key, byte[] expected, byte[] newValue) {
        return defaultTable().compareAndSet(key, expected, newValue);
    }

    // ----- topology

    /** The cached topology, fetched if there is none yet. */
    public Topology topology() {
        return await(topologyAsync());
    }

    public CompletableFuture<Topology> topologyAsync() {
        return topologyBefore(System.nanoTime() + opts.defaultDeadline().toNanos());
    }

    /** Fetches the topology now. */
    public Topology refreshTopology() {
        return await(refreshTopologyAsync());
    }

    public CompletableFuture<Topology> refreshTopologyAsync() {
        return routing.refresh("asked by the application");
    }

    // ----- table administration

    /**
     * Creates a table on {@code engine} ("lsm", "hash" or "bplustree") with engine options.
     * Returns false if it already existed with the same engine and options (ALREADY_EXISTS if
     * with others).
     */
    public boolean createTable(String name, String engine, Map<String, String> options) {
        return await(createTableAsync(name, engine, options));
    }

    public CompletableFuture<Boolean> createTableAsync(String name, String engine, Map<String, String> options) {
        try {
            Protocol.checkTableName(name);
        } catch (KvException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (!Protocol.ENGINES.contains(engine)) {
            return CompletableFuture.failedFuture(new KvException(KvStatus.INVALID_ARGUMENT, "engine '" + engine
                    + "' is not one of " + Protocol.ENGINES));
        }
        Request.Builder r = Request.newBuilder().setCreateTable(
                CreateTableRequest.newBuilder().setName(name).setEngine(engine).putAllOptions(Objects.requireNonNull(options, "options")));
        return admin(r, true).thenApply(resp -> KvTable.expect(resp, Response.BodyCase.CREATE_TABLE).getCreateTable().getCreated());
    }

    /** Drops a table (NOT_FOUND if there is none). */
    public void dropTable(String name) {
        await(dropTableAsync(name));
    }

    public CompletableFuture<Void> dropTableAsync(String name) {
        try {
            Protocol.checkTableName(name);
        } catch (KvException e) {
            return CompletableFuture.failedFuture(e);
        }
        Request.Builder r = Request.newBuilder().setDropTable(DropTableRequest.newBuilder().setName(name));
        return admin(r, true).thenApply(resp -> {
            KvTable.expect(resp, Response.BodyCase.DROP_TABLE);
            return null;
        });
    }

    public List<TableDescriptor> listTables() {
        return await(listTablesAsync());
    }

    public CompletableFuture<List<TableDescriptor>> listTablesAsync() {
        return admin(Request.newBuilder().setListTables(ListTablesRequest.getDefaultInstance()), false).thenApply(resp -> {
            List<TableDescriptor> tables = new ArrayList<>();
            for (TableInfo t : KvTable.expect(resp, Response.BodyCase.LIST_TABLES).getListTables().getTablesList()) {
                tables.add(TableDescriptor.fromWire(t));
            }
            return List.copyOf(tables);
        });
    }

    private CompletableFuture<Response> admin(Request.Builder r, boolean mutating) {
        return PartitionCall.run(this, PartitionCall.ANY_NODE, r, false, mutating, System.nanoTime() + opts.defaultDeadline().toNanos());
    }

    @Override
    public void close() {
        pools.close();
    }

    // ----- for the calls

    ConnectionPools pools() {
        return pools;
    }

    RoutingCache routing() {
        return routing;
    }

    ClientSession session() {
        return session.get();
    }

    /** A server no longer knows {@code expired}: later commands use a fresh client id. */
    void sessionExpired(ClientSession expired) {
        session.compareAndSet(expired, ClientSession.random());
    }

    /**
     * The topology, fetched if needed and retried under the retry policy until the deadline:
     * what multi-partition calls need before they can split their keys.
     */
    CompletableFuture<Topology> topologyBefore(long deadlineNanos) {
        CompletableFuture<Topology> out = new CompletableFuture<>();
        fetchTopology(out, deadlineNanos, 1);
        return out;
    }

    private void fetchTopology(CompletableFuture<Topology> out, long deadlineNanos, int attempt) {
        routing.topology().whenComplete((t, e) -> {
            if (e == null) {
                out.complete(t);
                return;
            }
            long delay = opts.retryPolicy().backoffNanos(attempt);
            if (attempt >= opts.retryPolicy().maxAttempts() || System.nanoTime() + delay >= deadlineNanos) {
                out.completeExceptionally(PartitionCall.unwrap(e));
                return;
            }
            try {
                pools.timer().schedule(() -> fetchTopology(out, deadlineNanos, attempt + 1), delay, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closed) {
                out.completeExceptionally(new KvConnectionException("the client is closed", false));
            }
        });
    }

    /** Waits for a call; its failure is rethrown as the {@link KvException} it is. */
    static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KvException(KvStatus.UNAVAILABLE, "interrupted while waiting for the answer (the request may still apply)", e);
        } catch (ExecutionException e) {
            Throwable cause = PartitionCall.unwrap(e.getCause());
            if (cause instanceof KvException ke) {
                throw ke;
            }
            throw new KvException(KvStatus.INTERNAL, "unexpected failure: " + cause, cause);
        }
    }

    /** Settings of a {@link KvClient}; every default is in {@link KvClientOptions}. */
    public static final class Builder {
        private final List<InetSocketAddress> seeds = new ArrayList<>();
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration defaultDeadline = Duration.ofSeconds(10);
        private Duration attemptTimeout = Duration.ZERO;
        private int poolSizePerNode = 1;
        private int maxInFlightPerConnection = 1024;
        private long maxInFlightBytesPerConnection = 64L << 20;
        private int maxQueuedPerConnection = 65_536;
        private RetryPolicy retryPolicy = RetryPolicy.defaults();
        private ProtocolLimits limits = ProtocolLimits.defaults();
        private Consistency defaultConsistency = Consistency.LINEARIZABLE;
        private int ioThreads = 2;
        private boolean preferNativeEpoll = true;
        private String clientName = "kvkit-java/0.1.0";

        private Builder() {}

        /** Seed endpoints as "host:port". */
        public Builder seeds(String... hostPorts) {
            for (String hp : hostPorts) {
                try {
                    seeds.add(Topology.parseAddress(hp, "seed"));
                } catch (KvProtocolException e) {
                    throw new IllegalArgumentException("seed '" + hp + "' is not host:port");
                }
            }
            return this;
        }

        public Builder seeds(List<InetSocketAddress> addresses) {
            seeds.addAll(addresses);
            return this;
        }

        public Builder connectTimeout(Duration d) {
            connectTimeout = d;
            return this;
        }

        public Builder defaultDeadline(Duration d) {
            defaultDeadline = d;
            return this;
        }

        public Builder attemptTimeout(Duration d) {
            attemptTimeout = d;
            return this;
        }

        public Builder poolSizePerNode(int n) {
            poolSizePerNode = n;
            return this;
        }

        public Builder maxInFlightPerConnection(int n) {
            maxInFlightPerConnection = n;
            return this;
        }

        public Builder maxInFlightBytesPerConnection(long n) {
            maxInFlightBytesPerConnection = n;
            return this;
        }

        public Builder maxQueuedPerConnection(int n) {
            maxQueuedPerConnection = n;
            return this;
        }

        public Builder retryPolicy(RetryPolicy p) {
            retryPolicy = p;
            return this;
        }

        public Builder limits(ProtocolLimits l) {
            limits = l;
            return this;
        }

        public Builder defaultConsistency(Consistency c) {
            defaultConsistency = c;
            return this;
        }

        public Builder ioThreads(int n) {
            ioThreads = n;
            return this;
        }

        public Builder preferNativeEpoll(boolean b) {
            preferNativeEpoll = b;
            return this;
        }

        public Builder clientName(String name) {
            clientName = name;
            return this;
        }

        public KvClientOptions options() {
            return new KvClientOptions(seeds, connectTimeout, defaultDeadline, attemptTimeout, poolSizePerNode, maxInFlightPerConnection,
                    maxInFlightBytesPerConnection, maxQueuedPerConnection, retryPolicy, limits, defaultConsistency, ioThreads, preferNativeEpoll, clientName);
        }

        /** A client; it connects on first use. */
        public KvClient build() {
            return new KvClient(options());
        }
    }
}
