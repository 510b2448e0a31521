package io.kvkit.raft;

import java.util.List;
import java.util.TreeSet;

/**
 * The membership of a group: voters decide elections and commits; learners receive the log
 * but never count in a quorum. A node is in at most one of the two lists.
 */
public record ConfState(List<Long> voters, List<Long> learners) {
    public static final ConfState EMPTY = new ConfState(List.of(), List.of());

    public ConfState {
        voters = List.copyOf(new TreeSet<>(voters));
        learners = List.copyOf(new TreeSet<>(learners));
        for (long v : voters) {
            if (v <= 0) {
                throw new IllegalArgumentException("node ids must be > 0, got voter " + v);
            }
            if (learners.contains(v)) {
                throw new IllegalArgumentException("node " + v + " cannot be both voter and learner");
            }
        }
        for (long l : learners) {
            if (l <= 0) {
                throw new IllegalArgumentException("node ids must be > 0, got learner " + l);
            }
        }
    }

    public static ConfState ofVoters(Long... ids) {
        return new ConfState(List.of(ids), List.of());
    }

    public boolean isMember(long id) {
        return voters.contains(id) || learners.contains(id);
    }

    @Override
    public String toString() {
        return "voters=" + voters + (learners.isEmpty() ? "" : " learners=" + learners);
    }
}
