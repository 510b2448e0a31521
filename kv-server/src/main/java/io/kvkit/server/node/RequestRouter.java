package io.kvkit.server.node;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kvkit.client.RequestValidator;
import io.kvkit.client.proto.BatchOperation;
import io.kvkit.client.proto.CreateTableRequest;
import io.kvkit.client.proto.DropTableRequest;
import io.kvkit.client.proto.GetResponse;
import io.kvkit.client.proto.ListTablesResponse;
import io.kvkit.client.proto.MultiGetResponse;
import io.kvkit.client.proto.ReadConsistency;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.ScanRequest;
import io.kvkit.client.proto.Session;
import io.kvkit.client.proto.Status;
import io.kvkit.client.proto.StatusCode;
import io.kvkit.client.proto.TableInfo;
import io.kvkit.raft.runtime.RaftGroup;
import io.kvkit.server.endpoint.PeerForwarder;
import io.kvkit.server.endpoint.RequestHandler;
import io.kvkit.server.meta.MetaCommands;
import io.kvkit.server.meta.ClusterState;
import io.kvkit.server.meta.NodeStatus;
import io.kvkit.client.proto.ClusterStateResponse;
import io.kvkit.client.proto.NodeChangeRequest;
import io.kvkit.client.proto.NodeChangeResponse;
import io.kvkit.server.meta.MetaStateMachine;
import io.kvkit.server.partition.PartitionCommand;
import io.kvkit.server.partition.PartitionStateMachine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where every client request goes. Any node accepts any request:
 * <ul>
 *   <li>a write to a partition this node leads is proposed to its Raft group, and the state
 *       machine's reply is the answer;</li>
 *   <li>a read is served here when this replica may serve it at the requested consistency
 *       (the leader for linearizable and lease reads, any replica for follower and stale ones);</li>
 *   <li>anything else is forwarded, once, to the node that can execute it (the leader this node
 *       knows of, else a replica), and that node's answer is relayed. A forwarded request is
 *       never forwarded again: a node that cannot execute it answers NOT_LEADER with its hint.</li>
 *   <li>table administration goes through the meta group, then to every partition.</li>
 * </ul>
 * Nothing here blocks: every path is a chain of futures completed by Raft, the forwarder or the
 * read executor.
 */
final class RequestRouter implements RequestHandler {

    /** A meta group member hosted here. */
    record MetaReplica(RaftGroup group, MetaStateMachine machine) {
    }

    private final long nodeId;
    private final ClusterView view;
    private final Map<Integer, LocalPartition> partitions;
    private final MetaReplica meta;
    private final List<Long> metaMembers;
    private final PeerForwarder forwarder;
    private final RequestValidator validator;
    private final Executor readExecutor;
    private final long requestTimeoutMillis;
    private final InternalSession internal = new InternalSession();
    private final AtomicLong metaLeaderHint = new AtomicLong();

    RequestRouter(long nodeId, ClusterView view, Map<Integer, LocalPartition> partitions, MetaReplica meta,
                  List<Long> metaMembers, PeerForwarder forwarder, RequestValidator validator, Executor readExecutor,
                  long requestTimeoutMillis) {
        this.nodeId = nodeId;
        this.view = view;
        this.partitions = partitions;
        this.meta = meta;
        this.metaMembers = List.copyOf(metaMembers);
        this.forwarder = forwarder;
        this.validator = validator;
        this.readExecutor = readExecutor;
        this.requestTimeoutMillis = requestTimeoutMillis;
    }

