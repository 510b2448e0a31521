package io.kvkit.engine.api.model;

import io.kvkit.engine.api.Bytes;
import io.kvkit.engine.api.CorruptionException;
import io.kvkit.engine.api.Cursor;
import io.kvkit.engine.api.EngineCapabilities;
import io.kvkit.engine.api.EngineClosedException;
import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.EngineHaltedException;
import io.kvkit.engine.api.EngineStats;
import io.kvkit.engine.api.InvalidArgumentException;
import io.kvkit.engine.api.KeyRange;
import io.kvkit.engine.api.KeyValueLimits;
import io.kvkit.engine.api.ReadOptions;
import io.kvkit.engine.api.Snapshot;
import io.kvkit.engine.api.StorageEngine;
import io.kvkit.engine.api.StorageIOException;
import io.kvkit.engine.api.StoreDirectory;
import io.kvkit.engine.api.WriteBatch;
import io.kvkit.engine.api.WriteOptions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

/**
 * The reference engine: the simplest code that honours the whole {@link StorageEngine}
 * contract, for differential tests and as the floor in benchmarks.
 *
 * <p>Data lives on the Java heap in a concurrent skip list of version chains (MVCC by sequence
 * number), so reads are lock-free and snapshots and cursors are exact points in time. Every
 * batch is appended to one log file ({@code model.log}) before it becomes visible, so the model
 * keeps the durability contract too: sync writes are forced to disk; unsynced writes are in the
 * OS page cache when the call returns. Opening replays the log, truncating a torn tail; closing
 * rewrites the log as the live state. Not built for size or speed: the whole data set is on
 * the heap and writers are serialized.
 *
 * <p>Log record: {@code u32 bodyLength | u32 crc32c(body) | body}, little-endian, where
 * {@code body = u64 sequence | u32 opCount | op*} and
 * {@code op = u8 kind (1 put, 2 delete) | u32 keyLength | key [| u32 valueLength | value]}.
 */
public final class ModelEngine implements StorageEngine {
    static final String LOG_FILE = "model.log";
    private static final System.Logger LOG = System.getLogger(ModelEngine.class.getName());
    private static final byte PUT = 1;
    private static final byte DELETE = 2;
    private static final int HEADER_BYTES = 8;

    /** One value of a key, newest first; a null value is a tombstone. */
    private record Version(long seq, byte[] value, Version older) {
        Version visibleAt(long readSeq) {
            Version v = this;
            while (v != null && v.seq > readSeq) {
                v = v.older;
            }
            return v;
        }
    }

    private final EngineConfig config;
    private final KeyValueLimits limits;
    private final ConcurrentSkipListMap<byte[], Version> data = new ConcurrentSkipListMap<>(Bytes.ORDER);
    /** Sequence numbers that open snapshots and cursors read at, with how many readers hold each. */
    private final ConcurrentSkipListMap<Long, AtomicInteger> pinned = new ConcurrentSkipListMap<>();
    private final ReentrantLock writeLock = new ReentrantLock();
    private final AtomicLong bytesWritten = new AtomicLong();
    private final long tornTailBytes;
    private volatile long visibleSeq;
    private volatile boolean closed;
    private volatile Throwable halted;
    private FileChannel log;
    private final StoreDirectory.Lock dirLock;

    private ModelEngine(EngineConfig config) {
        this.config = config;
        this.limits = config.limits();
        try {
            this.dirLock = StoreDirectory.lock(config.directory(), "model");
        } catch (IOException e) {
            throw new StorageIOException("cannot lock " + config.directory(), e);
        }
        try {
            Path file = config.directory().resolve(LOG_FILE);
            this.log = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            this.tornTailBytes = replay(file);
        } catch (IOException | RuntimeException e) {
            if (log != null) {
                closeQuietly(log);
            }
            closeQuietly(dirLock);
            throw e instanceof IOException io ? new StorageIOException("cannot open model engine in " + config.directory(), io)
                    : (RuntimeException) e;
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // already failing; the first error is the one to report
        }
    }

    /** Opens (creating if needed) a model engine in {@code config.directory()}. */
    public static ModelEngine open(EngineConfig config) {
        ModelEngineProvider.OPTIONS_CHECK.accept(config);
        return new ModelEngine(config);
    }

    @Override
    public String name() {
        return ModelEngineProvider.NAME;
    }

    @Override
    public EngineCapabilities capabilities() {
        return ModelEngineProvider.CAPABILITIES;
    }

