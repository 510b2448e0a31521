/**
 * Durable and in-memory logs for the Raft core: {@link io.kvkit.raft.storage.RaftLogStorage},
 * {@link io.kvkit.raft.storage.MemoryRaftLogStorage} (tests, simulation) and
 * {@link io.kvkit.raft.storage.SegmentedRaftLogStorage} (segmented files with a CRC32C per
 * record; the on-disk format is drawn in its class comment).
 */
package io.kvkit.raft.storage;
