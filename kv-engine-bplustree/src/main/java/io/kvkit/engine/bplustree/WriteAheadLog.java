package io.kvkit.engine.bplustree;

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
 * The redo log between two tree checkpoints: one record per group commit, appended with one
 * positional write, so that an unsynced commit is in the OS page cache (it survives kill -9)
 * when the writer returns, and a synced one is on disk after one fdatasync.
 *
 * <pre>
 * record = u32 bodyLength | u32 crc32c(body) | body          (little-endian)
 * body   = u64 seq | u32 opCount | op*
 * op     = u8 kind (1 put, 2 delete) | u32 keyLength | key [| u32 valueLength | value]
 * </pre>
 * Records carry consecutive sequence numbers. After a checkpoint whose meta page is durable
 * the log starts again at offset 0; replay skips records the tree already holds (seq at or below
 * the meta page's txn) and stops at the first record that is torn, fails its checksum or breaks
 * the sequence (the tail a crash left, or older records beyond the new end).
 *
 * <p>Appends are copied into a shared read-write mapping of the file's first
 * {@code mappedBytes} (no system call: the bytes are in the page cache, so they survive kill -9,
 * when the copy ends); a record that does not fit there is written with a positional write.
 * The mapping is only ever written by the writer and never read by readers.
 */
final class WriteAheadLog implements AutoCloseable {
    static final byte PUT = 1;
    static final byte DELETE = 2;
    private static final int HEADER = 8;

    private final Path path;
    private final FileChannel channel;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment mapped;
    private long end;
    /** Records below this offset are durable already: a force writes back only what follows. */
    private long forcedTo;
    private boolean spilled;
    private ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    private final CRC32C crc = new CRC32C();

    WriteAheadLog(Path path, long mappedBytes) throws IOException {
        this.path = path;
        this.channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        this.end = channel.size();
        // READ_WRITE mapping extends the (sparse) file to the mapped size
        this.mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, mappedBytes, arena);
        channel.force(true); // the file's new length is durable, so an msync alone makes records durable
    }

    long mappedBytes() {
        return mapped.byteSize();
    }

    Path path() {
        return path;
    }

    long size() {
        return end;
    }

    /** Receives replayed operations. */
    interface Replay {
        void record(long seq, List<byte[]> keys, List<byte[]> values);
    }

    /** What replay found. */
    record ReplayResult(long lastSeq, long records, long validBytes, long tornBytes) {
    }

    /**
     * Replays records after {@code afterSeq} in order, stops at the first invalid record and
     * truncates the log there (the torn tail of a crash).
     */
    ReplayResult replay(long afterSeq, Replay sink) throws IOException {
        long size = channel.size();
        long pos = 0;
        long expected = -1;
        long last = afterSeq;
        long records = 0;
        ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        while (pos + HEADER <= size) {
            header.clear();
            readFully(header, pos);
            int len = header.getInt(0);
            int stored = header.getInt(4);
            if (len < 12 || pos + HEADER + len > size) {
                break;
            }
            ByteBuffer body = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
            readFully(body, pos + HEADER);
            CRC32C c = new CRC32C();
            c.update(body.array(), 0, len);
            if ((int) c.getValue() != stored) {
                break;
            }
            long seq = body.getLong(0);
            if (seq > afterSeq) {
                if (expected >= 0 && seq != expected || expected < 0 && seq != afterSeq + 1) {
                    break; // a stale record from before the last truncation, or a gap: the end of this log
                }
                int count = body.getInt(8);
                java.util.ArrayList<byte[]> keys = new java.util.ArrayList<>(count);
                java.util.ArrayList<byte[]> values = new java.util.ArrayList<>(count);
                int at = 12;
                for (int i = 0; i < count; i++) {
                    byte kind = body.get(at);
                    int kl = body.getInt(at + 1);
                    byte[] k = new byte[kl];
                    body.get(at + 5, k);
                    at += 5 + kl;
                    if (kind == PUT) {
                        int vl = body.getInt(at);
                        byte[] v = new byte[vl];
                        body.get(at + 4, v);
                        at += 4 + vl;
                        values.add(v);
                    } else {
                        values.add(null);
                    }
                    keys.add(k);
                }
                sink.record(seq, keys, values);
                expected = seq + 1;
                last = seq;
                records++;
            }
            pos += HEADER + len;
        }
        // what follows the last good record is a torn tail, older records, or the zeros of the
        // sparse file: count the non-zero bytes of the next header as torn and clear it
        long torn = 0;
        if (pos + HEADER <= size) {
            header.clear();
            readFully(header, pos);
            if (header.getLong(0) != 0) {
                torn = Math.min(size - pos, HEADER + Math.max(0, header.getInt(0)));
            }
        } else {
            torn = size - pos;
        }
        clearFrom(pos);
        end = pos;
        return new ReplayResult(last, records, pos, torn);
    }

    /** Zeroes the header at {@code pos}, so that a later replay cannot run on into older records. */
    private void clearFrom(long pos) throws IOException {
        if (pos + HEADER <= mapped.byteSize()) {
            mapped.asSlice(pos, HEADER).fill((byte) 0);
        } else {
            ByteBuffer z = ByteBuffer.allocate(HEADER);
            while (z.hasRemaining()) {
                channel.write(z, pos + z.position());
            }
        }
    }

    private void readFully(ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            if (channel.read(b, pos + b.position()) < 0) {
                throw new IOException("unexpected end of " + path);
            }
        }
        b.flip();
    }

    /** Appends one record holding the operations of {@code batches} under {@code seq}. */
    void append(long seq, List<WriteBatch> batches) throws IOException {
        long bytes = HEADER + 12;
        int ops = 0;
        for (WriteBatch b : batches) {
            for (int i = 0, n = b.size(); i < n; i++) {
                byte[] v = b.valueAt(i);
                bytes += 5 + b.keyAt(i).length + (v == null ? 0 : 4 + v.length);
            }
            ops += b.size();
        }
        if (bytes > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("a group commit of " + bytes + " bytes is larger than one log record can be");
        }
        if (buffer.capacity() < bytes) {
            buffer = ByteBuffer.allocateDirect((int) Math.max(bytes, buffer.capacity() * 2L)).order(ByteOrder.LITTLE_ENDIAN);
        }
        ByteBuffer b = buffer.clear();
        b.putInt(0).putInt(0).putLong(seq).putInt(ops);
        for (WriteBatch batch : batches) {
            for (int i = 0, n = batch.size(); i < n; i++) {
                byte[] k = batch.keyAt(i);
                byte[] v = batch.valueAt(i);
                b.put(v == null ? DELETE : PUT).putInt(k.length).put(k);
                if (v != null) {
                    b.putInt(v.length).put(v);
                }
            }
        }
        int len = b.position() - HEADER;
        b.putInt(0, len);
        crc.reset();
        b.limit(b.position()).position(HEADER);
        crc.update(b);
        b.putInt(4, (int) crc.getValue());
        b.position(0);
        long pos = end;
        int total = b.remaining();
        if (pos + total + HEADER <= mapped.byteSize()) {
            // the body first, then the next record's header cleared, then this header: a crash
            // mid-copy leaves a record whose checksum fails, never one that passes with half a body
            MemorySegment.copy(MemorySegment.ofBuffer(b), HEADER, mapped, pos + HEADER, total - HEADER);
            mapped.asSlice(pos + total, HEADER).fill((byte) 0);
            MemorySegment.copy(MemorySegment.ofBuffer(b), 0, mapped, pos, HEADER);
            pos += total;
        } else {
            while (b.hasRemaining()) {
                pos += channel.write(b, pos);
            }
            clearFrom(pos);
            spilled = true;
        }
        end = pos;
    }

    /** Makes every appended record durable (msync of the mapped part, fdatasync of the file). */
    /** Tests set this to make every force fail, as a disk does after EIO. */
    volatile IOException forceFailure;

    void force() throws IOException {
        IOException f = forceFailure;
        if (f != null) {
            throw f;
        }
        long from = Math.min(forcedTo & ~4095L, mapped.byteSize());
        long to = Math.min(end + HEADER, mapped.byteSize());
        if (to > from) {
            mapped.asSlice(from, to - from).force(); // msync of the pages written since the last force
        }
        forcedTo = end;
        if (spilled) {
            channel.force(true);
            spilled = false;
        }
    }

    /** Starts the log again at offset 0: called once a checkpoint that holds every record is durable. */
    void reset() throws IOException {
        end = 0;
        forcedTo = 0;
        // give the log's disk blocks back: cut the file to nothing and extend it again (sparse).
        // Safe under the mapping because only the writer touches it, and not in between.
        long size = mapped.byteSize();
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(new byte[1]), size - 1);
        spilled = true; // the length changed: the next force syncs the file's metadata too
    }

    /** Unmaps and cuts the file to its records (nothing after a final checkpoint). */
    @Override
    public void close() throws IOException {
        arena.close();
        channel.truncate(end);
        channel.force(true);
        channel.close();
    }
}
