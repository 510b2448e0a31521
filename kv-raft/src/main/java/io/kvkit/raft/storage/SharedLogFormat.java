package io.kvkit.raft.storage;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The on-disk format of {@link SharedRaftLogStore} (all integers big-endian).
 * <pre>
 * seg-&lt;seq, 20 digits&gt;.log     a segment; seqs are consecutive, the lowest ones are deleted first
 *   header  : magic "KVSL" (4) | version u8 = 1 | seq u64 | crc32c(previous 13 bytes) u32
 *   records : length u32 | crc32c(length bytes ++ body) u32 | body (length bytes)
 *   body    : kind u8 | group id u64 | payload
 *     1 ENTRIES      first index u64 | count u32 | count x entry    (drops the group's entries
 *                    at and after first index, then appends: truncation on conflict)
 *     2 HARD_STATE   term u64 | vote u64 | commit u64                (the latest one wins)
 *     3 SNAPSHOT     index u64 | term u64 | installed u8             (installed = 1: the log is
 *                    replaced by the snapshot; 0: entries up to index are compacted)
 *     4 DELETED      (nothing)                                       (forget the group)
 *     5 REWRITE      as ENTRIES, but truncates nothing: live entries copied forward from a
 *                    segment about to be deleted
 *   entry   : term u64 | entry type u8 | data length u32 | data
 * snap-&lt;group, 20 digits&gt;-&lt;index, 20 digits&gt;.snap   a snapshot in {@link SnapshotCodec} form
 * </pre>
 * A record's CRC32C covers its length field and body, so a torn length is caught as well as a
 * torn body. An entry's index is its record's first index plus its position in the record.
 */
final class SharedLogFormat {
    static final byte[] MAGIC = {'K', 'V', 'S', 'L'};
    static final int VERSION = 1;
    static final int SEGMENT_HEADER_BYTES = 17;
    static final int RECORD_HEADER_BYTES = 8;

    static final byte ENTRIES = 1;
    static final byte HARD_STATE = 2;
    static final byte SNAPSHOT = 3;
    static final byte DELETED = 4;
    static final byte REWRITE = 5;

    /** kind, group, first index, count. */
    static final int ENTRIES_PREFIX_BYTES = 1 + 8 + 8 + 4;
    /** term, type, data length. */
    static final int ENTRY_PREFIX_BYTES = 8 + 1 + 4;
    static final int HARD_STATE_BODY_BYTES = 1 + 8 + 24;
    static final int SNAPSHOT_BODY_BYTES = 1 + 8 + 8 + 8 + 1;
    static final int DELETED_BODY_BYTES = 1 + 8;

    /** Refuse records larger than this on read: a corrupt length must not allocate gigabytes. */
    static final int MAX_RECORD_BYTES = 256 << 20;

    private SharedLogFormat() {
    }

    static String segmentName(long seq) {
        return String.format("seg-%020d.log", seq);
    }

    /** The seq of a segment file name, or -1 if the name is not a segment's. */
    static long segmentSeq(String name) {
        if (!name.startsWith("seg-") || !name.endsWith(".log") || name.length() != 28) {
            return -1;
        }
        try {
            return Long.parseLong(name, 4, 24, 10);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static String snapshotName(long group, long index) {
        return String.format("snap-%020d-%020d.snap", group, index);
    }

    /** {group, index} of a snapshot file name, or null if the name is not a snapshot's. */
    static long[] snapshotGroupAndIndex(String name) {
        if (!name.startsWith("snap-") || !name.endsWith(".snap") || name.length() != 51) {
            return null;
        }
        try {
            return new long[] {Long.parseLong(name, 5, 25, 10), Long.parseLong(name, 26, 46, 10)};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static void putSegmentHeader(ByteBuffer b, long seq) {
        int at = b.position();
        b.put(MAGIC).put((byte) VERSION).putLong(seq);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), b.arrayOffset() + at, 13);
        b.putInt((int) crc.getValue());
    }

    /** CRC32C of a record whose length field starts at {@code at} in {@code b}'s array. */
    static int recordCrc(byte[] b, int at, int bodyLength) {
        CRC32C crc = new CRC32C();
        crc.update(b, at, 4);
        crc.update(b, at + RECORD_HEADER_BYTES, bodyLength);
        return (int) crc.getValue();
    }
}
