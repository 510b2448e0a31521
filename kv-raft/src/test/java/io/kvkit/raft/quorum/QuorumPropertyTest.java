package io.kvkit.raft.quorum;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Quorum maths against brute-force definitions, over random configurations (seed printed). */
class QuorumPropertyTest {
    private static final long SEED = Long.getLong("kvkit.raft.quorumSeed", 20261125L);

    private static List<Long> randomVoters(Random r) {
        int n = r.nextInt(8);
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(1L + r.nextInt(12));
        }
        return ids;
    }

    /** The largest index that at least a quorum has acknowledged, by trying every candidate. */
    private static long bruteCommitted(MajorityConfig c, Map<Long, Long> acked) {
        if (c.voters().isEmpty()) {
            return Long.MAX_VALUE;
        }
        long best = 0;
        for (long v : c.voters()) {
            long idx = acked.getOrDefault(v, 0L);
            int count = 0;
            for (long w : c.voters()) {
                if (acked.getOrDefault(w, 0L) >= idx) {
                    count++;
                }
            }
            if (count >= c.quorum()) {
                best = Math.max(best, idx);
            }
        }
        return best;
    }

    private static VoteResult bruteVote(MajorityConfig c, Map<Long, Boolean> votes) {
        if (c.voters().isEmpty()) {
            return VoteResult.WON;
        }
        long yes = c.voters().stream().filter(v -> Boolean.TRUE.equals(votes.get(v))).count();
        long no = c.voters().stream().filter(v -> Boolean.FALSE.equals(votes.get(v))).count();
        int n = c.voters().size();
        if (yes > n / 2) {
            return VoteResult.WON;
        }
        if (no >= n - n / 2) {
            return VoteResult.LOST;
        }
        return VoteResult.PENDING;
    }

    @Test
    void majorityAndJointAgreeWithBruteForce() {
        System.out.println("QuorumPropertyTest seed " + SEED + " (replay with -Dkvkit.raft.quorumSeed)");
        Random r = new Random(SEED);
        for (int trial = 0; trial < 20_000; trial++) {
            MajorityConfig a = new MajorityConfig(randomVoters(r));
            MajorityConfig b = new MajorityConfig(randomVoters(r));
            Map<Long, Long> acked = new HashMap<>();
            Map<Long, Boolean> votes = new HashMap<>();
            for (long id = 1; id <= 12; id++) {
                if (r.nextInt(4) > 0) {
                    acked.put(id, (long) r.nextInt(20));
                }
                int v = r.nextInt(3);
                if (v > 0) {
                    votes.put(id, v == 1);
                }
            }
            AckedIndexer idx = id -> acked.getOrDefault(id, 0L);
            assertThat(a.committedIndex(idx)).as("trial %d %s %s", trial, a, acked).isEqualTo(bruteCommitted(a, acked));
            assertThat(a.voteResult(votes)).as("trial %d %s %s", trial, a, votes).isEqualTo(bruteVote(a, votes));

            JointConfig j = new JointConfig(a, b);
            long ja = bruteCommitted(a, acked);
            long jb = bruteCommitted(b, acked);
            long expected = Math.min(ja, jb) == Long.MAX_VALUE ? 0 : Math.min(ja, jb);
            assertThat(j.committedIndex(idx)).as("joint trial %d", trial).isEqualTo(expected);

            VoteResult va = bruteVote(a, votes);
            VoteResult vb = bruteVote(b, votes);
            VoteResult vj = j.voteResult(votes);
            if (va == VoteResult.WON && vb == VoteResult.WON) {
                assertThat(vj).isEqualTo(VoteResult.WON);
            } else if (va == VoteResult.LOST || vb == VoteResult.LOST) {
                assertThat(vj).isEqualTo(VoteResult.LOST);
            } else {
                assertThat(vj).isEqualTo(VoteResult.PENDING);
            }
            // a joint config with an empty outgoing half is exactly the incoming majority
            JointConfig simple = JointConfig.simple(a);
            assertThat(simple.voteResult(votes)).isEqualTo(a.voteResult(votes));
            if (!a.voters().isEmpty()) {
                assertThat(simple.committedIndex(idx)).isEqualTo(a.committedIndex(idx));
            }
        }
    }

    @Test
    void anyTwoMajoritiesIntersect() {
        Random r = new Random(SEED);
        for (int trial = 0; trial < 2_000; trial++) {
            MajorityConfig c = new MajorityConfig(randomVoters(r));
            if (c.voters().isEmpty()) {
                continue;
            }
            List<Long> v = c.voters();
            int n = v.size();
            for (int m1 = 0; m1 < 1 << n; m1++) {
                if (Integer.bitCount(m1) < c.quorum()) {
                    continue;
                }
                int m2 = r.nextInt(1 << n);
                if (Integer.bitCount(m2) >= c.quorum()) {
                    assertThat(m1 & m2).as("majorities %s and %s of %s", m1, m2, v).isNotZero();
                }
            }
        }
    }
}
