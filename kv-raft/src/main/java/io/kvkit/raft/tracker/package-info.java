/**
 * What the leader knows about each member: its {@link io.kvkit.raft.tracker.Progress} (match,
 * next, probe/replicate/snapshot state) and the {@link io.kvkit.raft.tracker.Inflights} window
 * that bounds pipelined APPEND messages by count and by bytes.
 */
package io.kvkit.raft.tracker;