    @Override
    public CompletableFuture<Response> handle(Request r) {
        Status invalid = validator.check(r);
        if (invalid != null) {
            return answer(r, invalid);
        }
        try {
            return switch (r.getBodyCase()) {
                case ROUTE -> CompletableFuture.completedFuture(Response.newBuilder().setRequestId(r.getRequestId())
                        .setStatus(ok()).setRoute(view.routes().toRouteResponse(p -> leaderOf((int) p))).build());
                case LIST_TABLES -> CompletableFuture.completedFuture(Response.newBuilder().setRequestId(r.getRequestId())
                        .setStatus(ok()).setListTables(ListTablesResponse.newBuilder().addAllTables(sortedTables())).build());
                case CREATE_TABLE, DROP_TABLE -> r.hasPartition() ? partitionTableCommand(r) : tableAdmin(r);
                case CLUSTER_STATE -> {
                    ClusterState state = view.state();
                    yield CompletableFuture.completedFuture(Response.newBuilder().setRequestId(r.getRequestId()).setStatus(ok())
                            .setClusterState(ClusterStateResponse.newBuilder().setState(ByteString.copyFrom(state.encode()))
                                    .setEpoch(state.epoch())).build());
                }
                case NODE_CHANGE -> nodeChange(r);
                case GET, MULTI_GET, SCAN -> {
                    Status stale = checkEpoch(r);
                    yield stale != null ? answer(r, stale) : read(partitionOf(r), r);
                }
                case PUT, DELETE, BATCH, COMPARE_AND_SET -> {
                    Status stale = checkEpoch(r);
                    yield stale != null ? answer(r, stale) : write(partitionOf(r), r);
                }
                default -> answer(r, FailureStatus.status(StatusCode.INVALID_ARGUMENT, "request " + r.getRequestId()
                        + " has body " + r.getBodyCase() + ", which a node does not serve"));
            };
        } catch (IllegalArgumentException e) {
            return answer(r, FailureStatus.status(StatusCode.INVALID_ARGUMENT, e.getMessage()));
        }
    }

    /** Whether the cluster state this node holds marks it DOWN. */
    private boolean markedDown() {
        var self = view.state().nodes().get(nodeId);
        return self != null && self.status() == io.kvkit.server.meta.NodeStatus.DOWN;
    }

    /** The leader of partition {@code p} as far as this node knows (0 if it does not). */
    long leaderOf(int p) {
        LocalPartition local = partitions.get(p);
        if (local != null) {
            long leader = local.leader();
            if (leader > 0) {
                return leader;
            }
        }
        return view.leaderHint(p);
    }

    // ------------------------------------------------------------------ data

    private Status checkEpoch(Request r) {
        long current = view.routes().epoch();
        if (r.getRoutingEpoch() != 0 && r.getRoutingEpoch() < current) {
            return Status.newBuilder().setCode(StatusCode.WRONG_EPOCH).setCurrentEpoch(current)
                    .setMessage("routing epoch " + r.getRoutingEpoch() + " is older than this node's " + current).build();
        }
        return null;
    }

    private int partitionOf(Request r) {
        Routes routes = view.routes();
        return switch (r.getBodyCase()) {
            case GET -> routes.partitionOf(r.getGet().getKey().toByteArray());
            case PUT -> routes.partitionOf(r.getPut().getKey().toByteArray());
            case DELETE -> routes.partitionOf(r.getDelete().getKey().toByteArray());
            case COMPARE_AND_SET -> routes.partitionOf(r.getCompareAndSet().getKey().toByteArray());
            case MULTI_GET -> onePartition(routes, r.getMultiGet().getKeysList(), "multi_get");
            case BATCH -> onePartition(routes, r.getBatch().getOperationsList().stream().map(BatchOperation::getKey).toList(), "batch");
            case SCAN -> {
                ScanRequest s = r.getScan();
                if (s.getPartitionId() >= routes.partitionCount()) {
                    throw new IllegalArgumentException("scan partition_id " + s.getPartitionId()
                            + " does not exist (allowed: 0 to " + (routes.partitionCount() - 1) + ")");
                }
                yield s.getPartitionId();
            }
            default -> throw new IllegalArgumentException(r.getBodyCase() + " has no partition");
        };
    }

