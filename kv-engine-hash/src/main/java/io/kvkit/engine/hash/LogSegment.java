package io.kvkit.engine.hash;

import io.kvkit.engine.api.StoreDirectory;

import io.kvkit.engine.api.CorruptionException;
import io.kvkit.engine.api.StorageIOException;

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
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/**
 * One file of the data log: a fixed-size, preallocated, memory-mapped run of records, appended
 * to and never rewritten in place. The file is filled with zeros when it is created (so that a
 * full disk is an {@link IOException} at creation, never a SIGBUS on a mapped write) and mapped
 * once, in its own shared arena, so that retiring it unmaps it safely under concurrent readers.
 *
 * <p>Layout (little-endian): a 40-byte header, then records, then zeros.
 * <pre>
 * header: u64 magic "KVHSEG01" | u32 formatVersion | u8 kind (1 writer, 2 compaction) | u8 0
 *         | u16 lowId | u64 fileId | u64 baseSequence | u32 0 | u32 crc32c(header[0..36))
 * record: u32 crc32c(record[4..end)) | u32 keyLength | u32 valueLength | u64 sequence
 *         | u8 flags (1 tombstone, 2 batch end, 4 seal) | key | value
 * </pre>
 * A record's checksum covers its lengths, sequence and flags as well as key and value. A header
 * of 21 zero bytes marks the end of the data. A seal record (key length 0) marks a file that
 * is complete: nothing is appended after it.
 */
final class LogSegment {
    static final int HEADER_BYTES = 40;
    static final long SEGMENT_MAGIC = bytesToLong("KVHSEG01");
    static final int FORMAT_VERSION = 1;
    static final byte KIND_WRITER = 1;
    static final byte KIND_COMPACTION = 2;

    static final int RECORD_HEADER_BYTES = 21;
    static final byte FLAG_TOMBSTONE = 1;
    static final byte FLAG_BATCH_END = 2;
    static final byte FLAG_SEAL = 4;

    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The file; changes once, when a spare segment is put into use (renamed from {@code .spare}). */
    volatile Path path;
    final long fileId;
    final int lowId;
    final byte kind;
    final long baseSequence;
    final long capacity;
    private final Arena arena;
    final MemorySegment map;

    /** Bytes of the file in use (header and records); published after the records are written. */
    volatile long end;
    /** Bytes of records that no key points to any more (overwritten, deleted, or dropped copies). */
    final AtomicLong deadBytes = new AtomicLong();
    /** Smallest record sequence in the file (Long.MAX_VALUE if none); decides when tombstones may go. */
    volatile long minSequence = Long.MAX_VALUE;
    /** A seal record is at the end: nothing more will be appended. */
    volatile boolean sealed;
    /** Bytes up to which the file is known to be on stable storage. */
    long forcedUpTo;

    private LogSegment(Path path, long fileId, int lowId, byte kind, long baseSequence, long capacity, Arena arena, MemorySegment map) {
        this.path = path;
        this.fileId = fileId;
        this.lowId = lowId;
        this.kind = kind;
        this.baseSequence = baseSequence;
        this.capacity = capacity;
        this.arena = arena;
        this.map = map;
    }

    static String fileName(long fileId) {
        return String.format("%016x.seg", fileId);
    }

    /** Creates, zero-fills and syncs a new segment file (temp name, then rename, then directory fsync). */
    static LogSegment create(Path dir, long fileId, int lowId, byte kind, long baseSequence, long capacity) {
        return create(dir, fileId, lowId, kind, baseSequence, capacity, dir.resolve(fileName(fileId)));
    }

