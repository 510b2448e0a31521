package io.kvkit.raft.storage;

import io.kvkit.raft.Snapshot;

import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Cuts a snapshot into chunks of at most {@code chunkBytes}, from any offset, so that a transfer
 * can resume where the receiver says it stopped ({@link SnapshotReceiver#resumeOffset}).
 */
public final class SnapshotSender {
    private final Snapshot snapshot;
    private final byte[] encoded;
    private final int chunkBytes;

    public SnapshotSender(Snapshot snapshot, int chunkBytes) {
        if (chunkBytes <= 0) {
            throw new IllegalArgumentException("chunkBytes must be > 0, got " + chunkBytes);
        }
        this.snapshot = snapshot;
        this.encoded = SnapshotCodec.encode(snapshot);
        this.chunkBytes = chunkBytes;
    }

    public long totalBytes() {
        return encoded.length;
    }

    /** The chunk starting at {@code offset} (0 ≤ offset &lt; totalBytes). */
    public SnapshotChunk chunkAt(long offset) {
        if (offset < 0 || offset >= encoded.length) {
            throw new IllegalArgumentException("chunk offset " + offset + " outside [0, " + encoded.length + ")");
        }
        int end = (int) Math.min(encoded.length, offset + chunkBytes);
        byte[] piece = Arrays.copyOfRange(encoded, (int) offset, end);
        CRC32C crc = new CRC32C();
        crc.update(piece);
        return new SnapshotChunk(snapshot.index(), snapshot.term(), offset, piece, encoded.length, (int) crc.getValue());
    }
}
