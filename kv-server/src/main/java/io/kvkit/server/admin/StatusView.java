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
 *                 "local":{"role":"FOLLOWER", "term":3, "commitIndex":120, "appliedIndex":120, "lastIndex":121}}, ...],
 *  "tables":[{"name":"default", "engine":"lsm", "options":{}}]}
 * }</pre>
 * {@code local} is {@code null} for a partition this node does not host; {@code leader} is 0 when
 * no leader is known.
 *
 * @param nodeId     this node
 * @param epoch      the ring epoch of this node's routing table
 * @param serving    what {@code /health} answers
 * @param nodes      the cluster's nodes
 * @param partitions every partition, by id
 * @param tables     the tables
 */
public record StatusView(long nodeId, long epoch, boolean serving, List<NodeView> nodes, List<PartitionView> partitions,
                         List<TableView> tables) {
    public StatusView {
        nodes = List.copyOf(nodes);
        partitions = List.copyOf(partitions);
        tables = List.copyOf(tables);
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
    public record PartitionView(int id, List<Long> replicas, long leader, LocalReplica local) {
        public PartitionView {
            replicas = List.copyOf(replicas);
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
            j.endArray().name("leader").value(p.leader()).name("local");
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
        return j.endArray().endObject().text();
    }
}
