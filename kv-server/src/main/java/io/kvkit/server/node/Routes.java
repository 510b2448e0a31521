package io.kvkit.server.node;

import io.kvkit.client.KeyPartitioner;
import io.kvkit.client.proto.NodeInfo;
import io.kvkit.client.proto.PartitionInfo;
import io.kvkit.client.proto.RouteResponse;
import io.kvkit.client.proto.TableInfo;
import io.kvkit.server.meta.ClusterState;
import io.kvkit.server.meta.NodeRecord;
import io.kvkit.server.meta.PartitionMembership;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;

/**
 * What a node needs to route a request, at one ring epoch: the partition of a key, the replicas
 * of a partition, where each node listens for clients, and the tables. Immutable; the node swaps
 * it whole when the meta group's state moves on. A meta member builds it from its own replica of
 * the {@link ClusterState}; any other node from a {@link RouteResponse} fetched from a meta member,
 * which carries exactly this.
 */
record Routes(long epoch, KeyPartitioner partitioner, Map<Long, String> clientAddresses, List<List<Long>> replicas,
              Map<String, TableInfo> tables) {

    static Routes of(ClusterState s) {
        Map<Long, String> addresses = new HashMap<>();
        for (NodeRecord n : s.nodes().values()) {
            addresses.put(n.nodeId(), n.clientAddress());
        }
        List<List<Long>> replicas = new ArrayList<>(s.partitionCount());
        for (int p = 0; p < s.partitionCount(); p++) {
            replicas.add(routingOrder(s.replicas(p), s.membership(p)));
        }
        Map<String, TableInfo> tables = new LinkedHashMap<>();
        s.tables().values().forEach(t -> tables.put(t.name(), t.toProto()));
        return new Routes(s.epoch(), new KeyPartitioner(s.partitionCount()), Map.copyOf(addresses), List.copyOf(replicas),
                Map.copyOf(tables));
    }

    /**
     * Whom to ask for a partition while it may be moving: its current voters first (they hold the
     * data), in the target's preference order, then the target's members not yet voting (they are
     * being caught up, or not yet added).
     */
    static List<Long> routingOrder(List<Long> target, PartitionMembership current) {
        List<Long> out = new ArrayList<>(target.size() + current.voters().size());
        for (long n : target) {
            if (current.voters().contains(n)) {
                out.add(n);
            }
        }
        for (long n : current.voters()) {
            if (!out.contains(n)) {
                out.add(n);
            }
        }
        for (long n : target) {
            if (!out.contains(n)) {
                out.add(n);
            }
        }
        return List.copyOf(out);
    }

    static Routes of(RouteResponse r) {
        Map<Long, String> addresses = new HashMap<>();
        r.getNodesList().forEach(n -> addresses.put(n.getNodeId(), n.getAddress()));
        List<List<Long>> replicas = new ArrayList<>(r.getPartitionCount());
        for (int p = 0; p < r.getPartitionCount(); p++) {
            replicas.add(List.copyOf(r.getPartitions(p).getReplicaNodeIdsList()));
        }
        Map<String, TableInfo> tables = new LinkedHashMap<>();
        r.getTablesList().forEach(t -> tables.put(t.getName(), t));
        return new Routes(r.getEpoch(), new KeyPartitioner(r.getPartitionCount()), Map.copyOf(addresses),
                List.copyOf(replicas), Map.copyOf(tables));
    }

    int partitionCount() {
        return partitioner.partitionCount();
    }

    int partitionOf(byte[] key) {
        return partitioner.partitionOf(key);
    }

    /** The routing table as clients receive it; {@code leaderOf} gives the leader hint of a partition (0 if unknown). */
    RouteResponse toRouteResponse(LongUnaryOperator leaderOf) {
        RouteResponse.Builder b = RouteResponse.newBuilder().setEpoch(epoch).setPartitionCount(partitionCount());
        clientAddresses.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> b.addNodes(NodeInfo.newBuilder().setNodeId(e.getKey()).setAddress(e.getValue())));
        for (int p = 0; p < partitionCount(); p++) {
            b.addPartitions(PartitionInfo.newBuilder().setPartitionId(p).addAllReplicaNodeIds(replicas.get(p))
                    .setLeaderNodeId(leaderOf.applyAsLong(p)));
        }
        tables.values().stream().sorted(java.util.Comparator.comparing(TableInfo::getName)).forEach(b::addTables);
        return b.build();
    }
}
