package io.kvkit.server.node;

/**
 * How the node numbers its Raft groups on the shared transport and log: group 0 is kv-raft's
 * node-pair liveness, group 1 the meta group, and partition {@code p} is group {@code 2 + p}.
 */
final class RaftGroupIds {
    static final long META = 1;
    private static final long FIRST_PARTITION = 2;

    private RaftGroupIds() {
    }

    static long ofPartition(int partition) {
        return FIRST_PARTITION + partition;
    }

    /** The partition of a group id, or -1 for the meta and liveness groups. */
    static int partitionOf(long groupId) {
        return groupId < FIRST_PARTITION ? -1 : Math.toIntExact(groupId - FIRST_PARTITION);
    }
}
