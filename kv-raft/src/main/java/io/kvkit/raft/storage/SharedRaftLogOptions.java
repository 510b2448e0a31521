package io.kvkit.raft.storage;

/**
 * Settings of a {@link SharedRaftLogStore}, each with its unit in its name.
 *
 * @param segmentBytes        a new segment is started once the active one would grow past this
 *                            (a record larger than a segment gets a segment of its own)
 * @param writeBufferBytes    records are gathered in a buffer of this size before one
 *                            {@code write()}; a read or a sync flushes it
 * @param maxRecordBytes      an append is cut into records of at most about this many bytes, so
 *                            that a large batch does not make one huge record
 * @param rewriteLivePercent  the longest run of oldest segments whose live bytes together are at
 *                            most this percentage of their total size have their live records
 *                            copied to the tail, and are deleted (0 = only delete segments with
 *                            nothing live; 100 = copy everything live out of every sealed segment)
 * @param fsync               whether {@code sync()} forces the written bytes to the disk (default
 *                            true). With false, {@code sync()} only hands them to the OS: they
 *                            survive the process being killed, not a power loss or a kernel
 *                            crash. For deployments that accept that, as etcd's
 *                            {@code --unsafe-no-fsync} and Redis's {@code appendfsync no} do.
 */
public record SharedRaftLogOptions(long segmentBytes, int writeBufferBytes, int maxRecordBytes, int rewriteLivePercent,
                                   boolean fsync) {

    public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
    public static final int DEFAULT_WRITE_BUFFER_BYTES = 256 << 10;
    public static final int DEFAULT_MAX_RECORD_BYTES = 1 << 20;
    public static final int DEFAULT_REWRITE_LIVE_PERCENT = 25;

    public SharedRaftLogOptions {
        if (segmentBytes < 4096 || segmentBytes > 1L << 30) {
            throw new IllegalArgumentException("segmentBytes must be in [4096, 1 GiB], got " + segmentBytes);
        }
        if (writeBufferBytes < 4096) {
            throw new IllegalArgumentException("writeBufferBytes must be >= 4096, got " + writeBufferBytes);
        }
        if (maxRecordBytes < 1024 || maxRecordBytes > SharedLogFormat.MAX_RECORD_BYTES / 2) {
            throw new IllegalArgumentException("maxRecordBytes must be in [1 KiB, 128 MiB], got " + maxRecordBytes);
        }
        if (rewriteLivePercent < 0 || rewriteLivePercent > 100) {
            throw new IllegalArgumentException("rewriteLivePercent must be in [0, 100], got " + rewriteLivePercent);
        }
    }

    public static SharedRaftLogOptions defaults() {
        return new SharedRaftLogOptions(DEFAULT_SEGMENT_BYTES, DEFAULT_WRITE_BUFFER_BYTES, DEFAULT_MAX_RECORD_BYTES,
                DEFAULT_REWRITE_LIVE_PERCENT, true);
    }

    public SharedRaftLogOptions withSegmentBytes(long v) {
        return new SharedRaftLogOptions(v, writeBufferBytes, maxRecordBytes, rewriteLivePercent, fsync);
    }

    public SharedRaftLogOptions withWriteBufferBytes(int v) {
        return new SharedRaftLogOptions(segmentBytes, v, maxRecordBytes, rewriteLivePercent, fsync);
    }

    public SharedRaftLogOptions withMaxRecordBytes(int v) {
        return new SharedRaftLogOptions(segmentBytes, writeBufferBytes, v, rewriteLivePercent, fsync);
    }

    public SharedRaftLogOptions withRewriteLivePercent(int v) {
        return new SharedRaftLogOptions(segmentBytes, writeBufferBytes, maxRecordBytes, v, fsync);
    }

    public SharedRaftLogOptions withFsync(boolean v) {
        return new SharedRaftLogOptions(segmentBytes, writeBufferBytes, maxRecordBytes, rewriteLivePercent, v);
    }
}
