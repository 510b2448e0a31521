package io.kvkit.raft.netty;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.kvkit.raft.ConfState;
import io.kvkit.raft.Snapshot;
import io.kvkit.raft.storage.SnapshotCodec;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The {@link SnapshotCodec} encoding of a snapshot, cut into chunks on demand without ever
 * building it: a chunk is a view of the header, a slice of the snapshot's data array (wrapped,
 * not copied) and the trailing CRC32C. kv-raft's {@code SnapshotSender} copies the whole
 * encoding up front, which for a snapshot of hundreds of MiB would double the sender's memory
 * and stall the thread that calls {@code send}.
 *
 * <p>Chunks must be cut in increasing offset order (the trailing CRC32C is accumulated as the
 * bytes go by); a first chunk past 0 — a resumed transfer — first runs the CRC over the skipped
 * prefix. Not thread-safe: one transfer, one event loop.
 */
final class SnapshotChunkSource implements OutboundSnapshotSource {

    /** A piece of the encoding and the CRC32C of exactly its bytes. */
    record Chunk(long offset, ByteString bytes, int crc32c) {
    }

    private final byte[] header;
    private final byte[] data;
    private final long totalBytes;
    private final CRC32C whole = new CRC32C();
    /** {@link #whole} covers bytes [0, crcCovered) of the encoding. */
    private long crcCovered;
    private long nextOffset;

    SnapshotChunkSource(Snapshot s) {
        ConfState cs = s.confState();
        // SnapshotCodec's layout up to and including the data length; SnapshotChunkSourceTest pins it byte for byte
        ByteBuffer b = ByteBuffer.allocate(4 + 1 + 8 + 8 + 4 + 8 * cs.voters().size() + 4 + 8 * cs.learners().size() + 4);
        b.put((byte) 'K').put((byte) 'V').put((byte) 'R').put((byte) 'S').put((byte) 1).putLong(s.index()).putLong(s.term());
        b.putInt(cs.voters().size());
        cs.voters().forEach(b::putLong);
        b.putInt(cs.learners().size());
        cs.learners().forEach(b::putLong);
        b.putInt(s.data().length);
        this.header = b.array();
        this.data = s.data();
        this.totalBytes = (long) header.length + data.length + 4;
    }

    @Override
    public long totalBytes() {
        return totalBytes;
    }

    /** The chunk of at most {@code maxBytes} at {@code offset}, which must not go back. */
    @Override
    public Chunk chunkAt(long offset, int maxBytes) {
        if (offset < nextOffset || offset >= totalBytes || maxBytes <= 0) {
            throw new IllegalArgumentException("chunk at " + offset + " of " + maxBytes + " bytes: offsets must grow from "
                    + nextOffset + " and stay below " + totalBytes);
        }
        if (crcCovered < offset) {
            feed(crcCovered, offset, null, whole); // resumed: the prefix was never cut here
        }
        long end = Math.min(totalBytes, offset + maxBytes);
        CRC32C crc = new CRC32C();
        ByteString bytes = feed(offset, end, crc, whole);
        crcCovered = end;
        nextOffset = end;
        return new Chunk(offset, bytes, (int) crc.getValue());
    }

    /** Bytes [from, to) of the encoding, run through the given CRCs; returned unless {@code chunkCrc} is null. */
    private ByteString feed(long from, long to, CRC32C chunkCrc, CRC32C wholeCrc) {
        ByteString out = ByteString.EMPTY;
        long dataStart = header.length;
        long trailerStart = dataStart + data.length;
        if (from < dataStart) {
            int a = (int) from;
            int n = (int) (Math.min(to, dataStart) - from);
            update(header, a, n, chunkCrc, wholeCrc);
            if (chunkCrc != null) {
                out = out.concat(ByteString.copyFrom(header, a, n));
            }
        }
        if (to > dataStart && from < trailerStart) {
            int a = (int) (Math.max(from, dataStart) - dataStart);
            int n = (int) (Math.min(to, trailerStart) - dataStart) - a;
            update(data, a, n, chunkCrc, wholeCrc);
            if (chunkCrc != null) {
                // wrapped, not copied: kv-raft never mutates a snapshot's data
                out = out.concat(UnsafeByteOperations.unsafeWrap(data, a, n));
            }
        }
        if (to > trailerStart) {
            // every byte before the trailer went through wholeCrc above or in earlier chunks
            int crc = (int) wholeCrc.getValue();
            byte[] trailer = {(byte) (crc >>> 24), (byte) (crc >>> 16), (byte) (crc >>> 8), (byte) crc};
            int a = (int) (Math.max(from, trailerStart) - trailerStart);
            int n = (int) (to - trailerStart) - a;
            if (chunkCrc != null) {
                chunkCrc.update(trailer, a, n);
                out = out.concat(ByteString.copyFrom(trailer, a, n));
            }
        }
        return out;
    }

    private static void update(byte[] src, int offset, int length, CRC32C chunkCrc, CRC32C wholeCrc) {
        if (chunkCrc != null) {
            chunkCrc.update(src, offset, length);
        }
        wholeCrc.update(src, offset, length);
    }
}
