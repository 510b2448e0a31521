package io.kvkit.raft.storage;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.HardState;

/** What a node restarts from: its durable hard state and the membership of its latest snapshot. */
public record InitialState(HardState hardState, ConfState confState) {
}
