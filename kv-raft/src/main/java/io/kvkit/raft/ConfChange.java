package io.kvkit.raft;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A single-server membership change. Changes are applied one at a time (Raft thesis §4.1,
 * with the fix from Ongaro's 2015 raft-dev note): a leader accepts a new change only after it
 * has committed an entry of its own term and after every earlier change has been applied.
 */
public record ConfChange(Type type, long nodeId) {

    public enum Type {
        /** Add a voter, or promote an existing learner to voter. */
        ADD_VOTER,
        /** Add a learner (a non-voting member that receives the log). Demoting a voter is refused. */
        ADD_LEARNER,
        /** Remove a voter or a learner. Removing the leader makes it step down and hand over. */
        REMOVE_NODE
    }

    public ConfChange {
        Objects.requireNonNull(type, "type");
        if (nodeId <= 0) {
            throw new IllegalArgumentException("conf change node id must be > 0, got " + nodeId);
        }
    }

    /** Encoding: 1 byte type ordinal, 8 bytes node id, big-endian. */
    public byte[] encode() {
        return ByteBuffer.allocate(9).put((byte) type.ordinal()).putLong(nodeId).array();
    }

    public static ConfChange decode(byte[] data) {
        if (data.length != 9) {
            throw new IllegalArgumentException("conf change encoding is 9 bytes, got " + data.length);
        }
        ByteBuffer b = ByteBuffer.wrap(data);
        int t = b.get();
        if (t < 0 || t >= Type.values().length) {
            throw new IllegalArgumentException("unknown conf change type " + t + "; allowed 0.." + (Type.values().length - 1));
        }
        return new ConfChange(Type.values()[t], b.getLong());
    }

    /** The membership after this change, or an exception saying why the change is invalid. */
    public ConfState applyTo(ConfState cs) {
        var voters = new java.util.TreeSet<>(cs.voters());
        var learners = new java.util.TreeSet<>(cs.learners());
        switch (type) {
            case ADD_VOTER -> {
                learners.remove(nodeId);
                voters.add(nodeId);
            }
            case ADD_LEARNER -> {
                if (voters.contains(nodeId)) {
                    throw new IllegalArgumentException("cannot demote voter " + nodeId + " to learner; remove it first");
                }
                learners.add(nodeId);
            }
            case REMOVE_NODE -> {
                voters.remove(nodeId);
                learners.remove(nodeId);
            }
        }
        if (voters.isEmpty()) {
            throw new IllegalArgumentException("conf change " + this + " would remove the last voter");
        }
        return new ConfState(java.util.List.copyOf(voters), java.util.List.copyOf(learners));
    }

    @Override
    public String toString() {
        return type + " " + nodeId;
    }
}
