package io.kvkit.server.node;

import io.kvkit.raft.Role;
import io.kvkit.raft.runtime.GroupStatus;
import io.kvkit.raft.runtime.RaftGroup;
import io.kvkit.server.partition.PartitionStateMachine;

/** A partition replica hosted by this node: its Raft group member and the state machine it applies to. */
record LocalPartition(int partition, RaftGroup group, PartitionStateMachine machine) {

    /** The leader this replica knows of (0 if none). */
    long leader() {
        return group.status().leader();
    }

    boolean leads() {
        GroupStatus s = group.status();
        return s.role() == Role.LEADER;
    }
}
