package io.kvkit.ring;

/** One membership change of one partition's replica group, in plan order. */
public record MoveStep(Kind kind, int partition, int nodeId) {
    public enum Kind {
        /** Add the node to the partition's group (learner, catch up by snapshot, promote). */
        ADD_REPLICA,
        /** Remove the node from the partition's group; its replacement is already a voter. */
        REMOVE_REPLICA
    }
}
