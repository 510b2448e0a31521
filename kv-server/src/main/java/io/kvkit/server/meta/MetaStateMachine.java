package io.kvkit.server.meta;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kvkit.client.proto.CreateTableResponse;
import io.kvkit.client.proto.DropTableResponse;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.Status;
import io.kvkit.client.proto.StatusCode;
import io.kvkit.raft.Snapshot;
import io.kvkit.raft.runtime.GroupStateMachine;
import io.kvkit.ring.NodeState;
import io.kvkit.ring.Ring;
import io.kvkit.ring.RingChange;
import io.kvkit.ring.RingNode;
import io.kvkit.server.meta.proto.AddNodeCommand;
import io.kvkit.server.meta.proto.CreateTableCommand;
import io.kvkit.server.meta.proto.MetaCommand;
import io.kvkit.server.meta.proto.ReportMembershipCommand;
import io.kvkit.server.meta.proto.SetNodeStatusCommand;
import io.kvkit.server.meta.proto.SetWeightCommand;
import io.kvkit.server.partition.TableName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The meta group's replicated state machine: applies {@link MetaCommands} to the
 * {@link ClusterState}, in memory. Deterministic: the reply and the next state depend only on the
 * current state and the command bytes, so every replica holds the same state after the same log.
 *
 * <p>Replies are kvkit.proto {@code Response}s (request id 0; the node sets it), which the node
 * passes to the client as they are. A command that does not parse, or breaks a rule, is an
 * {@code INVALID_ARGUMENT} (or {@code NOT_FOUND}, {@code ALREADY_EXISTS}) reply, never an
 * exception: the outcome of a committed entry must not depend on which replica applies it.
 *
 * <p>Threading: the runtime calls {@link #apply}, {@link #snapshot} and {@link #restore} on the
 * group's apply thread, one at a time. {@link #current()} is a volatile read from any thread.
 * Listeners run on the apply thread after each change (and after a restore), in the order they
 * were added; they must be quick and must not block on the meta group. A listener that throws is
 * logged and does not stop the others or the apply.
 *
 * <p>Durability: none of its own ({@link #appliedIndex()} is 0). The runtime restores the latest
 * snapshot and replays the log after it on start.
 */
public final class MetaStateMachine implements GroupStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(MetaStateMachine.class);
    /** Tables a cluster may hold: each is an engine in every partition replica. */
    public static final int MAX_TABLES = 1024;

    private final ClusterState bootstrap;
    private final List<Consumer<ClusterState>> listeners = new CopyOnWriteArrayList<>();
    private volatile ClusterState current;

    /** @param bootstrap the state before any snapshot ({@link ClusterBootstrap#initialState}); restore with empty data returns to it */
    public MetaStateMachine(ClusterState bootstrap) {
        this.bootstrap = Objects.requireNonNull(bootstrap, "bootstrap");
        this.current = bootstrap;
    }

    /** The state as of the last applied command; any thread. */
    public ClusterState current() {
        return current;
    }

    /** Called on the apply thread with the new state after each change and after each restore. */
    public void addListener(Consumer<ClusterState> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public byte[] apply(long index, byte[] command) {
        MetaCommand c;
        try {
            c = MetaCommand.parseFrom(command);
        } catch (InvalidProtocolBufferException e) {
            return error(StatusCode.INVALID_ARGUMENT, "meta command of " + command.length + " bytes does not parse: "
                    + e.getMessage()).toByteArray();
        }
        Response reply = switch (c.getBodyCase()) {
            case CREATE_TABLE -> createTable(c.getCreateTable());
            case DROP_TABLE -> dropTable(c.getDropTable().getName());
            case ADD_NODE -> addNode(c.getAddNode());
            case REMOVE_NODE -> removeNode(c.getRemoveNode().getNodeId());
            case SET_NODE_STATUS -> setNodeStatus(c.getSetNodeStatus());
            case SET_WEIGHT -> setWeight(c.getSetWeight());
            case REPORT_MEMBERSHIP -> reportMembership(c.getReportMembership());
            case BODY_NOT_SET -> error(StatusCode.INVALID_ARGUMENT, "meta command has no body this build knows (allowed: "
                    + "create_table, drop_table, add_node, remove_node, set_node_status, set_weight, report_membership)");
        };
        return reply.toByteArray();
    }

    private Response createTable(CreateTableCommand c) {
        ClusterState state = current;
        String name = c.getName();
        Response badName = checkName(name);
        if (badName != null) {
            return badName;
        }
        Map<String, String> options = c.getOptionsMap();
        try {
            TableEngines.check("engine", c.getEngine(), options);
        } catch (IllegalArgumentException e) {
            return error(StatusCode.INVALID_ARGUMENT, "table '" + name + "': " + e.getMessage());
        }
        TableRecord existing = state.tables().get(name);
        if (existing != null) {
            if (existing.sameDefinition(c.getEngine(), options)) {
                return ok().setCreateTable(CreateTableResponse.newBuilder().setCreated(false)).build();
            }
            return error(StatusCode.ALREADY_EXISTS, "table '" + name + "' exists with " + existing.describe()
                    + "; asked for engine '" + c.getEngine() + "' and options " + new TableRecord(name, c.getEngine(), options).options());
        }
        if (state.tables().size() >= MAX_TABLES) {
            return error(StatusCode.INVALID_ARGUMENT, "table '" + name + "' cannot be created: the cluster holds "
                    + state.tables().size() + " tables (allowed: at most " + MAX_TABLES + ")");
        }
        publish(state.withTable(new TableRecord(name, c.getEngine(), options)));
        return ok().setCreateTable(CreateTableResponse.newBuilder().setCreated(true)).build();
    }

    private Response dropTable(String name) {
        ClusterState state = current;
        Response badName = checkName(name);
        if (badName != null) {
            return badName;
        }
        if (name.equals(TableName.DEFAULT)) {
            return error(StatusCode.INVALID_ARGUMENT, "the default table cannot be dropped");
        }
        if (!state.tables().containsKey(name)) {
            return error(StatusCode.NOT_FOUND, "table '" + name + "' does not exist (tables: "
                    + String.join(", ", state.tables().keySet()) + ")");
        }
        publish(state.withoutTable(name));
        return ok().setDropTable(DropTableResponse.getDefaultInstance()).build();
    }

    // ------------------------------------------------------------------ nodes and placement
    // Every node change computes the next ring with kv-ring's planner, whose move plan is the
    // minimum for that ring: each partition's target becomes the new ring's replica list, so only
    // the partitions the ring changes move. The planner is deterministic, so is every replica.

    private Response addNode(AddNodeCommand c) {
        ClusterState state = current;
        long id = c.getNodeId();
        if (id < 1 || id > Integer.MAX_VALUE) {
            return error(StatusCode.INVALID_ARGUMENT, "node id " + id + " is not allowed (allowed: 1.." + Integer.MAX_VALUE + ")");
        }
        int weight = c.getWeight() == 0 ? RingNode.STANDARD_WEIGHT : c.getWeight();
        NodeRecord wanted;
        try {
            checkAddress("raft address", c.getRaftAddress(), false);
            checkAddress("client address", c.getClientAddress(), false);
            checkAddress("admin address", c.getAdminAddress(), true);
            checkAddress("resp address", c.getRespAddress(), true);
            wanted = new NodeRecord(id, c.getRaftAddress(), c.getClientAddress(), c.getAdminAddress(), c.getRespAddress(), weight,
                    NodeStatus.UP);
        } catch (IllegalArgumentException e) {
            return error(StatusCode.INVALID_ARGUMENT, "add node " + id + ": " + e.getMessage());
        }
        NodeRecord existing = state.nodes().get(id);
        if (existing != null) {
            boolean sameAddresses = existing.raftAddress().equals(wanted.raftAddress())
                    && existing.clientAddress().equals(wanted.clientAddress())
                    && existing.adminAddress().equals(wanted.adminAddress()) && existing.respAddress().equals(wanted.respAddress());
            if (!sameAddresses) {
                return error(StatusCode.ALREADY_EXISTS, "node " + id + " is already in the cluster with raft " + existing.raftAddress()
                        + ", client " + existing.clientAddress() + "; a node joining with raft " + wanted.raftAddress() + ", client "
                        + wanted.clientAddress() + " must use another id (or the same addresses to rejoin)");
            }
            if (existing.status() == NodeStatus.DOWN) {
                return error(StatusCode.ALREADY_EXISTS, "node " + id + " is marked DOWN and its replicas were re-created elsewhere: "
                        + "it may not serve its old data; set it UP (it rejoins empty) or join under a new id with an empty data directory");
            }
            return ok().setStatus(Status.newBuilder().setCode(StatusCode.OK).setMessage("node " + id + " is already a member ("
                    + existing.status() + ")")).build(); // a retried join
        }
        for (NodeRecord n : state.nodes().values()) {
            if (n.raftAddress().equals(wanted.raftAddress()) || n.clientAddress().equals(wanted.clientAddress())) {
                return error(StatusCode.ALREADY_EXISTS, "add node " + id + ": node " + n.nodeId() + " already uses raft address "
                        + n.raftAddress() + " / client address " + n.clientAddress() + " (addresses must be unique)");
            }
        }
        RingChange change;
        try {
            change = state.ring().join(new RingNode(Math.toIntExact(id), wanted.raftAddress(), "", weight, NodeState.UP));
        } catch (IllegalArgumentException e) {
            return error(StatusCode.INVALID_ARGUMENT, "add node " + id + ": " + e.getMessage());
        }
        TreeMap<Long, NodeRecord> nodes = new TreeMap<>(state.nodes());
        nodes.put(id, wanted);
        publish(state.withNodesAndRing(nodes, change.ring()));
        return moved("node " + id + " added", change);
    }

    private Response removeNode(long id) {
        ClusterState state = current;
        NodeRecord n = state.nodes().get(id);
        if (n == null) {
            return error(StatusCode.NOT_FOUND, "node " + id + " is not in the cluster (nodes: " + state.nodes().keySet() + ")");
        }
        if (n.status() == NodeStatus.LEAVING) {
            return ok().setStatus(Status.newBuilder().setCode(StatusCode.OK).setMessage("node " + id + " is already leaving")).build();
        }
        if (n.status() == NodeStatus.DOWN) {
            return error(StatusCode.INVALID_ARGUMENT, "node " + id + " is DOWN: its replicas are re-created on the others already; "
                    + "it cannot hand anything over");
        }
        if (state.metaMembers().contains(id)) {
            return error(StatusCode.INVALID_ARGUMENT, "node " + id + " is a member of the meta group " + state.metaMembers()
                    + ", which this version does not reconfigure: it cannot leave");
        }
        Response tooFew = checkEnoughLeft(state, id, "leave");
        if (tooFew != null) {
            return tooFew;
        }
        RingChange change;
        try {
            change = state.ring().leave(Math.toIntExact(id));
        } catch (IllegalArgumentException e) {
            return error(StatusCode.INVALID_ARGUMENT, "node " + id + " cannot leave: " + e.getMessage());
        }
        TreeMap<Long, NodeRecord> nodes = new TreeMap<>(state.nodes());
        nodes.put(id, withStatus(n, NodeStatus.LEAVING, n.weight()));
        publish(state.withNodesAndRing(nodes, change.ring()));
        return moved("node " + id + " leaving", change);
    }

    private Response setNodeStatus(SetNodeStatusCommand c) {
        ClusterState state = current;
        long id = c.getNodeId();
        NodeRecord n = state.nodes().get(id);
        if (n == null) {
            return error(StatusCode.NOT_FOUND, "node " + id + " is not in the cluster (nodes: " + state.nodes().keySet() + ")");
        }
        TreeMap<Long, NodeRecord> nodes = new TreeMap<>(state.nodes());
        switch (c.getStatus()) {
            case NODE_STATUS_DOWN -> {
                if (n.status() == NodeStatus.DOWN) {
                    return ok().build();
                }
                nodes.put(id, withStatus(n, NodeStatus.DOWN, n.weight()));
                if (n.status() == NodeStatus.LEAVING) { // out of the ring already: its replicas are moving away
                    publish(state.withNodesAndRing(nodes, state.ring()));
                    return ok().build();
                }
                Response tooFew = checkEnoughLeft(state, id, "be marked DOWN");
                if (tooFew != null) {
                    return tooFew;
                }
                RingChange change;
                try {
                    change = state.ring().fail(List.of(Math.toIntExact(id)));
                } catch (IllegalArgumentException e) {
                    return error(StatusCode.INVALID_ARGUMENT, "node " + id + " cannot be marked DOWN: " + e.getMessage());
                }
                publish(state.withNodesAndRing(nodes, change.ring()));
                return moved("node " + id + " DOWN", change);
            }
            case NODE_STATUS_UP -> {
                if (n.status() == NodeStatus.UP) {
                    return ok().build();
                }
                if (n.status() == NodeStatus.LEAVING) {
                    return error(StatusCode.INVALID_ARGUMENT, "node " + id + " is LEAVING: a decommission is not undone "
                            + "(let it finish, then add the node again under a new id)");
                }
                RingChange change;
                try { // back from DOWN: it holds nothing in the ring any more and joins as a new, empty node
                    change = state.ring().join(new RingNode(Math.toIntExact(id), n.raftAddress(), "", n.weight(), NodeState.UP));
                } catch (IllegalArgumentException e) {
                    return error(StatusCode.INVALID_ARGUMENT, "node " + id + " cannot be set UP: " + e.getMessage());
                }
                nodes.put(id, withStatus(n, NodeStatus.UP, n.weight()));
                publish(state.withNodesAndRing(nodes, change.ring()));
                return moved("node " + id + " UP (rejoined empty)", change);
            }
            default -> {
                return error(StatusCode.INVALID_ARGUMENT, "node " + id + ": status " + c.getStatus()
                        + " cannot be set this way (allowed: NODE_STATUS_UP, NODE_STATUS_DOWN; to decommission use remove_node)");
            }
        }
    }

    private Response setWeight(SetWeightCommand c) {
        ClusterState state = current;
        long id = c.getNodeId();
        NodeRecord n = state.nodes().get(id);
        if (n == null) {
            return error(StatusCode.NOT_FOUND, "node " + id + " is not in the cluster (nodes: " + state.nodes().keySet() + ")");
        }
        int weight = c.getWeight();
        if (weight < RingNode.MIN_WEIGHT || weight > RingNode.MAX_WEIGHT) {
            return error(StatusCode.INVALID_ARGUMENT, "node " + id + ": weight " + weight + " is not allowed (allowed: "
                    + RingNode.MIN_WEIGHT + ".." + RingNode.MAX_WEIGHT + ", " + RingNode.STANDARD_WEIGHT + " = a standard node)");
        }
        if (n.status() != NodeStatus.UP) {
            return error(StatusCode.INVALID_ARGUMENT, "node " + id + " is " + n.status() + ": only an UP node's weight can change");
        }
        if (weight == n.weight()) {
            return ok().build();
        }
        RingChange change;
        try {
            change = state.ring().changeWeight(Math.toIntExact(id), weight);
        } catch (IllegalArgumentException e) {
            return error(StatusCode.INVALID_ARGUMENT, "node " + id + ": weight " + weight + " cannot be set: " + e.getMessage());
        }
        TreeMap<Long, NodeRecord> nodes = new TreeMap<>(state.nodes());
        nodes.put(id, withStatus(n, NodeStatus.UP, weight));
        publish(state.withNodesAndRing(nodes, change.ring()));
        return moved("node " + id + " weight " + weight, change);
    }

    private Response reportMembership(ReportMembershipCommand c) {
        ClusterState state = current;
        int p = c.getPartition();
        if (p < 0 || p >= state.partitionCount()) {
            return error(StatusCode.INVALID_ARGUMENT, "partition " + Integer.toUnsignedString(p) + " does not exist (allowed: 0.."
                    + (state.partitionCount() - 1) + ")");
        }
        PartitionMembership reported;
        try {
            reported = new PartitionMembership(c.getCommitIndex(), c.getVotersList(), c.getLearnersList());
        } catch (IllegalArgumentException e) {
            return error(StatusCode.INVALID_ARGUMENT, "partition " + p + ": " + e.getMessage());
        }
        for (long m : reported.members()) {
            if (!state.nodes().containsKey(m)) {
                return error(StatusCode.INVALID_ARGUMENT, "partition " + p + ": member " + m + " is not among the cluster's nodes");
            }
        }
        PartitionMembership known = state.membership(p);
        if (reported.commitIndex() <= known.commitIndex()) {
            return ok().build(); // as new as, or older than, what is recorded: nothing to learn
        }
        if (reported.voters().equals(known.voters()) && reported.learners().equals(known.learners())) {
            return ok().build(); // same members: no new epoch for a higher index alone
        }
        publish(state.withMembership(p, reported));
        return ok().build();
    }

    private static Response checkEnoughLeft(ClusterState state, long id, String what) {
        long up = state.ring().nodes().stream().filter(r -> r.isUp() && r.id() != id).count();
        if (up < state.replicationFactor()) {
            return error(StatusCode.INVALID_ARGUMENT, "node " + id + " cannot " + what + ": " + up + " other UP nodes would be left for "
                    + "replication factor " + state.replicationFactor() + " (add a node first)");
        }
        return null;
    }

    private static NodeRecord withStatus(NodeRecord n, NodeStatus status, int weight) {
        return new NodeRecord(n.nodeId(), n.raftAddress(), n.clientAddress(), n.adminAddress(), n.respAddress(), weight, status);
    }

    private static Response moved(String what, RingChange change) {
        return ok().setStatus(Status.newBuilder().setCode(StatusCode.OK).setMessage(what + ": " + change.plan().moves().size()
                + " replica moves")).build();
    }

    /** "host:port" with a port in 1..65535 (or "" where {@code optional}). */
    private static void checkAddress(String what, String address, boolean optional) {
        if (address.isEmpty() && optional) {
            return;
        }
        int colon = address.lastIndexOf(':');
        int port;
        try {
            port = colon <= 0 ? -1 : Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException(what + " '" + address + "' is not allowed (allowed: host:port with a port in 1..65535"
                    + (optional ? ", or empty for none" : "") + ")");
        }
    }

    @Override
    public long appliedIndex() {
        return 0; // in memory: the runtime restores the latest snapshot and replays the log after it
    }

    @Override
    public byte[] snapshot() {
        return current.encode();
    }

    /**
     * Replaces the state by the snapshot's ({@link ClusterState#encode()} bytes), or by the
     * bootstrap state for a snapshot with empty data (a founding member's first start).
     *
     * @throws ClusterStateFormatException if the data is not a readable cluster state
     * @throws IllegalStateException       if it is the state of another cluster
     */
    @Override
    public void restore(Snapshot snapshot) {
        if (snapshot.data().length == 0) {
            publish(bootstrap);
            return;
        }
        ClusterState restored = ClusterState.decode(snapshot.data());
        if (restored.clusterId() != bootstrap.clusterId()) {
            throw new IllegalStateException("meta snapshot at index " + snapshot.index() + " is of cluster "
                    + Long.toHexString(restored.clusterId()) + ", this node belongs to cluster "
                    + Long.toHexString(bootstrap.clusterId()) + ": refusing to mix two clusters");
        }
        publish(restored);
    }

    private void publish(ClusterState next) {
        current = next;
        for (Consumer<ClusterState> l : listeners) {
            try {
                l.accept(next);
            } catch (RuntimeException e) {
                LOG.error("meta state listener {} failed on epoch {}", l, next.epoch(), e);
            }
        }
    }

    /** The error reply for a name {@link TableName} refuses, or null. */
    private static Response checkName(String name) {
        try {
            TableName.checkName(name);
            return null;
        } catch (IllegalArgumentException e) {
            return error(StatusCode.INVALID_ARGUMENT, e.getMessage());
        }
    }

    private static Response.Builder ok() {
        return Response.newBuilder().setStatus(Status.newBuilder().setCode(StatusCode.OK));
    }

    private static Response error(StatusCode code, String message) {
        return Response.newBuilder().setStatus(Status.newBuilder().setCode(code).setMessage(message)).build();
    }
}
