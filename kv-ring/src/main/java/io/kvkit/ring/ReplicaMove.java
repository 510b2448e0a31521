package io.kvkit.ring;

/**
 * One replica of a partition moving: {@code addNodeId} joins the partition's group (as a learner
 * that catches up, then a voter), after which {@code removeNodeId} leaves it.
 */
public record ReplicaMove(int partition, int addNodeId, int removeNodeId) {}
