package io.kvkit.raft.tracker;

/** How the leader is replicating to one follower. */
public enum ProgressState {
    /** Unknown match: send one APPEND at a time and wait for the answer, backing off on rejects. */
    PROBE,
    /** Known match: pipeline APPENDs optimistically, bounded by the inflights window. */
    REPLICATE,
    /** The follower needs entries the leader has compacted: a snapshot is on its way. */
    SNAPSHOT
}
