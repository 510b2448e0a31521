package io.kvkit.raft.storage;

/**
 * One piece of an encoded snapshot ({@link SnapshotCodec}) in transfer.
 *
 * @param index      index of the snapshot being sent (with {@code term}, its identity)
 * @param term       term of the snapshot being sent
 * @param offset     where {@code bytes} start in the encoded snapshot
 * @param bytes      the piece
 * @param totalBytes length of the whole encoded snapshot
 * @param crc32c     CRC32C of {@code bytes}
 */
public record SnapshotChunk(long index, long term, long offset, byte[] bytes, long totalBytes, int crc32c) {
    public boolean isLast() {
        return offset + bytes.length == totalBytes;
    }
}
