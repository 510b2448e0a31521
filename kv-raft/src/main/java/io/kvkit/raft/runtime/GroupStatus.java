package io.kvkit.raft.runtime;

import io.kvkit.raft.Role;

/**
 * One member's view of its group, as of the end of its worker's latest round for the group.
 *
 * @param groupId      the group
 * @param nodeId       this node
 * @param role         this member's role
 * @param term         its current term
 * @param leader       the leader it knows, 0 if none
 * @param commitIndex  its commit index
 * @param appliedIndex the index its state machine has applied
 * @param lastIndex    the last index in its log
 * @param quiesced     whether the group is idle and not ticking on this node
 */
public record GroupStatus(long groupId, long nodeId, Role role, long term, long leader, long commitIndex,
                          long appliedIndex, long lastIndex, boolean quiesced) {
}