    private static int onePartition(Routes routes, List<ByteString> keys, String what) {
        TreeSet<Integer> seen = new TreeSet<>();
        for (ByteString k : keys) {
            seen.add(routes.partitionOf(k.toByteArray()));
        }
        if (seen.size() != 1) {
            throw new IllegalArgumentException("the keys of a " + what + " must share one partition; these span partitions "
                    + seen + " (the client splits a multi-get per partition; a batch is atomic only within one)");
        }
        return seen.first();
    }

    private CompletableFuture<Response> write(int p, Request r) {
        LocalPartition local = partitions.get(p);
        if (local == null) {
            return redirect(p, r, view.leaderHint(p));
        }
        return local.group().propose(PartitionCommand.encode(r)).handle((reply, err) -> {
            if (err == null) {
                view.noteLeader(p, nodeId);
                return CompletableFuture.completedFuture(withId(parse(reply), r));
            }
            long hint = FailureStatus.leaderHint(err);
            if (hint >= 0) { // nothing was done: the leader (if known) can do it
                return redirect(p, r, hint);
            }
            return answer(r, FailureStatus.of(err));
        }).thenCompose(f -> f);
    }

    private CompletableFuture<Response> read(int p, Request r) {
        LocalPartition local = partitions.get(p);
        if (local == null || !local.isMember()) {
            return redirect(p, r, view.leaderHint(p));
        }
        ReadConsistency c = r.getConsistency();
        if (c == ReadConsistency.STALE && markedDown()) {
            // the cluster replaced this node's replicas: what it holds may be old, and a stale read would show it
            return redirect(p, r, view.leaderHint(p));
        }
        io.kvkit.raft.runtime.ReadConsistency level = switch (c) {
            case LEASE -> io.kvkit.raft.runtime.ReadConsistency.LEASE;
            case FOLLOWER -> io.kvkit.raft.runtime.ReadConsistency.FOLLOWER;
            case STALE -> io.kvkit.raft.runtime.ReadConsistency.STALE;
            default -> io.kvkit.raft.runtime.ReadConsistency.LINEARIZABLE;
        };
        return local.group().read(level).handle((ignored, err) -> {
            if (err == null) {
                return CompletableFuture.supplyAsync(() -> serve(local.machine(), r), readExecutor);
            }
            long hint = FailureStatus.leaderHint(err);
            if (hint >= 0) {
                return redirect(p, r, hint);
            }
            return answer(r, FailureStatus.of(err));
        }).thenCompose(f -> f);
    }

    /** Reads from the local replica once Raft has said it may. */
    private Response serve(PartitionStateMachine m, Request r) {
        Response.Builder out = Response.newBuilder().setRequestId(r.getRequestId()).setStatus(ok());
        try {
            switch (r.getBodyCase()) {
                case GET -> out.setGet(found(m.get(r.getTable(), r.getGet().getKey().toByteArray())));
                case MULTI_GET -> {
                    List<byte[]> values = m.multiGet(r.getTable(), r.getMultiGet().getKeysList().stream().map(ByteString::toByteArray).toList());
                    MultiGetResponse.Builder b = MultiGetResponse.newBuilder();
                    values.forEach(v -> b.addResults(found(v)));
                    out.setMultiGet(b);
                }
                case SCAN -> {
                    ScanRequest s = r.getScan();
                    out.setScan(m.scan(r.getTable(), s.getStart().toByteArray(), s.getEnd().toByteArray(), s.getLimit(),
                            s.getReverse(), s.getKeysOnly()));
                }
                default -> throw new IllegalStateException(r.getBodyCase() + " is not a read");
            }
            return out.build();
        } catch (RuntimeException e) {
            return Response.newBuilder().setRequestId(r.getRequestId()).setStatus(FailureStatus.of(e)).build();
        }
    }

    private static GetResponse.Builder found(byte[] value) {
        return value == null ? GetResponse.newBuilder().setFound(false)
                : GetResponse.newBuilder().setFound(true).setValue(ByteString.copyFrom(value));
    }

