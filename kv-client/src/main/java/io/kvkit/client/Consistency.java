package io.kvkit.client;

import io.kvkit.client.proto.ReadConsistency;

/** How fresh a read must be; see kvkit.proto's {@code ReadConsistency}. */
public enum Consistency {
    /** ReadIndex on the leader (the default): sees every write acknowledged before the read started. */
    LINEARIZABLE(ReadConsistency.LINEARIZABLE, true),
    /** The leader's lease instead of a heartbeat round; linearizable unless clocks drift beyond the lease margin. */
    LEASE(ReadConsistency.LEASE, true),
    /** A follower serves after a ReadIndex from the leader: linearizable, load off the leader. */
    FOLLOWER(ReadConsistency.FOLLOWER, false),
    /** Any replica serves its local state: may miss recent writes. */
    STALE(ReadConsistency.STALE, false);

    private final ReadConsistency wire;
    private final boolean leaderOnly;

    Consistency(ReadConsistency wire, boolean leaderOnly) {
        this.wire = wire;
        this.leaderOnly = leaderOnly;
    }

    public ReadConsistency toWire() {
        return wire;
    }

    /** Whether the read must go to the partition's leader (otherwise any replica will do). */
    public boolean leaderOnly() {
        return leaderOnly;
    }
}
