package io.kvkit.raft.netty;

import com.google.protobuf.UnsafeByteOperations;
import io.kvkit.raft.storage.FileSnapshotSender;
import io.kvkit.raft.storage.SnapshotChunk;

/**
 * The files of a file-backed snapshot, read from the sending node's snapshot directory one chunk
 * at a time (kv-raft's {@link FileSnapshotSender}): memory per transfer is the chunks in flight,
 * whatever the snapshot's size. Reads run on the peer's event loop, a chunk at a time.
 */
final class FileSnapshotChunkSource implements OutboundSnapshotSource {
    private final FileSnapshotSender sender;

    FileSnapshotChunkSource(FileSnapshotSender sender) {
        this.sender = sender;
    }

    @Override
    public long totalBytes() {
        return sender.totalBytes();
    }

    @Override
    public SnapshotChunkSource.Chunk chunkAt(long offset, int maxBytes) {
        SnapshotChunk c = sender.chunkAt(offset, maxBytes);
        // wrapped, not copied: the array is this chunk's alone
        return new SnapshotChunkSource.Chunk(c.offset(), UnsafeByteOperations.unsafeWrap(c.bytes()), c.crc32c());
    }

    @Override
    public void close() {
        sender.close();
    }
}
