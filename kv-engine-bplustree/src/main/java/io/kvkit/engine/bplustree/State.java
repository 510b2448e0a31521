package io.kvkit.engine.bplustree;

/**
 * What a reader sees: the last checkpointed tree, the overlay of writes since, and the sequence
 * number up to which the overlay's versions are visible. Immutable; a new one is published per
 * commit and per checkpoint.
 */
record State(Meta tree, Overlay overlay, long seq) {
}
