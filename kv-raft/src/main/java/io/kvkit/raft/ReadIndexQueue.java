package io.kvkit.raft;

import io.kvkit.raft.quorum.JointConfig;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The leader's pending ReadIndex requests and its heartbeat rounds.
 *
 * <p>Every heartbeat broadcast is a numbered round. A request is tied to the first round sent
 * after it arrived; once a quorum of voters has acknowledged that round (or a later one), the
 * leader was still leader when the request arrived, so its recorded commit index is a safe read
 * index. All requests waiting on the same round are released together (batching). The send tick
 * of the newest quorum-acknowledged round is also the start of the leader's lease.
 */
final class ReadIndexQueue {
    record Pending(long index, long from, long context, long round) {
    }

    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final Map<Long, Long> ackedRound = new HashMap<>();
    private final TreeMap<Long, Long> roundSentTick = new TreeMap<>();
    private long round;
    private boolean roundRequested;
    private long confirmedRound;
    private long leaseStartTick = Long.MIN_VALUE;
    /** Rounds up to this one may confirm reads but never start a lease (see {@link #expireLease}). */
    private long leaseFloorRound;
    /** Bound on remembered round send times (older unconfirmed rounds are forgotten). */
    private static final int MAX_TRACKED_ROUNDS = 1024;

    void add(long index, long from, long context) {
        queue.add(new Pending(index, from, context, round + 1));
        roundRequested = true;
    }

    boolean roundRequested() {
        return roundRequested;
    }

    /** Starts a new heartbeat round sent at {@code nowTick}; returns its number. */
    long startRound(long nowTick) {
        round++;
        roundSentTick.put(round, nowTick);
        while (roundSentTick.size() > MAX_TRACKED_ROUNDS) {
            roundSentTick.pollFirstEntry();
        }
        roundRequested = false;
        return round;
    }

    long round() {
        return round;
    }

    void ack(long from, long r) {
        if (r > 0 && r <= round) {
            ackedRound.merge(from, r, Math::max);
        }
    }

    /** Releases the requests confirmed by a quorum of {@code voters}. */
    List<Pending> confirmed(JointConfig voters, long self) {
        long q = voters.committedIndex(id -> id == self ? round : ackedRound.getOrDefault(id, 0L));
        if (q > confirmedRound) {
            confirmedRound = q;
            Long sent = roundSentTick.get(q);
            if (sent != null && q > leaseFloorRound) {
                leaseStartTick = Math.max(leaseStartTick, sent);
            }
            roundSentTick.headMap(q, true).clear();
        }
        List<Pending> out = new ArrayList<>();
        while (!queue.isEmpty() && queue.peekFirst().round() <= confirmedRound) {
            out.add(queue.pollFirst());
        }
        return out;
    }

    /**
     * Forgets the lease; acknowledgements of rounds sent so far still confirm ReadIndex requests
     * (that needs no clock) but can no longer start a lease, which a later round must do.
     */
    void expireLease() {
        leaseStartTick = Long.MIN_VALUE;
        leaseFloorRound = round;
    }

    long leaseStartTick() {
        return leaseStartTick;
    }

    int pending() {
        return queue.size();
    }
}