    /**
     * Sends {@code r} to the node that can execute it: the leader hint if there is one, else a
     * replica of the partition. A request that was already forwarded once is answered
     * NOT_LEADER instead (with the hint), so no request ever travels more than one extra hop.
     */
    private CompletableFuture<Response> redirect(int p, Request r, long hint) {
        long target = hint > 0 && hint != nodeId ? hint : otherReplica(p);
        if (r.getForwarded() || target == 0) {
            return answer(r, notLeader(hint > 0 ? hint : 0, "node " + nodeId + " cannot execute this request for partition " + p
                    + (hint > 0 ? "; node " + hint + " leads it" : "; its leader is not known here (an election may be under way)")));
        }
        return forward(target, r, 1, leader -> view.noteLeader(p, leader));
    }

    private long otherReplica(int p) {
        for (long n : view.routes().replicas().get(p)) {
            if (n != nodeId && view.routes().clientAddresses().containsKey(n)) {
                return n;
            }
        }
        return 0;
    }

    /** Forwards to {@code target}; follows one NOT_LEADER hint from it. */
    private CompletableFuture<Response> forward(long target, Request r, int hops, java.util.function.LongConsumer noteLeader) {
        String address = view.routes().clientAddresses().get(target);
        if (address == null) {
            return answer(r, FailureStatus.status(StatusCode.UNAVAILABLE, "node " + target + " has no known client address"));
        }
        Request forwarded = r.toBuilder().setForwarded(true).build();
        return forwarder.forward(address, forwarded).handle((resp, err) -> {
            if (err != null) {
                return answer(r, FailureStatus.of(err));
            }
            if (resp.getStatus().getCode() == StatusCode.NOT_LEADER) {
                long next = resp.getStatus().getLeaderNodeId();
                noteLeader.accept(next);
                if (hops > 0 && next > 0 && next != target && next != nodeId) {
                    return forward(next, r, hops - 1, noteLeader);
                }
            } else if (resp.getStatus().getCode() == StatusCode.OK) {
                noteLeader.accept(target);
            }
            return CompletableFuture.completedFuture(withId(resp, r));
        }).thenCompose(f -> f);
    }

    // ------------------------------------------------------------------ tables

    private CompletableFuture<Response> tableAdmin(Request r) {
        if (meta == null) {
            return forwardToMeta(r);
        }
        byte[] command = r.hasCreateTable()
                ? MetaCommands.createTable(r.getCreateTable().getName(), r.getCreateTable().getEngine(), r.getCreateTable().getOptionsMap())
                : MetaCommands.dropTable(r.getDropTable().getName());
        return meta.group().propose(command).handle((reply, err) -> {
            if (err != null) {
                long hint = FailureStatus.leaderHint(err);
                if (hint >= 0) {
                    metaLeaderHint.set(Math.max(0, hint));
                    return forwardToMeta(r);
                }
                return answer(r, FailureStatus.of(err));
            }
            Response decided = parse(reply);
            if (r.hasDropTable() && decided.getStatus().getCode() == StatusCode.NOT_FOUND) {
                // a retried drop: the catalog forgot the table already, but a partition may have missed the push
                return pushToPartitions(r).thenApply(ignored -> withId(decided, r));
            }
            if (decided.getStatus().getCode() != StatusCode.OK) {
                return CompletableFuture.completedFuture(withId(decided, r));
            }
            // the catalog has it: now every partition, so that the table is usable when the client hears OK
            return pushToPartitions(r).thenApply(failures -> failures.isEmpty() ? withId(decided, r)
                    : withId(Response.newBuilder().setStatus(FailureStatus.status(StatusCode.TIMEOUT,
                    "the table change is in the cluster's catalog, but " + failures.size() + " partitions have not applied it yet ("
                            + String.join("; ", failures.subList(0, Math.min(3, failures.size())))
                            + "); they converge in the background, and a retry waits for them again")).build(), r));
        }).thenCompose(f -> f);
    }

    // ------------------------------------------------------------------ nodes

