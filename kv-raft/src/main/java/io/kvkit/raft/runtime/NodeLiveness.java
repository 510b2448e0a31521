package io.kvkit.raft.runtime;

import io.kvkit.raft.ConfState;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Which peer nodes this node has heard from lately, by node-pair liveness messages (one small
 * message per peer per interval on group {@link RaftNode#LIVENESS_GROUP_ID}, whatever the
 * number of groups). Quiesced groups do not heartbeat, so without this a follower of a quiesced
 * group would never notice that its leader's node died; with it, every quiesced group led by a
 * node presumed dead is woken and elects a new leader.
 *
 * <p>Thread-safe: transport threads record what they hear, one worker sweeps, every worker reads.
 * A peer heard from while a sweep declares it dead may stay "dead" until its next message: the
 * only cost of a false death is waking some groups, which quiesce again.
 */
final class NodeLiveness {
    private final long self;
    private final long timeoutNanos;
    private final Map<Long, Long> lastHeardNanos = new ConcurrentHashMap<>();
    private final Set<Long> dead = ConcurrentHashMap.newKeySet();
    private final AtomicLong deaths = new AtomicLong();

    NodeLiveness(long self, long timeoutNanos) {
        this.self = self;
        this.timeoutNanos = timeoutNanos;
    }

    /** Starts watching the members of {@code cs} (a peer is presumed live until it is silent too long). */
    void watch(ConfState cs, long nowNanos) {
        for (long id : cs.voters()) {
            watch(id, nowNanos);
        }
        for (long id : cs.learners()) {
            watch(id, nowNanos);
        }
    }

    private void watch(long id, long nowNanos) {
        if (id != self) {
            lastHeardNanos.putIfAbsent(id, nowNanos);
        }
    }

    /** A liveness message from {@code peer} arrived. */
    void heard(long peer, long nowNanos) {
        if (peer == self) {
            return;
        }
        lastHeardNanos.put(peer, nowNanos);
        dead.remove(peer);
    }

    /** The peers to send liveness messages to. */
    Set<Long> peers() {
        return lastHeardNanos.keySet();
    }

    /** Declares dead the peers silent for longer than the timeout. */
    void sweep(long nowNanos) {
        for (Map.Entry<Long, Long> e : lastHeardNanos.entrySet()) {
            if (nowNanos - e.getValue() > timeoutNanos && dead.add(e.getKey())) {
                deaths.incrementAndGet();
            }
        }
    }

    boolean isLive(long peer) {
        return peer == self || !dead.contains(peer);
    }

    /** Counts transitions to dead: a worker that sees it change looks for groups to wake. */
    long deaths() {
        return deaths.get();
    }
}
