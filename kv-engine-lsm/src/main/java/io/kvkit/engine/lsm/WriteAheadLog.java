package io.kvkit.engine.lsm;

import io.kvkit.engine.api.CorruptionException;
import io.kvkit.engine.api.WriteBatch;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * One segment of the write-ahead log ({@code NNNNNN.log}): one segment per memtable, so a
 * segment becomes obsolete when its memtable is flushed. Each batch is one record (framing in
 * {@link RecordLog}):
 * <pre>
 * payload = u64 firstSequence | u32 opCount | op*
 * op      = u8 kind (1 put, 2 delete) | varint keyLength | key [| varint valueLength | value]
 * </pre>
 * A group commit encodes all its batches into one buffer and writes it with one system call, then
 * fsyncs once if any writer asked for sync. Only the group-commit leader calls {@link #append}.
 */
final class WriteAheadLog implements AutoCloseable {
    static final byte PUT = 1;
    static final byte DELETE = 2;

    private final Path path;
    private final long number;
    private final FileChannel channel;
    private ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    private long size;
    private final CRC32C crc = new CRC32C();

    private WriteAheadLog(Path path, long number, FileChannel channel) {
        this.path = path;
        this.number = number;
        this.channel = channel;
    }

    static String fileName(long number) {
        return String.format("%06d.log", number);
    }

    /** Creates a new, empty segment. The caller fsyncs the directory. */
    static WriteAheadLog create(Path dir, long number) throws IOException {
        Path p = dir.resolve(fileName(number));
        return new WriteAheadLog(p, number, FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
    }

    long number() {
        return number;
    }

    Path path() {
        return path;
    }

    long sizeBytes() {
        return size;
    }

    static long encodedSize(WriteBatch b) {
        long n = RecordLog.HEADER + 12;
        for (int i = 0; i < b.size(); i++) {
            int k = b.keyAt(i).length;
            n += 1 + Varint.size(k) + k;
            byte[] v = b.valueAt(i);
            if (v != null) {
                n += Varint.size(v.length) + v.length;
            }
        }
        return n;
    }

    /** Appends one record per batch, sequences from {@code firstSeq} on, with one write. */
    void append(List<WriteBatch> batches, long firstSeq, long totalEncodedBytes) throws IOException {
        if (buf.capacity() < totalEncodedBytes) {
            buf = ByteBuffer.allocateDirect((int) Math.min(Integer.MAX_VALUE - 64, Math.max(totalEncodedBytes, 2L * buf.capacity())))
                    .order(ByteOrder.LITTLE_ENDIAN);
        }
        buf.clear();
        long seq = firstSeq;
        for (WriteBatch b : batches) {
            int start = buf.position();
            buf.position(start + RecordLog.HEADER);
            buf.putLong(seq).putInt(b.size());
            for (int i = 0; i < b.size(); i++) {
                byte[] k = b.keyAt(i);
                byte[] v = b.valueAt(i);
                buf.put(v == null ? DELETE : PUT);
                putVarint(k.length);
                buf.put(k);
                if (v != null) {
                    putVarint(v.length);
                    buf.put(v);
                }
            }
            int end = buf.position();
            int len = end - start - RecordLog.HEADER;
            buf.putInt(start + 4, len);
            crc.reset();
            crc.update(buf.slice(start + 4, len + 4));
            buf.putInt(start, (int) crc.getValue());
            seq += b.size();
        }
        buf.flip();
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
        size += buf.limit();
    }

    private void putVarint(int v) {
        while ((v & ~0x7F) != 0) {
            buf.put((byte) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        buf.put((byte) v);
    }

    /** Test hook: the next {@link #sync()} fails as an fsync returning EIO would. */
    volatile boolean failNextSync;

    /** fdatasync. A failure here must halt the engine: never retry (PITFALLS #21). */
    void sync() throws IOException {
        if (failNextSync) {
            failNextSync = false;
            throw new IOException("injected fsync failure (EIO)");
        }
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** Receives replayed batches. */
    interface Replay {
        void batch(long firstSeq, WriteBatch batch);
    }

    /** What replaying a segment found. */
    record ReplayResult(long records, long lastSequence, long validBytes, long tornBytes, String tornReason) {
    }

    /**
     * Replays a segment. A torn tail (only allowed in the newest segment) ends the replay and is
     * reported; anything else that fails a check is a {@link CorruptionException}.
     */
    static ReplayResult replay(Path file, boolean newest, Replay sink) throws IOException {
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long fileSize = ch.size();
            if (fileSize == 0) {
                return new ReplayResult(0, -1, 0, 0, null);
            }
            MemorySegment data = ch.map(FileChannel.MapMode.READ_ONLY, 0, fileSize, arena);
            long[] state = {0, -1}; // records, last sequence
            RecordLog.Scan scan = RecordLog.read(file, data, newest, (payload, offset) -> {
                try {
                    long first = payload.get(Bits.SEG_LONG_LE, 0);
                    int count = payload.get(Bits.SEG_INT_LE, 8);
                    if (count < 0 || first < 1) {
                        throw new IllegalArgumentException("bad header (sequence " + first + ", " + count + " ops)");
                    }
                    if (state[1] >= 0 && first != state[1] + 1) {
                        throw new IllegalArgumentException("sequence " + first + " does not follow " + state[1]);
                    }
                    WriteBatch b = new WriteBatch();
                    long p = 12;
                    for (int i = 0; i < count; i++) {
                        byte kind = payload.get(ValueLayout.JAVA_BYTE, p++);
                        long r = Varint.getInt(payload, p);
                        int klen = (int) r;
                        p = r >>> 32;
                        byte[] k = new byte[klen];
                        MemorySegment.copy(payload, ValueLayout.JAVA_BYTE, p, k, 0, klen);
                        p += klen;
                        if (kind == PUT) {
                            r = Varint.getInt(payload, p);
                            int vlen = (int) r;
                            p = r >>> 32;
                            byte[] v = new byte[vlen];
                            MemorySegment.copy(payload, ValueLayout.JAVA_BYTE, p, v, 0, vlen);
                            p += vlen;
                            b.put(k, v);
                        } else if (kind == DELETE) {
                            b.delete(k);
                        } else {
                            throw new IllegalArgumentException("unknown op kind " + kind);
                        }
                    }
                    if (p != payload.byteSize()) {
                        throw new IllegalArgumentException("record has " + (payload.byteSize() - p) + " trailing bytes");
                    }
                    state[0]++;
                    state[1] = first + count - 1;
                    sink.batch(first, b);
                } catch (IllegalArgumentException | IndexOutOfBoundsException | NegativeArraySizeException e) {
                    throw new CorruptionException(file, offset, "malformed log record: " + e.getMessage(), e);
                }
            });
            return new ReplayResult(state[0], state[1], scan.validBytes(), scan.tornBytes(), scan.tornReason());
        }
    }
}