    /** Has the meta group decide a change of the cluster's nodes (here if this node leads it, else on its leader). */
    private CompletableFuture<Response> nodeChange(Request r) {
        NodeChangeRequest c = r.getNodeChange();
        long id = c.getNodeId();
        byte[] command = switch (c.getKind()) {
            case ADD_NODE -> MetaCommands.addNode(id, c.getRaftAddress(), c.getClientAddress(), c.getAdminAddress(), c.getRespAddress(),
                    c.getWeight());
            case REMOVE_NODE -> MetaCommands.removeNode(id);
            case SET_WEIGHT -> MetaCommands.setWeight(id, c.getWeight());
            case MARK_DOWN -> MetaCommands.setNodeStatus(id, NodeStatus.DOWN);
            case MARK_UP -> MetaCommands.setNodeStatus(id, NodeStatus.UP);
            case REPORT_MEMBERSHIP -> MetaCommands.reportMembership(c.getPartition(), c.getCommitIndex(), c.getVotersList(),
                    c.getLearnersList());
            default -> null;
        };
        if (command == null) {
            return answer(r, FailureStatus.status(StatusCode.INVALID_ARGUMENT, "node_change kind " + c.getKind()
                    + " is not allowed (allowed: ADD_NODE, REMOVE_NODE, SET_WEIGHT, MARK_DOWN, MARK_UP)"));
        }
        return proposeToMeta(r, command).thenApply(decided -> decided.getStatus().getCode() != StatusCode.OK ? decided
                : decided.toBuilder().setNodeChange(NodeChangeResponse.newBuilder().setOutcome(decided.getStatus().getMessage())).build());
    }

    /** Proposes a meta command here if this node is a meta member, else forwards {@code r} to the meta leader. */
    CompletableFuture<Response> proposeToMeta(Request r, byte[] command) {
        if (meta == null) {
            return forwardToMeta(r);
        }
        return meta.group().propose(command).handle((reply, err) -> {
            if (err != null) {
                long hint = FailureStatus.leaderHint(err);
                if (hint >= 0) {
                    metaLeaderHint.set(Math.max(0, hint));
                    return forwardToMeta(r);
                }
                return answer(r, FailureStatus.of(err));
            }
            return CompletableFuture.completedFuture(withId(parse(reply), r));
        }).thenCompose(f -> f);
    }

    /** A table command for one partition, sent by the node that had the meta group decide it. */
    private CompletableFuture<Response> partitionTableCommand(Request r) {
        int q = view.routes().partitionCount();
        if (r.getPartition() >= q) {
            return answer(r, FailureStatus.status(StatusCode.INVALID_ARGUMENT, "partition " + r.getPartition()
                    + " does not exist (allowed: 0 to " + (q - 1) + ")"));
        }
        return write(r.getPartition(), r);
    }

    private CompletableFuture<Response> forwardToMeta(Request r) {
        long hint = metaLeaderHint.get();
        long target = hint > 0 && hint != nodeId ? hint
                : metaMembers.stream().filter(m -> m != nodeId).findFirst().orElse(0L);
        if (r.getForwarded() || target == 0) {
            return answer(r, notLeader(hint, "node " + nodeId + " does not lead the meta group"));
        }
        return forward(target, r, 1, metaLeaderHint::set);
    }

