package io.kvkit.server.meta;

/**
 * A node's standing in the cluster. Only {@link #UP} is produced today; {@link #DOWN} (failed,
 * its replicas to be replaced) and {@link #LEAVING} (being decommissioned, its replicas moving
 * away) are for the elasticity work and already have their place in the encoded state.
 */
public enum NodeStatus {
    UP,
    DOWN,
    LEAVING
}
