package io.kvkit.server.node;

import io.kvkit.raft.Role;
import io.kvkit.raft.runtime.GroupMembership;
import io.kvkit.raft.runtime.GroupStatus;
import io.kvkit.raft.runtime.RaftGroup;
import io.kvkit.server.partition.PartitionStateMachine;

/** A partition replica hosted by this node: its Raft group member and the state machine it applies to. */
record LocalPartition(int partition, RaftGroup group, PartitionStateMachine machine) {

    /** The leader this replica knows of (0 if none). */
    long leader() {
        return group.status().leader();
    }

    /**
     * Whether this replica is a member of its group (voter or learner) as far as it knows: an
     * empty replica waiting to be added is not, and must not serve even a stale read.
     */
    boolean isMember() {
        GroupMembership m = group.membership();
        return m != null && m.confState().isMember(group.status().nodeId());
    }

    boolean leads() {
        GroupStatus s = group.status();
        return s.role() == Role.LEADER;
    }
}
