package io.kvkit.engine.api;

/**
 * What an engine can do beyond the operations every engine supports (get, put, delete, atomic
 * batches, unordered iteration, snapshots, checkpoints).
 *
 * @param orderedScan                      {@link StorageEngine#scan} over key ranges in key order
 * @param reverseScan                      {@link StorageEngine#scanReverse} in descending key order
 * @param unsyncedWritesSurviveProcessCrash a write acknowledged with {@code sync=false} survives
 *                                         {@code kill -9} of the process (it is in the OS page
 *                                         cache when the call returns); false for engines that
 *                                         buffer in process memory
 */
public record EngineCapabilities(boolean orderedScan, boolean reverseScan, boolean unsyncedWritesSurviveProcessCrash) {
}