    /** Creates a segment under {@code path} (a spare's name, or its own). */
    static LogSegment create(Path dir, long fileId, int lowId, byte kind, long baseSequence, long capacity, Path path) {
        Path tmp = dir.resolve(fileName(fileId) + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                header.putLong(SEGMENT_MAGIC).putInt(FORMAT_VERSION).put(kind).put((byte) 0).putShort((short) lowId)
                        .putLong(fileId).putLong(baseSequence).putInt(0);
                CRC32C crc = new CRC32C();
                crc.update(header.array(), 0, 36);
                header.putInt((int) crc.getValue());
                header.flip();
                writeFully(ch, header, 0);
                ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
                for (long pos = HEADER_BYTES; pos < capacity; ) {
                    zeros.clear().limit((int) Math.min(zeros.capacity(), capacity - pos));
                    pos += writeFully(ch, zeros, pos);
                }
                ch.force(true);
            }
            Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE);
            StoreDirectory.syncDirectory(dir);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the create already failed; report that
            }
            throw new StorageIOException("cannot create log segment " + path + " of " + capacity + " bytes", e);
        }
        LogSegment s = map(path, fileId, lowId, kind, baseSequence, capacity);
        s.end = HEADER_BYTES;
        s.forcedUpTo = HEADER_BYTES;
        return s;
    }

    /** Opens an existing segment file, checking its header. The caller finds its end by scanning. */
    static LogSegment open(Path path) {
        try {
            long size = Files.size(path);
            if (size < HEADER_BYTES) {
                throw new CorruptionException(path, 0, "segment file of " + size + " bytes is shorter than its header");
            }
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                while (header.hasRemaining() && ch.read(header, header.position()) > 0) {
                    // read fully
                }
            }
            CRC32C crc = new CRC32C();
            crc.update(header.array(), 0, 36);
            if (header.getLong(0) != SEGMENT_MAGIC) {
                throw new CorruptionException(path, 0, "not a hash-engine log segment (bad magic)");
            }
            if ((int) crc.getValue() != header.getInt(36)) {
                throw new CorruptionException(path, 0, "segment header checksum mismatch");
            }
            int version = header.getInt(8);
            if (version != FORMAT_VERSION) {
                throw new CorruptionException(path, 8, "segment format version " + version + " is not supported; this build reads "
                        + FORMAT_VERSION);
            }
            byte kind = header.get(12);
            int lowId = header.getShort(14) & 0xFFFF;
            long fileId = header.getLong(16);
            long baseSeq = header.getLong(24);
            if ((kind != KIND_WRITER && kind != KIND_COMPACTION) || lowId == 0) {
                throw new CorruptionException(path, 12, "segment header has kind " + kind + " and low id " + lowId);
            }
            return map(path, fileId, lowId, kind, baseSeq, size);
        } catch (IOException e) {
            throw new StorageIOException("cannot open log segment " + path, e);
        }
    }

    private static LogSegment map(Path path, long fileId, int lowId, byte kind, long baseSeq, long capacity) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MemorySegment map = ch.map(FileChannel.MapMode.READ_WRITE, 0, capacity, arena);
            return new LogSegment(path, fileId, lowId, kind, baseSeq, capacity, arena, map);
        } catch (IOException | RuntimeException e) {
            arena.close();
            if (e instanceof IOException io) {
                throw new StorageIOException("cannot map log segment " + path, io);
            }
            throw (RuntimeException) e;
        }
    }

    static long recordBytes(int keyLength, int valueLength) {
        return (long) RECORD_HEADER_BYTES + keyLength + valueLength;
    }

    int keyLength(long off) {
        return map.get(INT, off + 4);
    }

    int valueLength(long off) {
        return map.get(INT, off + 8);
    }

    long sequence(long off) {
        return map.get(LONG, off + 12);
    }

    byte flags(long off) {
        return map.get(ValueLayout.JAVA_BYTE, off + 20);
    }

    /** Bytes of the record at {@code off}, from its header (not checked). */
    long recordSize(long off) {
        return recordBytes(keyLength(off), valueLength(off));
    }

    boolean keyEquals(long off, byte[] key) {
        if (map.get(INT, off + 4) != key.length) {
            return false;
        }
        return MemorySegment.mismatch(map, off + RECORD_HEADER_BYTES, off + RECORD_HEADER_BYTES + key.length,
                MemorySegment.ofArray(key), 0, key.length) < 0;
    }

    byte[] key(long off) {
        int k = keyLength(off);
        byte[] key = new byte[k];
        MemorySegment.copy(map, ValueLayout.JAVA_BYTE, off + RECORD_HEADER_BYTES, key, 0, k);
        return key;
    }

    /**
     * Writes a record at {@code off}: the header first, then key and value, the checksum last, so
     * that a process killed mid-write leaves a record that fails its checksum with only zeros
     * after the bytes its header claims (a torn tail), never an empty header followed by data.
     */
    void writeRecord(long off, byte[] headerScratch, byte[] key, byte[] value, long seq, byte flags) {
        int k = key.length;
        int v = value == null ? 0 : value.length;
        ByteBuffer h = ByteBuffer.wrap(headerScratch).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(4, k).putInt(8, v).putLong(12, seq).put(20, flags);
        MemorySegment.copy(headerScratch, 4, map, ValueLayout.JAVA_BYTE, off + 4, RECORD_HEADER_BYTES - 4);
        MemorySegment.copy(key, 0, map, ValueLayout.JAVA_BYTE, off + RECORD_HEADER_BYTES, k);
        if (v > 0) {
            MemorySegment.copy(value, 0, map, ValueLayout.JAVA_BYTE, off + RECORD_HEADER_BYTES + k, v);
        }
        CRC32C crc = new CRC32C();
        crc.update(headerScratch, 4, RECORD_HEADER_BYTES - 4);
        crc.update(key, 0, k);
        if (v > 0) {
            crc.update(value, 0, v);
        }
        map.set(INT, off, (int) crc.getValue());
    }

    /**
     * Copies a whole record (already checked) from another segment as a batch of its own (its
     * batch was complete in the source): header, then body, checksum last.
     */
    void copyRecord(long off, LogSegment from, long fromOff, long size) {
        MemorySegment.copy(from.map, fromOff + 4, map, off + 4, RECORD_HEADER_BYTES - 4);
        map.set(ValueLayout.JAVA_BYTE, off + 20, (byte) (from.flags(fromOff) | FLAG_BATCH_END));
        MemorySegment.copy(from.map, fromOff + RECORD_HEADER_BYTES, map, off + RECORD_HEADER_BYTES, size - RECORD_HEADER_BYTES);
        CRC32C crc = new CRC32C();
        crc.update(map.asSlice(off + 4, size - 4).asByteBuffer());
        map.set(INT, off, (int) crc.getValue());
    }

    /** Writes a seal record: sequence {@code seq}, no key, no value. */
    void writeSeal(long off, long seq) {
        byte[] h = new byte[RECORD_HEADER_BYTES];
        ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN).putLong(12, seq).put(20, (byte) (FLAG_SEAL | FLAG_BATCH_END));
        CRC32C crc = new CRC32C();
        crc.update(h, 4, RECORD_HEADER_BYTES - 4);
        MemorySegment.copy(h, 4, map, ValueLayout.JAVA_BYTE, off + 4, RECORD_HEADER_BYTES - 4);
        map.set(INT, off, (int) crc.getValue());
    }

    /** Forces {@code [from, to)} to stable storage (msync). */
    void force(long from, long to) {
        if (to > from) {
            map.asSlice(from, to - from).force();
        }
    }

    /** The offset of the last non-zero byte at or after {@code from}, or -1 if there is none. */
    long lastNonZero(long from) {
        long last = -1;
        long chunk = 1 << 16;
        MemorySegment zeros = ZEROS;
        for (long p = from; p < capacity; p += chunk) {
            long n = Math.min(chunk, capacity - p);
            if (MemorySegment.mismatch(map, p, p + n, zeros, 0, n) >= 0) {
                for (long q = p + n - 1; q >= p; q--) {
                    if (map.get(ValueLayout.JAVA_BYTE, q) != 0) {
                        last = q;
                        break;
                    }
                }
            }
        }
        return last;
    }

    private static final MemorySegment ZEROS = Arena.global().allocate(1 << 16);

    /** Puts a spare segment into use: renames it to its own name and makes the rename durable. */
    void activate(Path dir) throws IOException {
        Path target = dir.resolve(fileName(fileId));
        Files.move(path, target, StandardCopyOption.ATOMIC_MOVE);
        StoreDirectory.syncDirectory(dir);
        path = target;
    }

    boolean isMapped() {
        return arena.scope().isAlive();
    }

    /** Unmaps the file. Readers still on it get an IllegalStateException (translated by the engine). */
    void unmap() {
        while (true) {
            try {
                arena.close();
                return;
            } catch (IllegalStateException e) {
                if (!arena.scope().isAlive()) {
                    return;
                }
                Thread.onSpinWait(); // a reader holds the arena for a moment (e.g. a bulk copy)
            }
        }
    }

    private static int writeFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        int n = 0;
        while (b.hasRemaining()) {
            n += ch.write(b, pos + n);
        }
        return n;
    }

    private static long bytesToLong(String s) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (s.charAt(i) & 0xFF);
        }
        return v;
    }

    @Override
    public String toString() {
        return path.getFileName() + "(id " + fileId + ", low " + lowId + ", " + (kind == KIND_WRITER ? "writer" : "compaction") + ")";
    }
}
