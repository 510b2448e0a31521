package io.kvkit.raft.storage;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.Snapshot;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The byte form of a snapshot, used for snapshot files and for snapshot transfer (big-endian):
 * <pre>
 * magic "KVRS" | version u8 = 1 | index u64 | term u64 | voters: n u32, n x u64 |
 * learners: n u32, n x u64 | data length u32 | data | crc32c(everything before) u32
 * </pre>
 */
public final class SnapshotCodec {
    private static final byte[] MAGIC = {'K', 'V', 'R', 'S'};
    private static final int VERSION = 1;

    private SnapshotCodec() {
    }

    public static byte[] encode(Snapshot s) {
        ConfState cs = s.confState();
        int size = 4 + 1 + 8 + 8 + 4 + 8 * cs.voters().size() + 4 + 8 * cs.learners().size() + 4 + s.data().length + 4;
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(MAGIC).put((byte) VERSION).putLong(s.index()).putLong(s.term());
        b.putInt(cs.voters().size());
        cs.voters().forEach(b::putLong);
        b.putInt(cs.learners().size());
        cs.learners().forEach(b::putLong);
        b.putInt(s.data().length).put(s.data());
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, size - 4);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /**
     * Decodes and verifies an encoded snapshot.
     *
     * @param source named in error messages (a file name, a peer)
     * @throws IllegalArgumentException naming {@code source} if the bytes are damaged
     */
    public static Snapshot decode(byte[] all, String source) {
        if (all.length < 4 + 1 + 16 + 4 + 4 + 4 + 4) {
            throw new IllegalArgumentException(source + ": snapshot too short (" + all.length + " bytes)");
        }
        CRC32C crc = new CRC32C();
        crc.update(all, 0, all.length - 4);
        ByteBuffer b = ByteBuffer.wrap(all);
        if ((int) crc.getValue() != b.getInt(all.length - 4)) {
            throw new IllegalArgumentException(source + ": snapshot checksum mismatch");
        }
        byte[] magic = new byte[4];
        b.get(magic);
        int version = b.get();
        if (!Arrays.equals(magic, MAGIC) || version != VERSION) {
            throw new IllegalArgumentException(source + ": bad snapshot magic or version " + version + " (expected " + VERSION + ")");
        }
        try {
            long index = b.getLong();
            long term = b.getLong();
            List<Long> voters = new ArrayList<>();
            for (int i = b.getInt(); i > 0; i--) {
                voters.add(b.getLong());
            }
            List<Long> learners = new ArrayList<>();
            for (int i = b.getInt(); i > 0; i--) {
                learners.add(b.getLong());
            }
            byte[] data = new byte[b.getInt()];
            b.get(data);
            return new Snapshot(index, term, new ConfState(voters, learners), data);
        } catch (BufferUnderflowException | NegativeArraySizeException e) {
            throw new IllegalArgumentException(source + ": snapshot fields run past its end", e);
        }
    }
}
