package io.kvkit.raft.runtime;

import io.kvkit.raft.ConfChange;
import io.kvkit.raft.ConfState;

import java.util.Map;
import java.util.TreeMap;

/**
 * A group's membership by log index, from its latest snapshot on: the runtime hands committed
 * entries to the state machine asynchronously, so a snapshot taken at the state machine's applied
 * index needs the membership as of that index, not the core's (which is already further on).
 * Worker thread only.
 */
final class MembershipHistory {
    private final TreeMap<Long, ConfState> byIndex = new TreeMap<>();

    MembershipHistory(long index, ConfState cs) {
        byIndex.put(index, cs);
    }

    /** Applies a committed change at {@code index} the way the core does (an invalid one is a no-op). */
    ConfState apply(long index, ConfChange cc) {
        ConfState before = byIndex.lastEntry().getValue();
        ConfState after;
        try {
            after = cc.applyTo(before);
        } catch (IllegalArgumentException e) {
            after = before;
        }
        byIndex.put(index, after);
        return after;
    }

    /** Membership as of {@code index} (which must not precede the oldest index kept). */
    ConfState at(long index) {
        Map.Entry<Long, ConfState> e = byIndex.floorEntry(index);
        if (e == null) {
            throw new IllegalArgumentException("membership at " + index + " is older than the history, which starts at "
                    + byIndex.firstKey());
        }
        return e.getValue();
    }

    /** A snapshot replaced the log: the history restarts from it. */
    void reset(long index, ConfState cs) {
        byIndex.clear();
        byIndex.put(index, cs);
    }

    /** Forgets changes before the one in force at {@code index}. */
    void forgetBefore(long index) {
        Long floor = byIndex.floorKey(index);
        if (floor != null) {
            byIndex.headMap(floor, false).clear();
        }
    }
}
