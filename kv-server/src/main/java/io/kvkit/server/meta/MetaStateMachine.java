package io.kvkit.server.meta;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kvkit.client.proto.CreateTableResponse;
import io.kvkit.client.proto.DropTableResponse;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.Status;
import io.kvkit.client.proto.StatusCode;
import io.kvkit.raft.Snapshot;
import io.kvkit.raft.runtime.GroupStateMachine;
import io.kvkit.server.meta.proto.CreateTableCommand;
import io.kvkit.server.meta.proto.MetaCommand;
import io.kvkit.server.partition.TableName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Objects;
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
            case BODY_NOT_SET -> error(StatusCode.INVALID_ARGUMENT,
                    "meta command has no body this build knows (allowed: create_table, drop_table)");
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
