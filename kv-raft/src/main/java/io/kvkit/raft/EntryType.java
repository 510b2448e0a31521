package io.kvkit.raft;

/** What a log entry carries. */
public enum EntryType {
    /** A command for the state machine (or the leader's empty no-op). */
    NORMAL,
    /** An encoded {@link ConfChange}; the core applies it when the host reports it applied. */
    CONF_CHANGE
}
