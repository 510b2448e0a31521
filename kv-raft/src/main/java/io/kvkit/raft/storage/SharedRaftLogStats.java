package io.kvkit.raft.storage;

/**
 * Figures of a {@link SharedRaftLogStore} at one moment.
 *
 * @param groups              groups with a log
 * @param segments            segment files, the active one included
 * @param totalBytes          bytes in all segments
 * @param liveBytes           bytes still needed: the entries of every group's log and each
 *                            group's latest hard state record (record headers not counted)
 * @param fsyncs              fsyncs of segment files and of the directory for them (syncs, garbage
 *                            collection, close), not those of snapshot files
 * @param rewrittenBytes      bytes of live entries copied forward so that old segments could go
 * @param deletedSegments     segments deleted since the store was opened
 * @param indexHeapBytes      heap held by the per-group entry indexes (20 bytes per entry)
 */
public record SharedRaftLogStats(int groups, int segments, long totalBytes, long liveBytes, long fsyncs,
                                 long rewrittenBytes, long deletedSegments, long indexHeapBytes) {
}
