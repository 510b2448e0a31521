package io.kvkit.server.meta;

import io.kvkit.server.meta.proto.AddNodeCommand;
import io.kvkit.server.meta.proto.CreateTableCommand;
import io.kvkit.server.meta.proto.DropTableCommand;
import io.kvkit.server.meta.proto.MetaCommand;
import io.kvkit.server.meta.proto.NodeStatusCode;
import io.kvkit.server.meta.proto.RemoveNodeCommand;
import io.kvkit.server.meta.proto.ReportMembershipCommand;
import io.kvkit.server.meta.proto.SetNodeStatusCommand;
import io.kvkit.server.meta.proto.SetWeightCommand;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Encoders for the meta group's commands (meta.proto's {@code MetaCommand} oneof): the bytes a
 * node gives to the meta group's {@code RaftGroup.propose}. The state machine checks them, not
 * the encoder, so that every replica judges a command by the same rules.
 */
public final class MetaCommands {

    private MetaCommands() {
    }

    /** Creates table {@code name} with {@code engine} and {@code options}. */
    public static byte[] createTable(String name, String engine, Map<String, String> options) {
        CreateTableCommand.Builder c = CreateTableCommand.newBuilder().setName(Objects.requireNonNull(name, "name"))
                .setEngine(Objects.requireNonNull(engine, "engine"));
        c.putAllOptions(new TreeMap<>(options)); // sorted: the same request gives the same bytes
        return MetaCommand.newBuilder().setCreateTable(c).build().toByteArray();
    }

    /** Drops table {@code name}. */
    public static byte[] dropTable(String name) {
        return MetaCommand.newBuilder().setDropTable(DropTableCommand.newBuilder().setName(Objects.requireNonNull(name, "name")))
                .build().toByteArray();
    }

    /** Adds a node (weight 0 = standard); see meta.proto's {@code AddNodeCommand}. */
    public static byte[] addNode(long nodeId, String raftAddress, String clientAddress, String adminAddress, String respAddress,
                                 int weight) {
        return MetaCommand.newBuilder().setAddNode(AddNodeCommand.newBuilder().setNodeId(nodeId)
                .setRaftAddress(Objects.requireNonNull(raftAddress, "raftAddress"))
                .setClientAddress(Objects.requireNonNull(clientAddress, "clientAddress"))
                .setAdminAddress(Objects.requireNonNull(adminAddress, "adminAddress")).setRespAddress(Objects.requireNonNull(respAddress,
                        "respAddress")).setWeight(weight)).build().toByteArray();
    }

    /** Decommissions a node (status LEAVING, its replicas re-targeted). */
    public static byte[] removeNode(long nodeId) {
        return MetaCommand.newBuilder().setRemoveNode(RemoveNodeCommand.newBuilder().setNodeId(nodeId)).build().toByteArray();
    }

    /** Marks a node DOWN (its replicas re-created elsewhere) or a DOWN node UP again (it rejoins empty). */
    public static byte[] setNodeStatus(long nodeId, NodeStatus status) {
        NodeStatusCode code = switch (Objects.requireNonNull(status, "status")) {
            case UP -> NodeStatusCode.NODE_STATUS_UP;
            case DOWN -> NodeStatusCode.NODE_STATUS_DOWN;
            case LEAVING -> NodeStatusCode.NODE_STATUS_LEAVING;
        };
        return MetaCommand.newBuilder().setSetNodeStatus(SetNodeStatusCommand.newBuilder().setNodeId(nodeId).setStatus(code)).build()
                .toByteArray();
    }

    /** Changes a node's weight. */
    public static byte[] setWeight(long nodeId, int weight) {
        return MetaCommand.newBuilder().setSetWeight(SetWeightCommand.newBuilder().setNodeId(nodeId).setWeight(weight)).build()
                .toByteArray();
    }

    /** A partition leader's report of its group's committed membership at {@code commitIndex}. */
    public static byte[] reportMembership(int partition, long commitIndex, java.util.Collection<Long> voters,
                                          java.util.Collection<Long> learners) {
        return MetaCommand.newBuilder().setReportMembership(ReportMembershipCommand.newBuilder().setPartition(partition)
                .setCommitIndex(commitIndex).addAllVoters(new java.util.TreeSet<>(voters)).addAllLearners(new java.util.TreeSet<>(learners)))
                .build().toByteArray();
    }
}
