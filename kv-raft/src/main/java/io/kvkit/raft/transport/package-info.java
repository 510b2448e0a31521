/**
 * Moving Raft messages between nodes, for any number of groups: the {@link io.kvkit.raft.transport.Transport}
 * contract (at most once, in order per node pair and group, never blocking the sender) and an
 * in-process implementation for tests. The TCP implementation lives in the kv-raft-netty module,
 * so that this library stays free of dependencies.
 */
package io.kvkit.raft.transport;
