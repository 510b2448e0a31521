package io.kvkit.raft.runtime;

import io.kvkit.raft.ConfState;

import java.util.Map;

/**
 * One member's view of its group's membership, as of the end of its worker's latest round for
 * the group: what a host needs to drive membership changes (add a learner, wait until it has
 * caught up, promote it) without reaching into the core.
 *
 * @param confState   the membership as of the entries this member has handed to its state
 *                    machine (so every change in it is committed)
 * @param commitIndex this member's commit index
 * @param matchIndex  on the leader, each member's highest log index known to be replicated on it
 *                    (the leader's own included); empty on any other member
 */
public record GroupMembership(ConfState confState, long commitIndex, Map<Long, Long> matchIndex) {

    public GroupMembership {
        matchIndex = Map.copyOf(matchIndex);
    }

    /** How far member {@code peer} trails the commit index (as this leader knows), or -1 if not known here. */
    public long lagOf(long peer) {
        Long match = matchIndex.get(peer);
        return match == null ? -1 : Math.max(0, commitIndex - match);
    }
}