    /** Applies a table's creation or drop on every partition; completes with what failed (empty: all done). */
    CompletableFuture<List<String>> pushToPartitions(Request admin) {
        int q = view.routes().partitionCount();
        List<CompletableFuture<String>> results = new ArrayList<>(q);
        for (int p = 0; p < q; p++) {
            int partition = p;
            results.add(applyOnPartition(partition, admin.hasCreateTable() ? Request.newBuilder().setCreateTable(admin.getCreateTable())
                    : Request.newBuilder().setDropTable(admin.getDropTable()))
                    .orTimeout(requestTimeoutMillis, TimeUnit.MILLISECONDS)
                    .handle((resp, err) -> err != null ? "partition " + partition + ": " + FailureStatus.of(err).getMessage()
                            : resp.getStatus().getCode() == StatusCode.OK || resp.getStatus().getCode() == StatusCode.NOT_FOUND && admin.hasDropTable()
                            ? null : "partition " + partition + ": " + resp.getStatus().getCode() + " " + resp.getStatus().getMessage()));
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
                .thenApply(v -> results.stream().map(CompletableFuture::join).filter(java.util.Objects::nonNull).toList());
    }

    /**
     * One table command of the node's own on one partition, through the normal write path. A
     * leader change (NOT_LEADER, or an outcome left unknown) is retried with the same session
     * sequence number until the request timeout, so it applies once; leadership transfers by the
     * balancer are routine, and a table push must ride them out.
     */
    CompletableFuture<Response> applyOnPartition(int p, Request.Builder command) {
        Session s = internal.begin();
        Request r = command.setRequestId(1).setSession(s).setPartition(p).build();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(requestTimeoutMillis);
        return writeRetrying(p, r, deadline, 0).whenComplete((resp, err) -> internal.done(s));
    }

    private CompletableFuture<Response> writeRetrying(int p, Request r, long deadline, int attempt) {
        return write(p, r).handle((resp, err) -> {
            StatusCode code = err != null ? FailureStatus.of(err).getCode() : resp.getStatus().getCode();
            boolean retryable = code == StatusCode.NOT_LEADER || code == StatusCode.UNAVAILABLE || code == StatusCode.TIMEOUT;
            long backoffMillis = Math.min(500, 25L << Math.min(attempt, 5));
            if (!retryable || System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMillis) >= deadline) {
                return err != null ? CompletableFuture.<Response>failedFuture(err) : CompletableFuture.completedFuture(resp);
            }
            Executor later = CompletableFuture.delayedExecutor(backoffMillis, TimeUnit.MILLISECONDS);
            return CompletableFuture.supplyAsync(() -> null, later).thenCompose(ignored -> writeRetrying(p, r, deadline, attempt + 1));
        }).thenCompose(f -> f);
    }

    CompletableFuture<Response> createOnPartition(int p, TableInfo t) {
        return applyOnPartition(p, Request.newBuilder().setCreateTable(CreateTableRequest.newBuilder().setName(t.getName())
                .setEngine(t.getEngine()).putAllOptions(t.getOptionsMap())));
    }

    CompletableFuture<Response> dropOnPartition(int p, String table) {
        return applyOnPartition(p, Request.newBuilder().setDropTable(DropTableRequest.newBuilder().setName(table)));
    }

    private List<TableInfo> sortedTables() {
        return view.routes().tables().values().stream().sorted(Comparator.comparing(TableInfo::getName)).toList();
    }

    // ------------------------------------------------------------------ replies

    private static Response parse(byte[] reply) {
        try {
            return Response.parseFrom(reply);
        } catch (InvalidProtocolBufferException e) {
            return Response.newBuilder().setStatus(FailureStatus.status(StatusCode.INTERNAL,
                    "a state machine reply of " + reply.length + " bytes does not parse: " + e.getMessage())).build();
        }
    }

    private static Response withId(Response resp, Request r) {
        return resp.getRequestId() == r.getRequestId() ? resp : resp.toBuilder().setRequestId(r.getRequestId()).build();
    }

    private static CompletableFuture<Response> answer(Request r, Status status) {
        return CompletableFuture.completedFuture(Response.newBuilder().setRequestId(r.getRequestId()).setStatus(status).build());
    }

    private Status notLeader(long hint, String message) {
        Status.Builder b = Status.newBuilder().setCode(StatusCode.NOT_LEADER).setMessage(message);
        if (hint > 0) {
            b.setLeaderNodeId(hint);
            String address = view.routes().clientAddresses().get(hint);
            if (address != null) {
                b.setLeaderAddress(address);
            }
        }
        return b.build();
    }

    private static Status ok() {
        return Status.newBuilder().setCode(StatusCode.OK).build();
    }
}
