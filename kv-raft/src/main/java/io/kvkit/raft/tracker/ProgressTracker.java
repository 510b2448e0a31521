package io.kvkit.raft.tracker;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.quorum.JointConfig;
import io.kvkit.raft.quorum.MajorityConfig;
import io.kvkit.raft.quorum.VoteResult;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Membership, per-member progress and votes of the current election. */
public final class ProgressTracker {
    private JointConfig voters = JointConfig.simple(new MajorityConfig(List.of()));
    private List<Long> learners = List.of();
    /** Sorted by id so that iteration order (and so message order) is deterministic. */
    private final TreeMap<Long, Progress> progress = new TreeMap<>();
    private final Map<Long, Boolean> votes = new HashMap<>();
    private final int maxInflightMessages;
    private final long maxInflightBytes;

    public ProgressTracker(int maxInflightMessages, long maxInflightBytes) {
        this.maxInflightMessages = maxInflightMessages;
        this.maxInflightBytes = maxInflightBytes;
    }

    public JointConfig voters() { return voters; }
    public List<Long> learners() { return learners; }
    public TreeMap<Long, Progress> progress() { return progress; }

    public ConfState confState() {
        return new ConfState(voters.incoming().voters(), learners);
    }

    /**
     * Switches to {@code cs}: members that left lose their progress, new members start probing at
     * {@code nextIndex}, members that stay keep theirs (a promoted learner turns voter).
     */
    public void setConfig(ConfState cs, long nextIndex) {
        voters = JointConfig.simple(new MajorityConfig(cs.voters()));
        learners = cs.learners();
        progress.keySet().removeIf(id -> !cs.isMember(id));
        for (long id : cs.voters()) {
            Progress p = progress.computeIfAbsent(id, k -> newProgress(nextIndex, false));
            p.setLearner(false);
        }
        for (long id : cs.learners()) {
            Progress p = progress.computeIfAbsent(id, k -> newProgress(nextIndex, true));
            p.setLearner(true);
        }
    }

    public Progress newProgress(long nextIndex, boolean learner) {
        Progress p = new Progress(0, Math.max(1, nextIndex), new Inflights(maxInflightMessages, maxInflightBytes), learner);
        // a new member is presumed active until the next CheckQuorum round, so that adding it
        // does not make the leader step down at once.
        p.setRecentActive(true);
        return p;
    }

    public boolean isVoter(long id) {
        return voters.contains(id);
    }

    /** The largest index a quorum of voters has durably matched. */
    public long committed() {
        return voters.committedIndex(id -> {
            Progress p = progress.get(id);
            return p == null ? 0 : p.match();
        });
    }

    public boolean quorumActive(long self) {
        Map<Long, Boolean> active = new HashMap<>();
        for (var e : progress.entrySet()) {
            if (!e.getValue().learner()) {
                active.put(e.getKey(), e.getKey() == self || e.getValue().recentActive());
            }
        }
        return voters.voteResult(active) == VoteResult.WON;
    }

    public void resetVotes() {
        votes.clear();
    }

    public void recordVote(long id, boolean granted) {
        votes.putIfAbsent(id, granted);
    }

    public VoteResult tallyVotes() {
        return voters.voteResult(votes);
    }

    public int[] voteCounts() {
        int granted = 0;
        int rejected = 0;
        for (long id : voters.allVoters()) {
            Boolean b = votes.get(id);
            if (b != null) {
                if (b) {
                    granted++;
                } else {
                    rejected++;
                }
            }
        }
        return new int[] {granted, rejected};
    }
}
