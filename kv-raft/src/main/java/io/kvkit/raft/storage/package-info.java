/**
 * Durable and in-memory logs for the Raft core: {@link io.kvkit.raft.storage.RaftLogStorage},
 * {@link io.kvkit.raft.storage.MemoryRaftLogStorage} (tests, simulation) and
 * {@link io.kvkit.raft.storage.SegmentedRaftLogStorage} (segmented files with a CRC32C per
 * record; the on-disk format is drawn in its class comment), and the logs of every group of a
 * node behind one group-committed sync ({@link io.kvkit.raft.storage.RaftLogStore}):
 * {@link io.kvkit.raft.storage.SharedRaftLogStore} (one segmented log for all groups; format in
 * {@code SharedLogFormat}), {@link io.kvkit.raft.storage.DirectoryRaftLogStore} (one segmented
 * log per group, the baseline) and {@link io.kvkit.raft.storage.MemoryRaftLogStore}.
 */
package io.kvkit.raft.storage;
