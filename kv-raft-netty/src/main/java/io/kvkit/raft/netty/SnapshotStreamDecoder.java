package io.kvkit.raft.netty;

import com.google.protobuf.ByteString;
import io.kvkit.raft.ConfState;
import io.kvkit.raft.Snapshot;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Decodes kv-raft's {@code SnapshotCodec} encoding as its bytes arrive, in order, writing the
 * data straight into the snapshot's own array: the receiver holds one array of the data's size,
 * where assembling the encoding and then calling {@code SnapshotCodec.decode} needs two. Checks
 * what {@code decode} checks: magic, version, field lengths against the announced total, and the
 * trailing CRC32C of everything before it. {@code SnapshotStreamDecoderTest} pins it against
 * {@code SnapshotCodec}. Not thread-safe.
 */
final class SnapshotStreamDecoder {
    private static final int FIXED_HEAD_BYTES = 4 + 1 + 8 + 8 + 4; // magic, version, index, term, voter count

    private final long totalBytes;
    private final String source;
    private final CRC32C crc = new CRC32C();
    /** Header bytes until the header is complete; null afterwards. */
    private byte[] head = new byte[64];
    private int headLength;
    private long index;
    private long term;
    private List<Long> voters;
    private List<Long> learners;
    private byte[] data;
    private int dataFilled;
    private final byte[] trailer = new byte[4];
    private int trailerFilled;
    private long consumed;

    /** @param source named in error messages (the transfer) */
    SnapshotStreamDecoder(long totalBytes, String source) {
        this.totalBytes = totalBytes;
        this.source = source;
    }

    /**
     * Consumes the next bytes of the encoding; returns the snapshot once the last byte arrived
     * and verified, else null.
     *
     * @throws IllegalArgumentException naming the source if the bytes are not a valid encoding of
     *                                  {@code totalBytes} bytes
     */
    Snapshot feed(ByteString bytes) {
        int length = bytes.size();
        if (consumed + length > totalBytes) {
            throw new IllegalArgumentException(source + ": " + (consumed + length) + " bytes, more than the "
                    + totalBytes + " announced");
        }
        int at = 0;
        while (at < length) {
            if (head != null) {
                at += takeHead(bytes, at);
            } else if (dataFilled < data.length) {
                int n = Math.min(length - at, data.length - dataFilled);
                bytes.substring(at, at + n).copyTo(data, dataFilled); // substring is a view
                crc.update(data, dataFilled, n);
                dataFilled += n;
                at += n;
            } else {
                int n = Math.min(length - at, 4 - trailerFilled);
                bytes.substring(at, at + n).copyTo(trailer, trailerFilled);
                trailerFilled += n;
                at += n;
            }
        }
        consumed += length;
        if (consumed < totalBytes) {
            return null;
        }
        if (head != null || trailerFilled < 4) {
            throw new IllegalArgumentException(source + ": the " + totalBytes + " bytes end inside the snapshot's fields");
        }
        if (ByteBuffer.wrap(trailer).getInt() != (int) crc.getValue()) {
            throw new IllegalArgumentException(source + ": snapshot checksum mismatch");
        }
        return new Snapshot(index, term, new ConfState(voters, learners), data);
    }

    /** Copies header bytes from {@code bytes[at..]}; parses once complete. Returns how many it took. */
    private int takeHead(ByteString bytes, int at) {
        int taken = 0;
        while (head != null && at + taken < bytes.size()) {
            int need = headBytesNeeded(); // grows as the voter and learner counts arrive
            int n = Math.min(bytes.size() - at - taken, need - headLength);
            if (headLength + n > head.length) {
                head = Arrays.copyOf(head, Math.max(head.length * 2, headLength + n));
            }
            bytes.substring(at + taken, at + taken + n).copyTo(head, headLength);
            headLength += n;
            taken += n;
            if (headComplete()) {
                parseHead();
            }
        }
        return taken;
    }

    /** Whether both counts are known and every header field up to the data length is here. */
    private boolean headComplete() {
        if (headLength < FIXED_HEAD_BYTES) {
            return false;
        }
        long learnerCountEnd = FIXED_HEAD_BYTES + 8L * voterCount() + 4;
        return headLength >= learnerCountEnd && headLength == learnerCountEnd + 8L * learnerCount() + 4;
    }

    /** Header bytes needed as far as the bytes so far tell (grows as the counts become known). */
    private int headBytesNeeded() {
        long need = FIXED_HEAD_BYTES;
        if (headLength >= FIXED_HEAD_BYTES) {
            need += 8L * voterCount() + 4;
            if (headLength >= need) {
                need += 8L * learnerCount() + 4;
            }
        }
        if (need + 4 > totalBytes) {
            throw new IllegalArgumentException(source + ": snapshot header of at least " + need + " bytes does not fit the "
                    + totalBytes + " bytes announced");
        }
        return (int) need;
    }

    private int voterCount() {
        int n = ByteBuffer.wrap(head, FIXED_HEAD_BYTES - 4, 4).getInt();
        if (n < 0) {
            throw new IllegalArgumentException(source + ": negative voter count " + n);
        }
        return n;
    }

    private int learnerCount() {
        int n = ByteBuffer.wrap(head, FIXED_HEAD_BYTES + 8 * voterCount(), 4).getInt();
        if (n < 0) {
            throw new IllegalArgumentException(source + ": negative learner count " + n);
        }
        return n;
    }

    private void parseHead() {
        ByteBuffer b = ByteBuffer.wrap(head, 0, headLength);
        byte[] magic = new byte[4];
        b.get(magic);
        int version = b.get();
        if (!Arrays.equals(magic, new byte[]{'K', 'V', 'R', 'S'}) || version != 1) {
            throw new IllegalArgumentException(source + ": bad snapshot magic or version " + version + " (expected 1)");
        }
        index = b.getLong();
        term = b.getLong();
        voters = new ArrayList<>();
        for (int i = b.getInt(); i > 0; i--) {
            voters.add(b.getLong());
        }
        learners = new ArrayList<>();
        for (int i = b.getInt(); i > 0; i--) {
            learners.add(b.getLong());
        }
        int dataLength = b.getInt();
        if (dataLength < 0 || (long) headLength + dataLength + 4 != totalBytes) {
            throw new IllegalArgumentException(source + ": snapshot data of " + dataLength + " bytes after a " + headLength
                    + "-byte header does not make the " + totalBytes + " bytes announced");
        }
        crc.update(head, 0, headLength);
        data = new byte[dataLength];
        head = null;
    }
}
