package io.kvkit.ring;

/** The result of a ring change: the new ring (epoch + 1) and the plan that gets the cluster there. */
public record RingChange(Ring ring, MovePlan plan) {}
