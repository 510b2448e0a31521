/**
 * The meta group: the small Raft group (on the first 3 or 5 nodes) that holds the cluster's
 * truth — nodes, the ring, each partition's replica set, each table's engine and options — as
 * one immutable {@link io.kvkit.server.meta.ClusterState} per epoch.
 *
 * <ul>
 *   <li>{@link io.kvkit.server.meta.ClusterBootstrap} computes the first state from the founding
 *       settings, identically on every founder (no exchange needed).</li>
 *   <li>{@link io.kvkit.server.meta.MetaStateMachine} is the group's
 *       {@link io.kvkit.raft.runtime.GroupStateMachine}: it applies
 *       {@link io.kvkit.server.meta.MetaCommands} deterministically and answers with client
 *       protocol {@code Response}s.</li>
 *   <li>{@link io.kvkit.server.meta.ClusterState#encode()} is the snapshot format: versioned and
 *       CRC32C-checked.</li>
 * </ul>
 *
 * Everything here is pure: no I/O, no clocks, no randomness. The node process owns the Raft
 * group, the data directory and the networking.
 */
package io.kvkit.server.meta;
