package io.kvkit.server.meta;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The CURRENT membership of one partition's Raft group as the cluster state records it: what
 * the group's leader last reported as committed. The TARGET is the partition's replica set
 * ({@link ClusterState#replicas}); the partition reconcilers drive the first towards the second,
 * one Raft membership change at a time, and report each step back.
 *
 * <p>Why both are kept: the target alone says where a partition should be, not where its data
 * is. A node may delete its replica only once a committed membership without it has been
 * reported (never the data of a live member), and the routing of requests and {@code /status}
 * need to know who holds a partition while it moves.
 *
 * @param commitIndex the reporting leader's commit index (0 = as bootstrapped); a report is taken
 *                    only if its index is higher, so a deposed leader's late report cannot undo a
 *                    newer one (a higher commit index of the same group holds every earlier
 *                    committed membership change)
 * @param voters      voting members, ascending, at least one
 * @param learners    non-voting members (being caught up), ascending, none of them a voter
 */
public record PartitionMembership(long commitIndex, List<Long> voters, List<Long> learners) {

    public PartitionMembership {
        if (commitIndex < 0) {
            throw new IllegalArgumentException("membership commit index " + commitIndex + " is not allowed (allowed: 0 or more)");
        }
        voters = List.copyOf(new TreeSet<>(voters));
        learners = List.copyOf(new TreeSet<>(learners));
        if (voters.isEmpty()) {
            throw new IllegalArgumentException("a partition's membership needs at least one voter, got none");
        }
        for (long l : learners) {
            if (voters.contains(l)) {
                throw new IllegalArgumentException("node " + l + " is both a voter and a learner");
            }
        }
    }

    /** The founding membership of a partition: its replica set, all voters. */
    public static PartitionMembership founding(List<Long> replicas) {
        return new PartitionMembership(0, replicas, List.of());
    }

    /** Voters and learners, ascending voters first. */
    public List<Long> members() {
        List<Long> all = new ArrayList<>(voters);
        all.addAll(learners);
        return all;
    }

    public boolean isMember(long nodeId) {
        return voters.contains(nodeId) || learners.contains(nodeId);
    }

    /** Whether this membership is exactly {@code target}, all voters, no learners. */
    public boolean matches(List<Long> target) {
        return learners.isEmpty() && voters.equals(List.copyOf(new TreeSet<>(target)));
    }
}
