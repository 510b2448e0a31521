package io.kvkit.raft.quorum;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** A set of voters deciding by simple majority. The empty set agrees to everything. */
public record MajorityConfig(List<Long> voters) {

    public MajorityConfig {
        voters = List.copyOf(new TreeSet<>(voters));
    }

    public static MajorityConfig of(Long... ids) {
        return new MajorityConfig(List.of(ids));
    }

    public int quorum() {
        return voters.size() / 2 + 1;
    }

    /**
     * The largest index acknowledged by a majority. For the empty config it is
     * {@code Long.MAX_VALUE} so that a joint config with an empty half defers to the other.
     */
    public long committedIndex(AckedIndexer acked) {
        int n = voters.size();
        if (n == 0) {
            return Long.MAX_VALUE;
        }
        long[] idx = new long[n];
        for (int i = 0; i < n; i++) {
            idx[i] = Math.max(0, acked.ackedIndex(voters.get(i)));
        }
        Arrays.sort(idx);
        // sorted ascending: the quorum-th largest value is acknowledged by at least a quorum.
        return idx[n - quorum()];
    }

    /** Election outcome given granted (true) and rejected (false) votes; absent = no answer yet. */
    public VoteResult voteResult(Map<Long, Boolean> votes) {
        if (voters.isEmpty()) {
            return VoteResult.WON;
        }
        int granted = 0;
        int missing = 0;
        for (long v : voters) {
            Boolean b = votes.get(v);
            if (b == null) {
                missing++;
            } else if (b) {
                granted++;
            }
        }
        int q = quorum();
        if (granted >= q) {
            return VoteResult.WON;
        }
        if (granted + missing >= q) {
            return VoteResult.PENDING;
        }
        return VoteResult.LOST;
    }

    public boolean contains(long id) {
        return voters.contains(id);
    }
}
