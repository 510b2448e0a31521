package io.kvkit.engine.hash;

import io.kvkit.engine.api.StoreDirectory;

import io.kvkit.engine.api.CorruptionException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The index checkpoint ("hint file", {@code index.hint}): the index table as of one log position,
 * so that opening the store replays only the log written after it.
 *
 * <pre>
 * u64 magic "KVHHINT1" | u32 formatVersion | u32 segmentCount | u64 lastSequence
 * | u64 replayFileId | u64 replayOffset | u64 maxFileId | u64 slotCount | u64 liveEntries | u64 deletedMarks
 * | segmentCount × (u64 fileId | u64 deadBytes | u64 minSequence | u64 end | u16 lowId | u8 sealed | u8 retired | u32 0)
 * | u32 crc32c(all of the above)
 * | slotCount × u64 slot words (little-endian) | u32 crc32c(slot words)
 * </pre>
 *
 * Opening replays writer segment {@code replayFileId} from {@code replayOffset} and every
 * segment whose id is above {@code maxFileId}, in id order. A checkpoint that fails a check is
 * not an error: the log is the truth, and the engine rebuilds the index from it.
 */
final class IndexCheckpointFile {
    static final String FILE_NAME = "index.hint";
    static final long HINT_MAGIC = magic();
    static final int FORMAT_VERSION = 1;
    private static final int FIXED_BYTES = 8 + 4 + 4 + 8 * 7;
    private static final int SEGMENT_BYTES = 40;

    /** A segment as of the checkpoint; retired ones are kept only for open snapshots and may be gone. */
    record SegmentInfo(long fileId, int lowId, long deadBytes, long minSequence, long end, boolean sealed, boolean retired) {
    }

    record Header(long lastSequence, long replayFileId, long replayOffset, long maxFileId, long slotCount, long live,
                  long deleted, List<SegmentInfo> segments) {
        SegmentInfo segment(long fileId) {
            for (SegmentInfo s : segments) {
                if (s.fileId() == fileId) {
                    return s;
                }
            }
            return null;
        }
    }

    private IndexCheckpointFile() {
    }

