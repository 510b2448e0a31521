package io.kvkit.raft.quorum;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Two majority configurations that must both agree (joint consensus, Raft thesis §4.3). With an
 * empty outgoing half it behaves exactly like the incoming majority.
 */
public record JointConfig(MajorityConfig incoming, MajorityConfig outgoing) {

    public static JointConfig simple(MajorityConfig c) {
        return new JointConfig(c, new MajorityConfig(List.of()));
    }

    public boolean isJoint() {
        return !outgoing.voters().isEmpty();
    }

    public List<Long> allVoters() {
        TreeSet<Long> s = new TreeSet<>(incoming.voters());
        s.addAll(outgoing.voters());
        return List.copyOf(s);
    }

    public boolean contains(long id) {
        return incoming.contains(id) || outgoing.contains(id);
    }

    /** The largest index both halves have committed; 0 when there are no voters at all. */
    public long committedIndex(AckedIndexer acked) {
        long a = incoming.committedIndex(acked);
        long b = outgoing.committedIndex(acked);
        long m = Math.min(a, b);
        return m == Long.MAX_VALUE ? 0 : m;
    }

    public VoteResult voteResult(Map<Long, Boolean> votes) {
        VoteResult a = incoming.voteResult(votes);
        VoteResult b = outgoing.voteResult(votes);
        if (a == b) {
            return a;
        }
        if (a == VoteResult.LOST || b == VoteResult.LOST) {
            return VoteResult.LOST;
        }
        return VoteResult.PENDING;
    }
}
