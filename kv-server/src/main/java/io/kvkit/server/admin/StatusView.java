package io.kvkit.server.admin;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What {@code /status} shows: the cluster as this node sees it, at its routing epoch.
 *
 * <pre>{@code
 * {"nodeId":1, "epoch":7, "serving":true,
 *  "nodes":[{"id":1, "clientAddress":"10.0.0.1:7000", "up":true}, ...],
 *  "partitions":[{"id":0, "replicas":[1,2,3], "leader":2,
 *                 "target":[1,4,3], "voters":[1,2,3], "learners":[4], "moving":true,
 *                 "local":{"role":"FOLLOWER", "term":3, "commitIndex":120, "appliedIndex":120, "lastIndex":121}}, ...],
 *  "tables":[{"name":"default", "engine":"lsm", "options":{}}],
 *  "moves":{"inProgress":1, "startedHere":6, "finishedHere":5}}
 * }</pre>
 * {@code target} is the replica set the partition moves towards, {@code voters} and
 * {@code learners} its Raft group's membership as last recorded; {@code replicas} is the order in
 * which the node tries them (current voters first).
 * {@code local} is {@code null} for a partition this node does not host; {@code leader} is 0 when
 * no leader is known.
 *
 * @param nodeId     this node
 * @param epoch      the ring epoch of this node's routing table
 * @param serving    what {@code /health} answers
 * @param nodes      the cluster's nodes
 * @param partitions every partition, by id
 * @param tables     the tables
 * @param moves      partitions moving between nodes
 */
public record StatusView(long nodeId, long epoch, boolean serving, List<NodeView> nodes, List<PartitionView> partitions,
                         List<TableView> tables, MovesView moves) {
    public StatusView {
        nodes = List.copyOf(nodes);
        partitions = List.copyOf(partitions);
        tables = List.copyOf(tables);
        Objects.requireNonNull(moves, "moves");
    }

    /** A view with no move information (every partition at its target). */
    public StatusView(long nodeId, long epoch, boolean serving, List<NodeView> nodes, List<PartitionView> partitions,
                      List<TableView> tables) {
        this(nodeId, epoch, serving, nodes, partitions, tables, new MovesView(0, 0, 0));
    }

    /**
     * @param inProgress   partitions whose membership is not yet their target (cluster-wide, as recorded)
     * @param startedHere  replicas this node added as a partition leader since it started
     * @param finishedHere replicas this node removed as a partition leader since it started
     */
    public record MovesView(int inProgress, long startedHere, long finishedHere) {
    }

    /**
     * @param id            node id
     * @param clientAddress where it listens for clients ({@code host:port})
     * @param up            whether this node hears from it (itself: always)
     */
    public record NodeView(long id, String clientAddress, boolean up) {
        public NodeView {
            Objects.requireNonNull(clientAddress, "clientAddress");
        }
    }

    /**
     * @param id       partition id
     * @param replicas its replica set, in ring order
     * @param leader   the leader this node knows of, 0 if none
     * @param local    this node's replica, or null if it hosts none
     */
    public record PartitionView(int id, List<Long> replicas, long leader, LocalReplica local, List<Long> target, List<Long> voters,
                                List<Long> learners) {
        public PartitionView {
            replicas = List.copyOf(replicas);
            target = List.copyOf(target);
            voters = List.copyOf(voters);
            learners = List.copyOf(learners);
        }

        /** A partition at its target: the replicas are its voters. */
        public PartitionView(int id, List<Long> replicas, long leader, LocalReplica local) {
            this(id, replicas, leader, local, replicas, replicas.stream().sorted().toList(), List.of());
        }

        /** Whether its membership is not yet its target. */
        public boolean moving() {
            return !learners.isEmpty() || !voters.equals(target.stream().sorted().toList());
        }
    }

    /** This node's replica of a partition: its Raft state. */
    public record LocalReplica(String role, long term, long commitIndex, long appliedIndex, long lastIndex) {
        public LocalReplica {
            Objects.requireNonNull(role, "role");
        }
    }

    /** A table: its engine and the engine's options. */
    public record TableView(String name, String engine, Map<String, String> options) {
        public TableView {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(engine, "engine");
            options = java.util.Collections.unmodifiableMap(new TreeMap<>(options));
        }
    }

    /** The JSON document of {@code /status}. */
    public String toJson() {
        JsonWriter j = new JsonWriter().beginObject();
        j.name("nodeId").value(nodeId).name("epoch").value(epoch).name("serving").value(serving);
        j.name("nodes").beginArray();
        for (NodeView n : nodes) {
            j.beginObject().name("id").value(n.id()).name("clientAddress").value(n.clientAddress()).name("up").value(n.up())
                    .endObject();
        }
        j.endArray().name("partitions").beginArray();
        for (PartitionView p : partitions) {
            j.beginObject().name("id").value(p.id()).name("replicas").beginArray();
            for (long r : p.replicas()) {
                j.value(r);
            }
            j.endArray().name("leader").value(p.leader());
            ids(j.name("target"), p.target());
            ids(j.name("voters"), p.voters());
            ids(j.name("learners"), p.learners());
            j.name("moving").value(p.moving()).name("local");
            LocalReplica l = p.local();
            if (l == null) {
                j.nullValue();
            } else {
                j.beginObject().name("role").value(l.role()).name("term").value(l.term()).name("commitIndex").value(l.commitIndex())
                        .name("appliedIndex").value(l.appliedIndex()).name("lastIndex").value(l.lastIndex()).endObject();
            }
            j.endObject();
        }
        j.endArray().name("tables").beginArray();
        for (TableView t : tables) {
            j.beginObject().name("name").value(t.name()).name("engine").value(t.engine()).name("options").beginObject();
            t.options().forEach((k, v) -> j.name(k).value(v));
            j.endObject().endObject();
        }
        j.endArray().name("moves").beginObject().name("inProgress").value(moves.inProgress()).name("startedHere")
                .value(moves.startedHere()).name("finishedHere").value(moves.finishedHere()).endObject();
        return j.endObject().text();
    }

    private static void ids(JsonWriter j, List<Long> ids) {
        j.beginArray();
        for (long id : ids) {
            j.value(id);
        }
        j.endArray();
    }
}
