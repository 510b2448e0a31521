package io.kvkit.raft;

/** Volatile state worth telling the host about when it changes; never persisted. */
public record SoftState(long leader, Role role) {
}