    private static long magic() {
        String s = "KVHHINT1";
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | s.charAt(i);
        }
        return v;
    }

    /**
     * Writes {@code slots} with {@code header} to a temp file, without forcing it: the caller
     * holds the write lock so that the live table is consistent while it is copied into the page
     * cache (no second copy of the table in memory), then calls {@link #publish} without the lock.
     */
    static Path writeTemp(Path dir, Header header, MemorySegment slots) throws IOException {
        Path tmp = dir.resolve(FILE_NAME + ".tmp");
        ByteBuffer head = ByteBuffer.allocate(FIXED_BYTES + header.segments().size() * SEGMENT_BYTES + 4).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(HINT_MAGIC).putInt(FORMAT_VERSION).putInt(header.segments().size()).putLong(header.lastSequence())
                .putLong(header.replayFileId()).putLong(header.replayOffset()).putLong(header.maxFileId())
                .putLong(header.slotCount()).putLong(header.live()).putLong(header.deleted());
        for (SegmentInfo s : header.segments()) {
            head.putLong(s.fileId()).putLong(s.deadBytes()).putLong(s.minSequence()).putLong(s.end()).putShort((short) s.lowId())
                    .put((byte) (s.sealed() ? 1 : 0)).put((byte) (s.retired() ? 1 : 0)).putInt(0);
        }
        CRC32C crc = new CRC32C();
        crc.update(head.array(), 0, head.position());
        head.putInt((int) crc.getValue());
        head.flip();
        CRC32C tableCrc = new CRC32C();
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            long pos = 0;
            pos += writeFully(ch, head, pos);
            long chunk = 8L << 20;
            for (long off = 0; off < slots.byteSize(); off += chunk) {
                MemorySegment part = slots.asSlice(off, Math.min(chunk, slots.byteSize() - off));
                tableCrc.update(part.asByteBuffer());
                pos += writeFully(ch, part.asByteBuffer(), pos);
            }
            writeFully(ch, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, (int) tableCrc.getValue()), pos);
        }
        return tmp;
    }

    /** Forces the temp file, renames it over {@code index.hint} and fsyncs the directory. */
    static void publish(Path dir, Path tmp) throws IOException {
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        StoreDirectory.syncDirectory(dir);
    }

    /**
     * Reads a checkpoint into a new index.
     *
     * @throws CorruptionException if the file fails a check (the caller falls back to a rebuild)
     */
    static HashIndex read(Path file, Header[] headerOut) throws IOException {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new CorruptionException(file, 0, "index checkpoints are little-endian and this platform is not");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            long size = ch.size();
            if (size < FIXED_BYTES + 8) {
                throw new CorruptionException(file, 0, "index checkpoint of " + size + " bytes is too short");
            }
            MemorySegment m = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            if (m.get(LogSegment.LONG, 0) != HINT_MAGIC) {
                throw new CorruptionException(file, 0, "not an index checkpoint (bad magic)");
            }
            int version = m.get(LogSegment.INT, 8);
            if (version != FORMAT_VERSION) {
                throw new CorruptionException(file, 8, "index checkpoint format " + version + " is not supported");
            }
            int segCount = m.get(LogSegment.INT, 12);
            long headLen = FIXED_BYTES + (long) segCount * SEGMENT_BYTES;
            if (segCount < 0 || headLen + 4 > size) {
                throw new CorruptionException(file, 12, "segment count " + segCount + " does not fit the file");
            }
            CRC32C crc = new CRC32C();
            crc.update(m.asSlice(0, headLen).asByteBuffer());
            if ((int) crc.getValue() != m.get(LogSegment.INT, headLen)) {
                throw new CorruptionException(file, headLen, "index checkpoint header checksum mismatch");
            }
            long p = 16;
            long lastSeq = m.get(LogSegment.LONG, p);
            long replayFileId = m.get(LogSegment.LONG, p + 8);
            long replayOffset = m.get(LogSegment.LONG, p + 16);
            long maxFileId = m.get(LogSegment.LONG, p + 24);
            long slotCount = m.get(LogSegment.LONG, p + 32);
            long live = m.get(LogSegment.LONG, p + 40);
            long deleted = m.get(LogSegment.LONG, p + 48);
            List<SegmentInfo> segs = new ArrayList<>(segCount);
            for (int i = 0; i < segCount; i++) {
                long o = FIXED_BYTES + (long) i * SEGMENT_BYTES;
                segs.add(new SegmentInfo(m.get(LogSegment.LONG, o), m.get(LogSegment.SHORT, o + 32) & 0xFFFF, m.get(LogSegment.LONG, o + 8),
                        m.get(LogSegment.LONG, o + 16), m.get(LogSegment.LONG, o + 24), m.get(ValueLayout.JAVA_BYTE, o + 34) != 0,
                        m.get(ValueLayout.JAVA_BYTE, o + 35) != 0));
            }
            long tableOff = headLen + 4;
            if (Long.bitCount(slotCount) != 1 || slotCount < 16 || tableOff + slotCount * 8 + 4 != size) {
                throw new CorruptionException(file, 48, "slot count " + slotCount + " does not match the file size " + size);
            }
            MemorySegment table = m.asSlice(tableOff, slotCount * 8);
            CRC32C tcrc = new CRC32C();
            tcrc.update(table.asByteBuffer());
            if ((int) tcrc.getValue() != m.get(LogSegment.INT, tableOff + slotCount * 8)) {
                throw new CorruptionException(file, tableOff, "index checkpoint table checksum mismatch");
            }
            HashIndex index = new HashIndex(slotCount);
            MemorySegment.copy(table, 0, index.slots(), 0, table.byteSize());
            index.live = live;
            index.deleted = deleted;
            headerOut[0] = new Header(lastSeq, replayFileId, replayOffset, maxFileId, slotCount, live, deleted, segs);
            return index;
        }
    }

    private static long writeFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        long n = 0;
        while (b.hasRemaining()) {
            n += ch.write(b, pos + n);
        }
        return n;
    }

    static boolean exists(Path dir) {
        return Files.exists(dir.resolve(FILE_NAME));
    }

}
