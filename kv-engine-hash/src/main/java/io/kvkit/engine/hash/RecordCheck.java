package io.kvkit.engine.hash;

import io.kvkit.engine.api.CorruptionException;
import io.kvkit.engine.api.KeyValueLimits;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Checks log records and scans a segment for recovery.
 *
 * <p>Recovery rules (PITFALLS #22): records are applied a whole batch at a time (a batch ends
 * with a record flagged "batch end"). A record that fails its check, with nothing but zeros
 * after the bytes it claims, is a torn write: the scan stops there and reports the offset of
 * the batch it belongs to, so the caller can cut the tail. A record that fails its check with
 * data after it, or zeros followed by data, is corruption and an error naming file and offset.
 * Writers store a record's header first, then key and value, then the checksum, which is what
 * makes a torn write look like the first case and never like the second.
 */
final class RecordCheck {
    private static final MemorySegment ZEROS = Arena.global().allocate(LogSegment.RECORD_HEADER_BYTES);
    private static final int SCRATCH_BYTES = 16 << 10;
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[SCRATCH_BYTES]);

    /** Where a scan stopped and why. */
    record ScanResult(long end, boolean sealed, long tornAt, String problem, long maxSequence) {
    }

    /** Receives each record of a complete batch, in log order. */
    interface RecordSink {
        void accept(LogSegment segment, long offset);
    }

    private RecordCheck() {
    }

    /** What is wrong with the record at {@code at}, or null if it passes every check. */
    static String problem(LogSegment s, long at) {
        if (at + LogSegment.RECORD_HEADER_BYTES > s.capacity) {
            return "record header runs past the end of the file";
        }
        int k = s.keyLength(at);
        int v = s.valueLength(at);
        byte flags = s.flags(at);
        if ((flags & ~(LogSegment.FLAG_TOMBSTONE | LogSegment.FLAG_BATCH_END | LogSegment.FLAG_SEAL)) != 0) {
            return "unknown record flags 0x" + Integer.toHexString(flags & 0xFF);
        }
        boolean seal = (flags & LogSegment.FLAG_SEAL) != 0;
        if (seal ? k != 0 : (k < 1 || k > KeyValueLimits.CEILING_MAX_KEY_BYTES)) {
            return "key length " + k + " is out of range";
        }
        if (v < 0 || v > KeyValueLimits.CEILING_MAX_VALUE_BYTES || ((seal || (flags & LogSegment.FLAG_TOMBSTONE) != 0) && v != 0)) {
            return "value length " + v + " is out of range for flags 0x" + Integer.toHexString(flags & 0xFF);
        }
        long size = LogSegment.recordBytes(k, v);
        if (at + size > s.capacity) {
            return "record of " + size + " bytes runs past the end of the file";
        }
        CRC32C crc = new CRC32C();
        if (size - 4 <= SCRATCH_BYTES) {
            // Through a heap copy: CRC32C over a byte[] is an intrinsic, and no buffer view or arena hold is made.
            byte[] scratch = SCRATCH.get();
            MemorySegment.copy(s.map, ValueLayout.JAVA_BYTE, at + 4, scratch, 0, (int) (size - 4));
            crc.update(scratch, 0, (int) (size - 4));
        } else {
            crc.update(s.map.asSlice(at + 4, size - 4).asByteBuffer());
        }
        if ((int) crc.getValue() != s.map.get(LogSegment.INT, at)) {
            return "record checksum mismatch";
        }
        return null;
    }

    /** The end of the bytes a (possibly bad) record at {@code at} claims, bounded by the file. */
    private static long claimedEnd(LogSegment s, long at) {
        long end = at + LogSegment.RECORD_HEADER_BYTES;
        if (end > s.capacity) {
            return s.capacity;
        }
        long k = s.keyLength(at) & 0xFFFF_FFFFL;
        long v = s.valueLength(at) & 0xFFFF_FFFFL;
        return end + k + v <= s.capacity ? end + k + v : end;
    }

    private static boolean zeroHeader(LogSegment s, long at) {
        return MemorySegment.mismatch(s.map, at, at + LogSegment.RECORD_HEADER_BYTES, ZEROS, 0, LogSegment.RECORD_HEADER_BYTES) < 0;
    }

    /**
     * Whether the last non-zero bytes of the file are a valid seal record: a segment that was
     * completed (compaction outputs are forced before their seal is written).
     */
    static boolean endsWithSeal(LogSegment s) {
        long last = s.lastNonZero(LogSegment.HEADER_BYTES);
        long at = last - (LogSegment.RECORD_HEADER_BYTES - 1);
        if (last < 0 || at < LogSegment.HEADER_BYTES) {
            return false;
        }
        return problem(s, at) == null && (s.flags(at) & LogSegment.FLAG_SEAL) != 0;
    }

    /**
     * Scans {@code s} from {@code from}, handing the records of each complete batch to
     * {@code sink} (if not null).
     *
     * @throws CorruptionException for damage that is not a torn tail
     */
    static ScanResult scan(LogSegment s, long from, RecordSink sink) {
        long pos = from;
        long batchStart = from;
        long[] pending = new long[16];
        int pendingCount = 0;
        long pendingSeq = -1;
        long maxSeq = 0;
        while (true) {
            if (pos + LogSegment.RECORD_HEADER_BYTES > s.capacity || zeroHeader(s, pos)) {
                long last = pos < s.capacity ? s.lastNonZero(pos) : -1;
                if (last >= 0) {
                    throw new CorruptionException(s.path, pos, "an empty record header is followed by data at offset " + last);
                }
                if (pendingCount > 0) {
                    return new ScanResult(batchStart, false, batchStart, "batch without its end record", maxSeq);
                }
                return new ScanResult(pos, false, -1, null, maxSeq);
            }
            String problem = problem(s, pos);
            if (problem != null) {
                long after = claimedEnd(s, pos);
                long last = after < s.capacity ? s.lastNonZero(after) : -1;
                if (last >= 0) {
                    throw new CorruptionException(s.path, pos, problem + ", with more data after it (at offset " + last + ")");
                }
                long torn = pendingCount > 0 ? batchStart : pos;
                return new ScanResult(torn, false, torn, problem, maxSeq);
            }
            byte flags = s.flags(pos);
            long size = s.recordSize(pos);
            if ((flags & LogSegment.FLAG_SEAL) != 0) {
                if (pendingCount > 0) {
                    throw new CorruptionException(s.path, pos, "seal record inside the batch that starts at offset " + batchStart);
                }
                return new ScanResult(pos + size, true, -1, null, maxSeq);
            }
            long seq = s.sequence(pos);
            if (pendingCount > 0 && seq != pendingSeq) {
                throw new CorruptionException(s.path, pos, "record of sequence " + seq + " inside the batch of sequence " + pendingSeq
                        + " (offset " + batchStart + ") that has no end record");
            }
            if (pendingCount == pending.length) {
                pending = Arrays.copyOf(pending, pendingCount * 2);
            }
            pending[pendingCount++] = pos;
            pendingSeq = seq;
            pos += size;
            if ((flags & LogSegment.FLAG_BATCH_END) != 0) {
                maxSeq = Math.max(maxSeq, seq);
                if (sink != null) {
                    for (int i = 0; i < pendingCount; i++) {
                        sink.accept(s, pending[i]);
                    }
                }
                pendingCount = 0;
                batchStart = pos;
            }
        }
    }
}
