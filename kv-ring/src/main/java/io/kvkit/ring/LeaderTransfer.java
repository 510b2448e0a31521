package io.kvkit.ring;

/** Move the leadership of a partition's group from one replica to another. */
public record LeaderTransfer(int partition, int fromNodeId, int toNodeId) {}
