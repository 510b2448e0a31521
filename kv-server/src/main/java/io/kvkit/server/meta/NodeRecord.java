package io.kvkit.server.meta;

import io.kvkit.ring.RingNode;

import java.util.Objects;

/**
 * One node as the cluster knows it.
 *
 * @param nodeId        the node's id, 1..{@value Integer#MAX_VALUE} (the ring's node ids are ints)
 * @param raftAddress   "host:port" peers send Raft traffic to
 * @param clientAddress "host:port" of the client endpoint
 * @param adminAddress  "host:port" of the admin HTTP endpoint, "" if the node serves none
 * @param respAddress   "host:port" of the RESP endpoint, "" if the node serves none
 * @param weight        relative capacity ({@value RingNode#STANDARD_WEIGHT} = a standard node),
 *                      {@value RingNode#MIN_WEIGHT}..{@value RingNode#MAX_WEIGHT}
 * @param status        UP, DOWN or LEAVING
 */
public record NodeRecord(long nodeId, String raftAddress, String clientAddress, String adminAddress,
                         String respAddress, int weight, NodeStatus status) {

    public NodeRecord {
        if (nodeId < 1 || nodeId > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("node id " + nodeId + " is not allowed (allowed: 1.." + Integer.MAX_VALUE + ")");
        }
        Objects.requireNonNull(raftAddress, "raftAddress");
        Objects.requireNonNull(clientAddress, "clientAddress");
        Objects.requireNonNull(adminAddress, "adminAddress (\"\" if none)");
        Objects.requireNonNull(respAddress, "respAddress (\"\" if none)");
        Objects.requireNonNull(status, "status");
        if (weight < RingNode.MIN_WEIGHT || weight > RingNode.MAX_WEIGHT) {
            throw new IllegalArgumentException("node " + nodeId + ": weight " + weight + " is not allowed (allowed: "
                    + RingNode.MIN_WEIGHT + ".." + RingNode.MAX_WEIGHT + ", " + RingNode.STANDARD_WEIGHT + " = a standard node)");
        }
    }
}
