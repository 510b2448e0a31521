package io.kvkit.engine.lsm;

import io.kvkit.engine.api.CorruptionException;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The record framing shared by the write-ahead log and the manifest:
 * <pre>
 * record = u32 crc32c(length bytes, payload) | u32 length | payload     (little-endian)
 * </pre>
 * The checksum covers the length field too, so a flipped length bit is caught (PITFALLS #23).
 */
final class RecordLog {
    static final int HEADER = 8;

    private RecordLog() {
    }

    /** Appends a framed record holding {@code payload[0..len)} to {@code out}. */
    static void frame(ByteBuffer out, byte[] payload, int len) {
        CRC32C crc = new CRC32C();
        byte[] lenBytes = new byte[4];
        Bits.putIntLE(lenBytes, 0, len);
        crc.update(lenBytes);
        crc.update(payload, 0, len);
        out.order(ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue()).putInt(len).put(payload, 0, len);
    }

    /** What reading a log found. */
    record Scan(long validBytes, long tornBytes, String tornReason) {
    }

    /** Receives each whole record's payload and its offset. */
    interface Sink {
        void accept(MemorySegment payload, long offset);
    }

    /**
     * Reads every record of {@code data}. A bad record followed by no valid record is a torn tail
     * (when {@code tailMayBeTorn}) and ends the scan; a bad record with a valid one after it is
     * corruption, an error naming the file and offset.
     */
    static Scan read(Path file, MemorySegment data, boolean tailMayBeTorn, Sink sink) {
        long size = data.byteSize();
        long pos = 0;
        while (pos < size) {
            String problem = check(data, pos);
            if (problem != null) {
                long later = findValidRecord(data, pos + 1);
                if (later >= 0) {
                    throw new CorruptionException(file, pos, problem + ", and a valid record follows at offset " + later);
                }
                if (!tailMayBeTorn) {
                    throw new CorruptionException(file, pos, problem + " in a log that was complete when it was closed");
                }
                return new Scan(pos, size - pos, problem);
            }
            int len = data.get(Bits.SEG_INT_LE, pos + 4);
            sink.accept(data.asSlice(pos + HEADER, len), pos);
            pos += HEADER + len;
        }
        return new Scan(pos, 0, null);
    }

    /** Null if a whole record with a good checksum starts at {@code pos}, else what is wrong. */
    private static String check(MemorySegment data, long pos) {
        long size = data.byteSize();
        if (size - pos < HEADER) {
            return "incomplete record header (" + (size - pos) + " bytes)";
        }
        int len = data.get(Bits.SEG_INT_LE, pos + 4);
        if (len < 0 || len > size - pos - HEADER) {
            return "record length " + len + " runs past the end of the file";
        }
        CRC32C crc = new CRC32C();
        crc.update(data.asSlice(pos + 4, 4L + len).asByteBuffer());
        if ((int) crc.getValue() != data.get(Bits.SEG_INT_LE, pos)) {
            return "record checksum mismatch";
        }
        return null;
    }

    private static long findValidRecord(MemorySegment data, long from) {
        long size = data.byteSize();
        for (long q = from; q + HEADER <= size; q++) {
            int len = data.get(Bits.SEG_INT_LE, q + 4);
            if (len > 0 && len <= size - q - HEADER && check(data, q) == null) {
                return q;
            }
        }
        return -1;
    }
}