    @Override
    public byte[] get(ReadOptions options, byte[] key) {
        checkOpen();
        limits.checkKey(key);
        if (options.snapshot() != null) {
            long seq = readSeq(options);
            Version head = data.get(key);
            Version v = head == null ? null : head.visibleAt(seq);
            return v == null || v.value == null ? null : v.value.clone();
        }
        while (true) {
            long seq = visibleSeq;
            Version head = data.get(key);
            Version v = head == null ? null : head.visibleAt(seq);
            if (v != null) {
                return v.value == null ? null : v.value.clone();
            }
            // No version at or below seq: either the key did not exist then, or writers published
            // since we read seq and trimmed its version. Writers keep the version visible at the
            // last published sequence, so if nothing was published meanwhile the answer stands.
            if (seq == visibleSeq) {
                return null;
            }
        }
    }

    @Override
    public void write(WriteOptions options, WriteBatch batch) {
        checkOpen();
        limits.checkBatch(batch);
        if (batch.isEmpty()) {
            return;
        }
        writeLock.lock();
        try {
            checkOpen();
            if (halted != null) {
                throw new EngineHaltedException("model engine in " + config.directory() + " halted after an I/O error", halted);
            }
            long seq = visibleSeq + 1;
            ByteBuffer record = encode(seq, batch);
            try {
                while (record.hasRemaining()) {
                    log.write(record);
                }
                if (options.sync()) {
                    log.force(false);
                }
            } catch (IOException e) {
                halted = e; // after a failed write or fsync nothing later can be vouched for
                throw new EngineHaltedException("model engine in " + config.directory() + " failed to log a batch", e);
            }
            bytesWritten.addAndGet(record.limit());
            apply(seq, batch);
            visibleSeq = seq; // the batch becomes visible at once, all of it
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public Cursor scan(ReadOptions options, KeyRange range) {
        return cursor(options, range, false);
    }

    @Override
    public Cursor scanReverse(ReadOptions options, KeyRange range) {
        return cursor(options, range, true);
    }

    @Override
    public Cursor iterate(ReadOptions options) {
        return cursor(options, KeyRange.ALL, false);
    }

    @Override
    public Snapshot snapshot() {
        checkOpen();
        long seq = pin();
        return new ModelSnapshot(seq);
    }

    @Override
    public void checkpoint(Path dir) {
        checkOpen();
        try {
            StoreDirectory.prepareCheckpointTarget(dir);
            long seq = pin();
            try {
                writeCompactedLog(dir, seq);
            } finally {
                unpin(seq);
            }
        } catch (IOException e) {
            throw new StorageIOException("cannot write checkpoint to " + dir, e);
        }
    }

    @Override
    public void sync() {
        checkOpen();
        writeLock.lock();
        try {
            log.force(false);
        } catch (IOException e) {
            halted = e;
            throw new EngineHaltedException("model engine in " + config.directory() + " failed to sync", e);
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public EngineStats stats() {
        checkOpen();
        long disk;
        try {
            disk = log.size();
        } catch (IOException e) {
            disk = -1;
        }
        return new EngineStats(disk, -1, Map.of(
                "model.keysWithHistory", data.size(),
                "model.sequence", visibleSeq,
                "model.logBytesWritten", bytesWritten.get(),
                "model.recoveredTornTailBytes", tornTailBytes,
                "model.pinnedReaders", pinned.size()));
    }

    @Override
    public void close() {
        writeLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try {
                if (halted == null) {
                    // Rewrite the log as the live state so the file does not grow forever.
                    log.force(false);
                    writeCompactedLog(config.directory(), visibleSeq);
                }
            } finally {
                try {
                    log.close();
                } finally {
                    dirLock.close();
                }
            }
        } catch (IOException e) {
            throw new StorageIOException("closing model engine in " + config.directory(), e);
        } finally {
            writeLock.unlock();
        }
    }

    // ---- internals ----

    private void checkOpen() {
        if (closed) {
            throw new EngineClosedException("model engine in " + config.directory() + " is closed");
        }
    }

    private long readSeq(ReadOptions options) {
        if (options.snapshot() == null) {
            return visibleSeq;
        }
        if (!(options.snapshot() instanceof ModelSnapshot s) || s.owner() != this) {
            throw new InvalidArgumentException("the snapshot belongs to another engine");
        }
        if (s.closed) {
            throw new EngineClosedException("the snapshot (sequence " + s.seq + ") is closed");
        }
        return s.seq;
    }

    /** Registers a reader at the current sequence; under the write lock so that writers see it before they trim. */
    private long pin() {
        writeLock.lock();
        try {
            long seq = visibleSeq;
            pinned.computeIfAbsent(seq, k -> new AtomicInteger()).incrementAndGet();
            return seq;
        } finally {
            writeLock.unlock();
        }
    }

    private void unpin(long seq) {
        pinned.computeIfPresent(seq, (k, n) -> n.decrementAndGet() == 0 ? null : n);
    }

    /** Applies a batch at {@code seq}, trimming versions no reader can see any more. */
    private void apply(long seq, WriteBatch batch) {
        // Keep what pinned readers see, and what is visible at the last published sequence
        // (unpinned point reads may be reading at it right now).
        Map.Entry<Long, AtomicInteger> oldest = pinned.firstEntry();
        long horizon = oldest == null ? seq - 1 : Math.min(oldest.getKey(), seq - 1);
        for (int i = 0; i < batch.size(); i++) {
            byte[] key = batch.keyAt(i);
            byte[] value = batch.valueAt(i);
            data.compute(key.clone(), (k, head) -> trim(new Version(seq, value == null ? null : value.clone(), head), horizon));
        }
    }

    /** Keeps the versions newer than {@code horizon} and the one visible at it. */
    private static Version trim(Version head, long horizon) {
        if (head.seq <= horizon) {
            // Only the head is visible to anyone. (Tombstones stay in the map; the model does not
            // reclaim them until the log is rewritten on close.)
            return head.older == null ? head : new Version(head.seq, head.value, null);
        }
        Version v = head;
        while (v.older != null && v.older.seq > horizon) {
            v = v.older;
        }
        if (v.older != null && v.older.older != null) {
            // v.older is the version visible at the horizon; everything below it is dead.
            return rebuild(head, v.older);
        }
        return head;
    }

    private static Version rebuild(Version head, Version lastKept) {
        if (head == lastKept) {
            return new Version(head.seq, head.value, null);
        }
        return new Version(head.seq, head.value, rebuild(head.older, lastKept));
    }

    private Cursor cursor(ReadOptions options, KeyRange range, boolean reverse) {
        checkOpen();
        long seq;
        boolean ownPin;
        if (options.snapshot() == null) {
            seq = pin();
            ownPin = true;
        } else {
            seq = readSeq(options);
            ownPin = false;
        }
        NavigableMap<byte[], Version> view = data;
        if (range.isEmpty()) {
            view = new ConcurrentSkipListMap<>(Bytes.ORDER);
        } else if (range.start() != null && range.end() != null) {
            view = data.subMap(range.start(), true, range.end(), false);
        } else if (range.start() != null) {
            view = data.tailMap(range.start(), true);
        } else if (range.end() != null) {
            view = data.headMap(range.end(), false);
        }
        if (reverse) {
            view = view.descendingMap();
        }
        return new ModelCursor(view.entrySet().iterator(), seq, ownPin);
    }

    private final class ModelCursor implements Cursor {
        private final Iterator<Map.Entry<byte[], Version>> it;
        private final long seq;
        private final boolean ownPin;
        private byte[] key;
        private byte[] value;
        private boolean closedCursor;

        ModelCursor(Iterator<Map.Entry<byte[], Version>> it, long seq, boolean ownPin) {
            this.it = it;
            this.seq = seq;
            this.ownPin = ownPin;
        }

        @Override
        public boolean next() {
            if (closedCursor) {
                throw new EngineClosedException("cursor is closed");
            }
            checkOpen();
            while (it.hasNext()) {
                Map.Entry<byte[], Version> e = it.next();
                Version v = e.getValue().visibleAt(seq);
                if (v != null && v.value != null) {
                    key = e.getKey().clone();
                    value = v.value.clone();
                    return true;
                }
            }
            key = null;
            value = null;
            return false;
        }

        @Override
        public byte[] key() {
            if (key == null) {
                throw new IllegalStateException("no current entry: call next() first and check it returned true");
            }
            return key;
        }

        @Override
        public byte[] value() {
            if (value == null) {
                throw new IllegalStateException("no current entry: call next() first and check it returned true");
            }
            return value;
        }

        @Override
        public void close() {
            if (!closedCursor) {
                closedCursor = true;
                if (ownPin) {
                    unpin(seq);
                }
            }
        }
    }

    private final class ModelSnapshot implements Snapshot {
        final long seq;
        volatile boolean closed;

        ModelSnapshot(long seq) {
            this.seq = seq;
        }

        ModelEngine owner() {
            return ModelEngine.this;
        }

        @Override
        public long sequence() {
            return seq;
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                unpin(seq);
            }
        }
    }

    // ---- log encoding ----

    private static ByteBuffer encode(long seq, WriteBatch batch) {
        long size = HEADER_BYTES + 8 + 4;
        for (int i = 0; i < batch.size(); i++) {
            size += 1 + 4 + batch.keyAt(i).length + (batch.isDeleteAt(i) ? 0 : 4 + batch.valueAt(i).length);
        }
        if (size > Integer.MAX_VALUE - 16) {
            throw new InvalidArgumentException("batch of " + size + " bytes is too large for one log record; the limit is 2 GiB");
        }
        ByteBuffer b = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        b.position(HEADER_BYTES);
        b.putLong(seq).putInt(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            byte[] k = batch.keyAt(i);
            b.put(batch.isDeleteAt(i) ? DELETE : PUT).putInt(k.length).put(k);
            if (!batch.isDeleteAt(i)) {
                byte[] v = batch.valueAt(i);
                b.putInt(v.length).put(v);
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), HEADER_BYTES, b.capacity() - HEADER_BYTES);
        b.putInt(0, b.capacity() - HEADER_BYTES).putInt(4, (int) crc.getValue());
        b.flip();
        return b;
    }

    /** Replays the log into memory; returns how many bytes of torn tail were cut off. */
    private long replay(Path file) throws IOException {
        long size = log.size();
        ByteBuffer all = ByteBuffer.allocate((int) Math.min(size, Integer.MAX_VALUE - 16)).order(ByteOrder.LITTLE_ENDIAN);
        if (size > all.capacity()) {
            throw new CorruptionException(file, 0, "model log of " + size + " bytes exceeds the model's 2 GiB limit");
        }
        while (all.hasRemaining() && log.read(all, all.position()) > 0) {
            // read fully
        }
        all.flip();
        long pos = 0;
        while (pos < size) {
            String problem = null;
            int bodyLen = -1;
            if (size - pos < HEADER_BYTES) {
                problem = "incomplete record header";
            } else {
                bodyLen = all.getInt((int) pos);
                if (bodyLen < 12 || bodyLen > size - pos - HEADER_BYTES) {
                    problem = "record length " + bodyLen + " runs past the end of the file";
                } else {
                    CRC32C crc = new CRC32C();
                    crc.update(all.array(), (int) pos + HEADER_BYTES, bodyLen);
                    if ((int) crc.getValue() != all.getInt((int) pos + 4)) {
                        problem = "record checksum mismatch";
                    }
                }
            }
            if (problem != null) {
                boolean isTail = bodyLen < 0 || bodyLen > size - pos - HEADER_BYTES || pos + HEADER_BYTES + bodyLen == size;
                if (!isTail) {
                    throw new CorruptionException(file, pos, problem + " with more records after it");
                }
                long torn = size - pos;
                LOG.log(System.Logger.Level.WARNING, "model log " + file + ": truncating a torn tail of " + torn
                        + " bytes at offset " + pos + " (" + problem + ")");
                log.truncate(pos);
                log.force(true);
                return torn;
            }
            decodeInto(all.slice((int) pos + HEADER_BYTES, bodyLen).order(ByteOrder.LITTLE_ENDIAN), file, pos);
            pos += HEADER_BYTES + bodyLen;
        }
        log.position(size);
        return 0;
    }

    private void decodeInto(ByteBuffer body, Path file, long offset) {
        try {
            long seq = body.getLong();
            int ops = body.getInt();
            WriteBatch batch = new WriteBatch();
            for (int i = 0; i < ops; i++) {
                byte kind = body.get();
                byte[] key = new byte[body.getInt()];
                body.get(key);
                if (kind == PUT) {
                    byte[] value = new byte[body.getInt()];
                    body.get(value);
                    batch.put(key, value);
                } else if (kind == DELETE) {
                    batch.delete(key);
                } else {
                    throw new CorruptionException(file, offset, "unknown operation kind " + kind);
                }
            }
            if (seq <= visibleSeq) {
                throw new CorruptionException(file, offset, "sequence " + seq + " does not follow " + visibleSeq);
            }
            apply(seq, batch);
            visibleSeq = seq;
        } catch (RuntimeException e) {
            if (e instanceof CorruptionException) {
                throw e;
            }
            throw new CorruptionException(file, offset, "malformed record body: " + e, e);
        }
    }

    /** Writes the state visible at {@code seq} as a fresh log in {@code dir}: temp file, fsync, rename, fsync dir. */
    private void writeCompactedLog(Path dir, long seq) throws IOException {
        Path tmp = dir.resolve(LOG_FILE + ".tmp");
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            WriteBatch chunk = new WriteBatch();
            long chunkSeq = 0;
            for (Map.Entry<byte[], Version> e : data.entrySet()) {
                Version v = e.getValue().visibleAt(seq);
                if (v != null && v.value != null) {
                    chunk.put(e.getKey(), v.value);
                    if (chunk.payloadBytes() > (8 << 20)) {
                        writeFully(out, encode(++chunkSeq, chunk));
                        chunk.clear();
                    }
                }
            }
            if (!chunk.isEmpty()) {
                writeFully(out, encode(++chunkSeq, chunk));
            }
            // An empty record keeps sequence numbers increasing across reopen.
            writeFully(out, encode(Math.max(seq, chunkSeq + 1), new WriteBatch()));
            out.force(true);
        }
        Files.move(tmp, dir.resolve(LOG_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        StoreDirectory.syncDirectory(dir);
    }

    private static void writeFully(FileChannel out, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            out.write(b);
        }
    }
}
