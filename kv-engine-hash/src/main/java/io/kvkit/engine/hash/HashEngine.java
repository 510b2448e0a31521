package io.kvkit.engine.hash;

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
import io.kvkit.engine.api.UnsupportedFeatureException;
import io.kvkit.engine.api.WriteBatch;
import io.kvkit.engine.api.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The hash engine: a log-structured hash store in the spirit of Bitcask and FASTER. Every write
 * is appended to a memory-mapped log segment; an off-heap hash table ({@link HashIndex}) maps
 * each key to its newest record. Point reads take no lock: one probe run in the table and one
 * record read from the mapped log. Dead records are reclaimed by background compaction; the
 * index is checkpointed to a hint file so that opening replays only the log written since.
 *
 * <p>Writers are serialized on the log tail (an append is a memory copy into the mapped file,
 * plus the index update). {@code sync=true} writes share one {@code msync} (group commit).
 * Keys are not ordered: {@link #scan} fails and names the engines that can; {@link #iterate}
 * visits every live key once. See the module README for the on-disk format and guarantees.
 */
public final class HashEngine implements StorageEngine {
    private static final Logger LOG = LoggerFactory.getLogger(HashEngine.class);
    static final String SEGMENT_SUFFIX = ".seg";
    static final String SPARE_SUFFIX = ".spare";
    /** Segment size of the stores {@link #checkpoint} writes (at most; a live store's may be smaller). */
    static final long CHECKPOINT_SEGMENT_BYTES = 8L << 20;
    private static final int MAX_LOW_ID = 0xFFFF;
    private static final long MAX_BATCH_BYTES = 1L << 30;
    private static final long MAX_SEGMENT_BYTES = 0xFFFF_FFFFL;
    private static final byte[] RETRY = new byte[0];
    private static final byte[] CORRUPT = new byte[0];
    private static final int MAX_READ_ATTEMPTS = 10_000_000;
    /** Expensive self-checks (tests run with it on): e.g. scan fully dead segments before dropping them. */
    private static final boolean PARANOID = Boolean.getBoolean("kvkit.paranoid");

    private final EngineConfig config;
    private final Path dir;
    private final KeyValueLimits limits;
    private final HashEngineOptions options;
    private final StoreDirectory.Lock dirLock;

    /** Segment by its 16-bit low id, as named in index words. */
    private final AtomicReferenceArray<LogSegment> byLowId = new AtomicReferenceArray<>(MAX_LOW_ID + 1);
    private final ReadState read = new ReadState();

    private final ReentrantLock writeLock = new ReentrantLock();
    // ---- guarded by writeLock ----
    /** Live segments (not retired) by file id. */
    private final TreeMap<Long, LogSegment> segments = new TreeMap<>();
    private LogSegment active;
    /** The next writer segment, created and zero-filled ahead by the background thread (named *.spare until used). */
    private LogSegment spare;
    /** Low id of a spare being created outside the lock. */
    private int reservedLowId;
    private long lastSequence;
    private long nextFileId;
    private int lowIdCursor = 1;
    private final byte[] headerScratch = new byte[LogSegment.RECORD_HEADER_BYTES];
    private long bytesSinceIndexCheckpoint;
    private SnapshotNode snapshotHead;
    private SnapshotNode snapshotTail;
    private long snapshotOrdinals;
    private final List<Retired> graveyard = new ArrayList<>();

    private final ReentrantLock syncLock = new ReentrantLock();
    private final Object closeMonitor = new Object();
    private volatile Throwable halted;
    /** Set by tests: every log fsync fails with it, as a disk returning EIO would (PITFALLS #21). */
    private volatile IOException injectedForceFailure;
    private volatile boolean closed;
    private volatile boolean stopping;
    private final Thread maintenance;
    private volatile Throwable backgroundError;

    // ---- figures ----
    private final AtomicLong compactions = new AtomicLong();
    private final AtomicLong compactedBytesReclaimed = new AtomicLong();
    private final AtomicLong indexCheckpoints = new AtomicLong();
    private final AtomicLong indexRebuilds = new AtomicLong();
    private long recoveredTornTailBytes;
    private long recoveryReplayedRecords;
    private long openMillis;
    private boolean openedFromIndexCheckpoint;

    /** A segment taken out of use by compaction, deleted once no snapshot can read it. */
    private static final class Retired {
        final LogSegment segment;
        final long newestSnapshotOrdinal;
        boolean needsIndexCheckpoint = true;

        Retired(LogSegment segment, long newestSnapshotOrdinal) {
            this.segment = segment;
            this.newestSnapshotOrdinal = newestSnapshotOrdinal;
        }
    }

    private HashEngine(EngineConfig config, HashEngineOptions options) {
        long t0 = System.nanoTime();
        this.config = config;
        this.dir = config.directory();
        this.limits = config.limits();
        this.options = options;
        try {
            this.dirLock = StoreDirectory.lock(dir, "hash");
        } catch (IOException e) {
            throw new StorageIOException("cannot open hash store in " + dir, e);
        }
        try {
            recover();
        } catch (RuntimeException e) {
            releaseAll();
            throw e;
        }
        openMillis = (System.nanoTime() - t0) / 1_000_000;
        LOG.info("opened hash store {} in {} ms ({} keys, {} segments, {})", dir, openMillis, read.index.live, segments.size(),
                openedFromIndexCheckpoint ? "from index checkpoint" : "index rebuilt from the log");
        maintenance = new Thread(this::maintenanceLoop, "kvkit-hash-maintenance-" + dir.getFileName());
        maintenance.setDaemon(true);
        maintenance.start();
    }

    /** Opens (creating if needed) a hash store in {@code config.directory()}. */
    public static HashEngine open(EngineConfig config) {
        return new HashEngine(config, HashEngineOptions.parse(config.engineOptions()));
    }

    @Override
    public String name() {
        return HashEngineProvider.NAME;
    }

    @Override
    public EngineCapabilities capabilities() {
        return HashEngineProvider.CAPABILITIES;
    }

    // =====================================================================================
    // reads
    // =====================================================================================

    @Override
    public byte[] get(ReadOptions readOptions, byte[] key) {
        checkOpen();
        limits.checkKey(key);
        if (readOptions.snapshot() != null) {
            return getAt(node(readOptions.snapshot()), key);
        }
        long hash = KeyHash.hash(key);
        for (int attempt = 0; attempt < MAX_READ_ATTEMPTS; attempt++) {
            long version = read.batchVersion;
            if ((version & 1) != 0) {
                Thread.onSpinWait(); // a batch is being applied; wait for all of it
                continue;
            }
            HashIndex table = read.index;
            try {
                long slot = find(table, key, hash);
                if (slot == -1) {
                    if (read.unchanged(version, table)) {
                        return null;
                    }
                    continue;
                }
                if (slot < 0) {
                    continue;
                }
                long word = table.get(slot);
                if (!HashIndex.isEntry(word)) {
                    continue;
                }
                byte[] value = readValue(word, key);
                if (value == RETRY) {
                    continue;
                }
                boolean stable = read.unchanged(version, table) && table.get(slot) == word;
                if (value == CORRUPT) {
                    if (stable) {
                        throw corruptRecord(word, "record checksum or header mismatch");
                    }
                    continue;
                }
                if (stable) {
                    return value;
                }
            } catch (IllegalStateException | IndexOutOfBoundsException e) {
                // The table was replaced and freed, or a segment was retired and unmapped, under us.
                checkOpen();
            }
        }
        throw new IllegalStateException("get did not settle after " + MAX_READ_ATTEMPTS + " attempts");
    }

    /**
     * The slot holding {@code key}, -1 if the key is absent, -2 if the probe met a word naming a
     * segment that is gone (stale: retry).
     */
    private long find(HashIndex table, byte[] key, long hash) {
        long tag = HashIndex.tagOf(hash);
        long mask = table.mask;
        long i = hash & mask;
        for (long n = 0; n <= mask; n++) {
            long w = table.get(i);
            if (w == HashIndex.EMPTY) {
                return -1;
            }
            if (w != HashIndex.DELETED && (w & HashIndex.TAG_MASK) == tag) {
                LogSegment s = byLowId.get(HashIndex.lowId(w));
                if (s == null) {
                    return -2;
                }
                long off = HashIndex.offset(w);
                if (s.keyEquals(off, key)) {
                    return i;
                }
                // A tag match with another key is rare (1 in 32768); check that it is not a damaged key.
                String problem = options.verifyChecksumsOnRead() ? RecordCheck.problem(s, off) : null;
                if (problem != null) {
                    throw new CorruptionException(s.path, off, problem);
                }
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    /** The value of the record {@code word} names, checked; {@link #RETRY} or {@link #CORRUPT} otherwise. */
    private byte[] readValue(long word, byte[] key) {
        LogSegment s = byLowId.get(HashIndex.lowId(word));
        if (s == null) {
            return RETRY;
        }
        long off = HashIndex.offset(word);
        MemorySegment m = s.map;
        int k = m.get(LogSegment.INT, off + 4);
        int v = m.get(LogSegment.INT, off + 8);
        if (k != key.length || v < 0 || off + LogSegment.RECORD_HEADER_BYTES + k + (long) v > s.capacity) {
            return CORRUPT;
        }
        if (!options.verifyChecksumsOnRead()) {
            byte[] value = new byte[v];
            MemorySegment.copy(m, java.lang.foreign.ValueLayout.JAVA_BYTE, off + LogSegment.RECORD_HEADER_BYTES + k, value, 0, v);
            return value;
        }
        int bodyLen = LogSegment.RECORD_HEADER_BYTES - 4 + k + v;
        byte[] body = new byte[bodyLen];
        MemorySegment.copy(m, java.lang.foreign.ValueLayout.JAVA_BYTE, off + 4, body, 0, bodyLen);
        CRC32C crc = new CRC32C();
        crc.update(body, 0, bodyLen);
        if ((int) crc.getValue() != m.get(LogSegment.INT, off) || (body[16] & LogSegment.FLAG_TOMBSTONE) != 0
                || Arrays.mismatch(body, 17, 17 + k, key, 0, k) >= 0) {
            return CORRUPT;
        }
        return Arrays.copyOfRange(body, 17 + k, bodyLen);
    }

    private CorruptionException corruptRecord(long word, String what) {
        LogSegment s = byLowId.get(HashIndex.lowId(word));
        Path file = s == null ? dir : s.path;
        return new CorruptionException(file, HashIndex.offset(word), what);
    }

    /** The index word for {@code key} now (0 if absent), read lock-free. */
    private long currentLocation(byte[] key, long hash) {
        for (int attempt = 0; attempt < MAX_READ_ATTEMPTS; attempt++) {
            HashIndex table = read.index;
            try {
                long slot = find(table, key, hash);
                if (slot == -1) {
                    if (read.index == table) {
                        return SnapshotNode.ABSENT;
                    }
                    continue;
                }
                if (slot < 0) {
                    continue;
                }
                long w = table.get(slot);
                if (HashIndex.isEntry(w) && read.index == table) {
                    return w & ~HashIndex.TOMBSTONE_BIT;
                }
            } catch (IllegalStateException | IndexOutOfBoundsException e) {
                checkOpen();
            }
        }
        throw new IllegalStateException("index lookup did not settle");
    }

    /** Where {@code key} was at snapshot {@code node} (0 if it did not exist). */
    private long locationAt(SnapshotNode node, byte[] key, long hash) {
        long loc = currentLocation(key, hash); // first: a change after this is already in a table below
        KeyBytes k = new KeyBytes(key);
        for (SnapshotNode n = node; n != null; n = n.next) {
            Long prev = n.previous.get(k);
            if (prev != null) {
                return prev;
            }
        }
        return loc;
    }

    private byte[] getAt(SnapshotNode node, byte[] key) {
        long hash = KeyHash.hash(key);
        for (int attempt = 0; attempt < MAX_READ_ATTEMPTS; attempt++) {
            try {
                long loc = locationAt(node, key, hash);
                if (loc == SnapshotNode.ABSENT) {
                    return null;
                }
                byte[] v = readValue(loc, key);
                if (v == CORRUPT) {
                    throw corruptRecord(loc, "record checksum or header mismatch");
                }
                if (v != RETRY) {
                    return v;
                }
            } catch (IllegalStateException | IndexOutOfBoundsException e) {
                checkOpen();
            }
        }
        throw new IllegalStateException("snapshot read did not settle");
    }

    // =====================================================================================
    // writes
    // =====================================================================================

    @Override
    public void put(WriteOptions writeOptions, byte[] key, byte[] value) {
        checkOpen();
        limits.checkPut(key, value);
        writeOne(writeOptions, key, value);
    }

    @Override
    public void delete(WriteOptions writeOptions, byte[] key) {
        checkOpen();
        limits.checkKey(key);
        writeOne(writeOptions, key, null);
    }

    /** One put ({@code value} not null) or delete, without the batch machinery. */
    private void writeOne(WriteOptions writeOptions, byte[] key, byte[] value) {
        long hash = KeyHash.hash(key);
        long bytes = LogSegment.recordBytes(key.length, value == null ? 0 : value.length);
        LogSegment written;
        long writtenEnd;
        writeLock.lock();
        try {
            checkOpen();
            checkWritable();
            ensureRoom(bytes);
            LogSegment seg = active;
            long seq = ++lastSequence;
            long pos = seg.end;
            seg.writeRecord(pos, headerScratch, key, value, seq,
                    (byte) ((value == null ? LogSegment.FLAG_TOMBSTONE : 0) | LogSegment.FLAG_BATCH_END));
            writtenEnd = pos + bytes;
            seg.end = writtenEnd;
            if (seg.minSequence == Long.MAX_VALUE) {
                seg.minSequence = seq;
            }
            try {
                apply(key, hash, value == null ? 0 : HashIndex.pack(hash, seg.lowId, pos));
            } catch (RuntimeException e) {
                halted = e; // the log has the write but the index does not: stop taking writes
                throw new EngineHaltedException("hash store in " + dir + " failed to index a logged write; reopen to recover", e);
            }
            bytesSinceIndexCheckpoint += bytes;
            written = seg;
        } finally {
            writeLock.unlock();
        }
        if (writeOptions.sync()) {
            syncUpTo(written, writtenEnd);
        }
    }

    @Override
    public void write(WriteOptions writeOptions, WriteBatch batch) {
        checkOpen();
        limits.checkBatch(batch);
        int n = batch.size();
        if (n == 0) {
            return;
        }
        if (n == 1) {
            writeOne(writeOptions, batch.keyAt(0), batch.valueAt(0));
            return;
        }
        int[] ops = latestPerKey(batch);
        long[] hashes = new long[ops.length];
        long bytes = 0;
        for (int j = 0; j < ops.length; j++) {
            byte[] key = batch.keyAt(ops[j]);
            byte[] value = batch.valueAt(ops[j]);
            hashes[j] = KeyHash.hash(key);
            bytes += LogSegment.recordBytes(key.length, value == null ? 0 : value.length);
        }
        if (bytes > MAX_BATCH_BYTES) {
            throw new InvalidArgumentException("batch of " + bytes + " log bytes is larger than the limit of " + MAX_BATCH_BYTES
                    + " bytes; nothing of the batch was written");
        }
        LogSegment written;
        long writtenEnd;
        writeLock.lock();
        try {
            checkOpen();
            checkWritable();
            ensureRoom(bytes);
            LogSegment seg = active;
            long seq = ++lastSequence;
            long pos = seg.end;
            long[] offsets = new long[ops.length];
            for (int j = 0; j < ops.length; j++) {
                byte[] key = batch.keyAt(ops[j]);
                byte[] value = batch.valueAt(ops[j]);
                byte flags = (byte) ((value == null ? LogSegment.FLAG_TOMBSTONE : 0) | (j == ops.length - 1 ? LogSegment.FLAG_BATCH_END : 0));
                seg.writeRecord(pos, headerScratch, key, value, seq, flags);
                offsets[j] = pos;
                pos += LogSegment.recordBytes(key.length, value == null ? 0 : value.length);
            }
            seg.end = pos;
            if (seg.minSequence == Long.MAX_VALUE) {
                seg.minSequence = seq;
            }
            boolean multi = ops.length > 1;
            if (multi) {
                read.beginBatch();
            }
            try {
                for (int j = 0; j < ops.length; j++) {
                    byte[] key = batch.keyAt(ops[j]);
                    boolean delete = batch.valueAt(ops[j]) == null;
                    apply(key, hashes[j], delete ? 0 : HashIndex.pack(hashes[j], seg.lowId, offsets[j]));
                }
            } catch (RuntimeException e) {
                halted = e; // the log has the batch but the index only part of it: stop taking writes
                throw new EngineHaltedException("hash store in " + dir + " failed to index a logged batch; reopen to recover", e);
            } finally {
                if (multi) {
                    read.endBatch();
                }
            }
            bytesSinceIndexCheckpoint += bytes;
            written = seg;
            writtenEnd = pos;
        } finally {
            writeLock.unlock();
        }
        if (writeOptions.sync()) {
            syncUpTo(written, writtenEnd);
        }
    }

    /** Indices of the last operation on each key, in batch order (a later operation on a key wins). */
    private static int[] latestPerKey(WriteBatch batch) {
        int n = batch.size();
        if (n == 1) {
            return new int[] {0};
        }
        Map<KeyBytes, Integer> last = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            last.put(new KeyBytes(batch.keyAt(i)), i);
        }
        int[] out = new int[last.size()];
        int j = 0;
        for (int i = 0; i < n; i++) {
            if (last.get(new KeyBytes(batch.keyAt(i))) == i) {
                out[j++] = i;
            }
        }
        return out;
    }

    /** Points {@code key} at {@code newWord} (0 removes it). Under the write lock. */
    private void apply(byte[] key, long hash, long newWord) {
        HashIndex t = read.index;
        long tag = HashIndex.tagOf(hash);
        long i = hash & t.mask;
        long free = -1;
        while (true) {
            long w = t.get(i);
            if (w == HashIndex.EMPTY) {
                break;
            }
            if (w == HashIndex.DELETED) {
                if (free < 0) {
                    free = i;
                }
            } else if ((w & HashIndex.TAG_MASK) == tag) {
                LogSegment old = byLowId.get(HashIndex.lowId(w));
                long oldOff = HashIndex.offset(w);
                if (old.keyEquals(oldOff, key)) {
                    recordPrevious(key, w);
                    old.deadBytes.addAndGet(old.recordSize(oldOff));
                    if (newWord != 0) {
                        t.set(i, newWord);
                    } else {
                        t.set(i, HashIndex.DELETED);
                        t.live--;
                        t.deleted++;
                    }
                    return;
                }
            }
            i = (i + 1) & t.mask;
        }
        recordPrevious(key, SnapshotNode.ABSENT);
        if (newWord == 0) {
            return;
        }
        if (free < 0 && t.needsRebuild()) {
            t = rebuildIndex(growthCapacity(t));
            t.insertAbsent(hash, newWord);
        } else if (free >= 0) {
            t.set(free, newWord);
            t.deleted--;
            t.live++;
        } else {
            t.set(i, newWord);
            t.live++;
        }
    }

    /** Remembers where {@code key} was for the newest open snapshot, if it has not been changed since. */
    private void recordPrevious(byte[] key, long previousWord) {
        SnapshotNode tail = snapshotTail;
        if (tail != null) {
            tail.previous.putIfAbsent(new KeyBytes(key.clone()), previousWord == SnapshotNode.ABSENT ? SnapshotNode.ABSENT
                    : previousWord & ~(HashIndex.TOMBSTONE_BIT | HashIndex.TAG_MASK));
        }
    }

    /**
     * Builds a larger table (or one without deleted marks) beside the current one, publishes it
     * and frees the old one. Readers keep reading the old table meanwhile; those still on it when
     * it is freed retry on the new one. Under the write lock.
     */
    private HashIndex rebuildIndex(long capacity) {
        HashIndex old = read.index;
        HashIndex fresh = new HashIndex(capacity);
        old.rehashInto(fresh, w -> {
            LogSegment s = byLowId.get(HashIndex.lowId(w));
            long off = HashIndex.offset(w);
            return KeyHash.hash(s.key(off));
        });
        read.index = fresh;
        old.close();
        indexRebuilds.incrementAndGet();
        return fresh;
    }

    /**
     * The table to grow to when {@code t} is full: room for 1.5x its live keys (a power of two, so
     * 2x when it is full of live keys; less when deleted marks filled it). At most 21.3 bytes per key.
     */
    private long growthCapacity(HashIndex t) {
        return Math.max(HashIndex.capacityFor(options.expectedKeys()), HashIndex.capacityFor(t.live * 3 / 2 + 1));
    }

    /** Makes room for {@code bytes} of records (and a seal record after them) in the active segment. */
    private void ensureRoom(long bytes) {
        LogSegment old = active;
        if (!old.sealed && old.end + bytes + LogSegment.RECORD_HEADER_BYTES <= old.capacity) {
            return;
        }
        if (!old.sealed) {
            // Seal first: a crash after this leaves a sealed tail and recovery starts a new segment.
            old.writeSeal(old.end, lastSequence);
            old.end += LogSegment.RECORD_HEADER_BYTES;
            old.sealed = true;
        }
        long capacity = Math.max(options.segmentSizeBytes(), roundUp(LogSegment.HEADER_BYTES + bytes + LogSegment.RECORD_HEADER_BYTES));
        // If this fails (disk full), the sealed segment stays active and the next write tries again.
        LogSegment ready = spare;
        if (ready != null && (ready.fileId < old.fileId || ready.capacity < capacity)) {
            // Writer segments must follow each other in id order (recovery finds the log's tail by it): a spare made
            // before a roll that did not wait for it is too old; a record larger than a segment needs a larger one.
            spare = null;
            discard(ready);
            ready = null;
        }
        if (ready != null) {
            try {
                ready.activate(dir);
            } catch (IOException e) {
                throw new StorageIOException("cannot put spare segment " + ready.path + " into use", e);
            }
            spare = null;
            segments.put(ready.fileId, ready);
            active = ready;
        } else {
            active = newSegment(LogSegment.KIND_WRITER, capacity);
        }
        LockSupport.unpark(maintenance); // sync the sealed segment, prepare the next spare
    }

    private void discard(LogSegment unused) {
        byLowId.set(unused.lowId, null);
        unused.unmap();
        try {
            Files.deleteIfExists(unused.path);
        } catch (IOException e) {
            LOG.warn("hash store {}: cannot delete unused spare segment {}: {}", dir, unused.path, e.toString());
        }
    }

    /** Creates the next writer segment ahead of need, outside the write lock (zero-filling takes a while). */
    private void prepareSpare() {
        long fileId;
        int low;
        long baseSeq;
        writeLock.lock();
        try {
            if (spare != null || reservedLowId != 0 || active.end < active.capacity / 4) {
                return;
            }
            low = freeLowId();
            fileId = nextFileId++;
            reservedLowId = low;
            baseSeq = lastSequence;
        } finally {
            writeLock.unlock();
        }
        LogSegment s = null;
        try {
            s = LogSegment.create(dir, fileId, low, LogSegment.KIND_WRITER, baseSeq, options.segmentSizeBytes(),
                    dir.resolve(LogSegment.fileName(fileId) + SPARE_SUFFIX));
        } finally {
            writeLock.lock();
            try {
                reservedLowId = 0;
                if (s != null) {
                    byLowId.set(low, s);
                    spare = s;
                }
            } finally {
                writeLock.unlock();
            }
        }
    }

    private static long roundUp(long n) {
        return (n + 4095) & ~4095L;
    }

    /** Creates a segment with the next file id and a free low id. Under the write lock. */
    private LogSegment newSegment(byte kind, long capacity) {
        if (capacity > MAX_SEGMENT_BYTES) {
            throw new InvalidArgumentException("a segment of " + capacity + " bytes is larger than the format's 4 GiB");
        }
        int low = freeLowId();
        long fileId = nextFileId++;
        LogSegment s = LogSegment.create(dir, fileId, low, kind, lastSequence, capacity);
        byLowId.set(low, s);
        segments.put(fileId, s);
        return s;
    }

    /** A low id no segment uses. Under the write lock. */
    private int freeLowId() {
        for (int n = 0; n < MAX_LOW_ID; n++) {
            int candidate = lowIdCursor;
            lowIdCursor = lowIdCursor == MAX_LOW_ID ? 1 : lowIdCursor + 1;
            if (byLowId.get(candidate) == null && candidate != reservedLowId) {
                return candidate;
            }
        }
        throw new StorageIOException("hash store in " + dir + " has " + MAX_LOW_ID + " segments in use",
                new IOException("no free segment id; raise segmentSizeBytes or let compaction catch up"));
    }

    // =====================================================================================
    // durability
    // =====================================================================================

    @Override
    public void sync() {
        checkOpen();
        LogSegment seg;
        long end;
        writeLock.lock();
        try {
            seg = active;
            end = seg.end;
        } finally {
            writeLock.unlock();
        }
        syncUpTo(seg, end);
    }

    /**
     * Makes the log durable up to {@code end} of {@code seg}: one msync covers every writer that
     * appended meanwhile (group commit). Older writer segments are forced first.
     */
    private void syncUpTo(LogSegment seg, long end) {
        syncLock.lock();
        try {
            checkWritable();
            if (seg.forcedUpTo >= end) {
                return; // a sync that started after our append covered it
            }
            List<LogSegment> writers = new ArrayList<>();
            writeLock.lock();
            try {
                for (LogSegment s : segments.values()) {
                    if (s.kind == LogSegment.KIND_WRITER && s.fileId <= seg.fileId && s.forcedUpTo < s.end) {
                        writers.add(s);
                    }
                }
            } finally {
                writeLock.unlock();
            }
            for (LogSegment s : writers) {
                long to = s.end;
                try {
                    force(s, s.forcedUpTo, to);
                } catch (IllegalStateException e) {
                    if (s.isMapped()) {
                        throw e;
                    }
                    continue; // compacted and deleted meanwhile: its live records are in a forced compaction output
                }
                s.forcedUpTo = to;
            }
        } catch (UncheckedIOException | IllegalStateException e) {
            if (closed) {
                throw new EngineClosedException("hash store in " + dir + " is closed");
            }
            halted = e; // never retry an fsync that failed (PITFALLS #21)
            throw new EngineHaltedException("hash store in " + dir + " failed to sync its log; it takes no more writes."
                    + " Reopen to recover from what is on disk", e);
        } finally {
            syncLock.unlock();
        }
    }

    private void force(LogSegment s, long from, long to) {
        IOException injected = injectedForceFailure;
        if (injected != null && to > from) {
            throw new UncheckedIOException(injected);
        }
        s.force(from, to);
    }

    /** Tests only: makes every later log fsync fail with {@code e} (null: they succeed again). */
    void failForcesForTests(IOException e) {
        injectedForceFailure = e;
    }

    private void forceSealedSegments() {
        List<LogSegment> sealed = new ArrayList<>();
        writeLock.lock();
        try {
            for (LogSegment s : segments.values()) {
                if (s.kind == LogSegment.KIND_WRITER && s.sealed && s.forcedUpTo < s.end) {
                    sealed.add(s);
                }
            }
        } finally {
            writeLock.unlock();
        }
        for (LogSegment s : sealed) {
            syncUpTo(s, s.end);
        }
    }

    // =====================================================================================
    // snapshots, iteration, checkpoints
    // =====================================================================================

    @Override
    public Snapshot snapshot() {
        checkOpen();
        return new HashSnapshot(pin());
    }

    private SnapshotNode pin() {
        writeLock.lock();
        try {
            checkOpen();
            LogSegment[] segs = segments.values().toArray(new LogSegment[0]);
            long[] ends = new long[segs.length];
            for (int i = 0; i < segs.length; i++) {
                ends[i] = segs[i].end;
            }
            SnapshotNode n = new SnapshotNode(lastSequence, ++snapshotOrdinals, segs, ends);
            if (snapshotTail == null) {
                snapshotHead = n;
            } else {
                snapshotTail.next = n;
            }
            snapshotTail = n;
            return n;
        } finally {
            writeLock.unlock();
        }
    }

    private void unpin(SnapshotNode n) {
        List<Retired> reap;
        writeLock.lock();
        try {
            if (n.closed) {
                return;
            }
            n.closed = true;
            while (snapshotHead != null && snapshotHead.closed) {
                snapshotHead = snapshotHead.next;
            }
            if (snapshotHead == null) {
                snapshotTail = null;
            }
            reap = collectReapable();
        } finally {
            writeLock.unlock();
        }
        deleteRetired(reap);
    }

    private SnapshotNode node(Snapshot snapshot) {
        if (!(snapshot instanceof HashSnapshot s) || s.owner() != this) {
            throw new InvalidArgumentException("the snapshot belongs to another engine; use a snapshot of this one");
        }
        if (s.closed) {
            throw new EngineClosedException("the snapshot (sequence " + s.node.sequence + ") is closed");
        }
        return s.node;
    }

    private final class HashSnapshot implements Snapshot {
        final SnapshotNode node;
        volatile boolean closed;

        HashSnapshot(SnapshotNode node) {
            this.node = node;
        }

        HashEngine owner() {
            return HashEngine.this;
        }

        @Override
        public long sequence() {
            return node.sequence;
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                unpin(node);
            }
        }
    }

    @Override
    public Cursor scan(ReadOptions readOptions, KeyRange range) {
        throw UnsupportedFeatureException.orderedScan(name());
    }

    @Override
    public Cursor scanReverse(ReadOptions readOptions, KeyRange range) {
        throw UnsupportedFeatureException.reverseScan(name());
    }

    @Override
    public Cursor iterate(ReadOptions readOptions) {
        checkOpen();
        if (readOptions.snapshot() != null) {
            return new LogCursor(node(readOptions.snapshot()), false);
        }
        return new LogCursor(pin(), true);
    }

    /**
     * Walks the segments as they were at the snapshot, record by record, and yields a record when
     * it is the one the snapshot sees for its key: every live key exactly once.
     */
    private final class LogCursor implements Cursor {
        private final SnapshotNode node;
        private final boolean ownsNode;
        private int segment;
        private long pos = LogSegment.HEADER_BYTES;
        private byte[] key;
        private byte[] value;
        private boolean done;

        LogCursor(SnapshotNode node, boolean ownsNode) {
            this.node = node;
            this.ownsNode = ownsNode;
        }

        @Override
        public boolean next() {
            if (done) {
                if (closedCursor) {
                    throw new EngineClosedException("cursor is closed");
                }
                return false;
            }
            checkOpen();
            try {
                while (segment < node.segments.length) {
                    LogSegment s = node.segments[segment];
                    long end = node.ends[segment];
                    while (pos < end) {
                        long at = pos;
                        long size = checkedRecord(s, at);
                        pos += size;
                        byte flags = s.flags(at);
                        if ((flags & (LogSegment.FLAG_TOMBSTONE | LogSegment.FLAG_SEAL)) != 0 || s.sequence(at) > node.sequence) {
                            continue;
                        }
                        byte[] k = s.key(at);
                        long loc = locationAt(node, k, KeyHash.hash(k));
                        if (HashIndex.lowId(loc) == s.lowId && HashIndex.offset(loc) == at) {
                            byte[] v = readValue(loc, k);
                            if (v == CORRUPT || v == RETRY) {
                                throw new CorruptionException(s.path, at, "record checksum or header mismatch");
                            }
                            key = k;
                            value = v;
                            return true;
                        }
                    }
                    segment++;
                    pos = LogSegment.HEADER_BYTES;
                }
            } catch (IllegalStateException | IndexOutOfBoundsException e) {
                checkOpen();
                throw new CorruptionException(dir, pos, "cursor could not read the log: " + e);
            }
            key = null;
            value = null;
            finish();
            return false;
        }

        private boolean closedCursor;

        private void finish() {
            if (!done) {
                done = true;
                if (ownsNode) {
                    unpin(node);
                }
            }
        }

        @Override
        public byte[] key() {
            if (key == null) {
                throw new IllegalStateException("no current pair: call next() and check that it returned true");
            }
            return key.clone();
        }

        @Override
        public byte[] value() {
            if (value == null) {
                throw new IllegalStateException("no current pair: call next() and check that it returned true");
            }
            return value.clone();
        }

        @Override
        public void close() {
            closedCursor = true;
            key = null;
            value = null;
            finish();
        }
    }

    /** The size of the record at {@code at}, after checking its bounds and checksum. */
    private static long checkedRecord(LogSegment s, long at) {
        String problem = RecordCheck.problem(s, at);
        if (problem != null) {
            throw new CorruptionException(s.path, at, problem);
        }
        return s.recordSize(at);
    }

    @Override
    public void checkpoint(Path target) {
        checkOpen();
        try {
            StoreDirectory.prepareCheckpointTarget(target);
        } catch (IOException e) {
            throw new StorageIOException("cannot create checkpoint directory " + target, e);
        }
        SnapshotNode node = pin();
        Map<Path, Long> usedLengths;
        try (HashEngine copy = HashEngine.open(checkpointConfig(target)); LogCursor c = new LogCursor(node, false)) {
            WriteBatch chunk = new WriteBatch();
            while (c.next()) {
                chunk.put(c.key, c.value);
                if (chunk.payloadBytes() >= (4 << 20)) {
                    copy.write(WriteOptions.DEFAULT, chunk);
                    chunk = new WriteBatch();
                }
            }
            if (!chunk.isEmpty()) {
                copy.write(WriteOptions.DEFAULT, chunk);
            }
            copy.sync();
            usedLengths = copy.usedSegmentLengths();
        } finally {
            unpin(node);
        }
        try {
            // the copy's last segment is mostly zeros: cut it after its end marker, so that a
            // checkpoint (a partition's Raft snapshot, a backup) holds data, not preallocation
            for (Map.Entry<Path, Long> e : usedLengths.entrySet()) {
                try (FileChannel ch = FileChannel.open(e.getKey(), StandardOpenOption.WRITE)) {
                    if (ch.size() > e.getValue()) {
                        ch.truncate(e.getValue());
                        ch.force(true);
                    }
                }
            }
            StoreDirectory.syncDirectory(target);
        } catch (IOException e) {
            throw new StorageIOException("cannot finish checkpoint directory " + target, e);
        }
    }

    /**
     * The settings of a checkpoint's store: smaller segments than a live store's, since the copy
     * is written once and every preallocated byte past its data would be copied and shipped.
     */
    private EngineConfig checkpointConfig(Path target) {
        long segmentBytes = Math.min(options.segmentSizeBytes(), CHECKPOINT_SEGMENT_BYTES);
        HashIndex index = read.index;
        long keys = Math.max(1_024, index == null ? 0 : index.live); // the copy's index (and its hint file) sized for its keys
        return EngineConfig.builder(target).maxKeyBytes(config.limits().maxKeyBytes()).maxValueBytes(config.limits().maxValueBytes())
                .options(config.engineOptions()).option(HashEngineOptions.SEGMENT_SIZE_BYTES.key(), Long.toString(segmentBytes))
                .option(HashEngineOptions.EXPECTED_KEYS.key(), Long.toString(keys)).build();
    }

    /**
     * Each segment file and the length that holds all of its data plus one zero record header
     * (the end marker, and room for the seal record a later roll writes). After a sync.
     */
    private Map<Path, Long> usedSegmentLengths() {
        Map<Path, Long> lengths = new HashMap<>();
        writeLock.lock();
        try {
            for (LogSegment s : segments.values()) {
                lengths.put(s.path, Math.min(s.capacity, s.end + LogSegment.RECORD_HEADER_BYTES));
            }
        } finally {
            writeLock.unlock();
        }
        return lengths;
    }

    // =====================================================================================
    // background: sync sealed segments, compaction, index checkpoints, deleting retired files
    // =====================================================================================

    private void maintenanceLoop() {
        long intervalNanos = options.maintenanceIntervalMillis() * 1_000_000L;
        while (!stopping) {
            LockSupport.parkNanos(this, intervalNanos);
            if (stopping) {
                break;
            }
            if (halted != null) {
                continue;
            }
            try {
                forceSealedSegments();
                prepareSpare();
                if (options.compactionEnabled() && backgroundError == null) {
                    for (int round = 0; round < 4 && !stopping && compactOnce(); round++) {
                        // a few rounds per wake-up, then let the other duties run
                    }
                }
                boolean checkpointDue;
                writeLock.lock();
                try {
                    checkpointDue = options.indexCheckpointIntervalBytes() > 0
                            && bytesSinceIndexCheckpoint >= options.indexCheckpointIntervalBytes();
                } finally {
                    writeLock.unlock();
                }
                if (checkpointDue && !stopping) {
                    writeIndexCheckpoint();
                }
                reapRetired();
            } catch (EngineClosedException e) {
                break;
            } catch (EngineHaltedException e) {
                LOG.error("hash store {} halted: {}", dir, e.getMessage());
            } catch (RuntimeException | IOException e) {
                if (!stopping) {
                    backgroundError = e;
                    LOG.error("hash store {}: background work failed; compaction is off until reopen", dir, e);
                }
            }
        }
    }

    /** Rewrites the sealed segments with the most dead bytes; returns whether it did anything. */
    private boolean compactOnce() throws IOException {
        List<LogSegment> picks = new ArrayList<>();
        long minSeqOthers;
        writeLock.lock();
        try {
            List<LogSegment> candidates = new ArrayList<>();
            for (LogSegment s : segments.values()) {
                long used = s.end - LogSegment.HEADER_BYTES;
                if (s.sealed && s != active && used > 0 && s.deadBytes.get() >= options.compactionDeadFraction() * used) {
                    candidates.add(s);
                }
            }
            candidates.sort((a, b) -> Double.compare(deadFraction(b), deadFraction(a)));
            long liveSum = 0;
            for (LogSegment s : candidates) {
                long live = s.end - LogSegment.HEADER_BYTES - s.deadBytes.get();
                if (!picks.isEmpty() && liveSum + live > options.segmentSizeBytes()) {
                    break;
                }
                picks.add(s);
                liveSum += live;
            }
            if (picks.isEmpty()) {
                return false;
            }
            minSeqOthers = Long.MAX_VALUE;
            for (LogSegment s : segments.values()) {
                if (!picks.contains(s)) {
                    minSeqOthers = Math.min(minSeqOthers, s.minSequence);
                }
            }
        } finally {
            writeLock.unlock();
        }
        List<LogSegment> outputs = new ArrayList<>();
        long reclaimed = 0;
        boolean complete = true;
        for (LogSegment x : picks) {
            reclaimed += x.end;
            complete &= compactSegment(x, outputs, minSeqOthers);
        }
        for (LogSegment out : outputs) {
            sealOutput(out);
        }
        if (!complete) {
            return false; // closing: the sources keep what was not copied, the copies are in sealed outputs
        }
        List<Retired> reap;
        writeLock.lock();
        try {
            for (LogSegment x : picks) {
                segments.remove(x.fileId);
                graveyard.add(new Retired(x, snapshotOrdinals));
            }
        } finally {
            writeLock.unlock();
        }
        // A segment may go only once an index checkpoint that does not name it is on disk.
        writeIndexCheckpoint();
        reapRetired();
        for (LogSegment out : outputs) {
            reclaimed -= out.end;
        }
        compactions.incrementAndGet();
        compactedBytesReclaimed.addAndGet(Math.max(0, reclaimed));
        LOG.debug("hash store {}: compacted {} into {}", dir, picks, outputs);
        return true;
    }

    private static double deadFraction(LogSegment s) {
        long used = s.end - LogSegment.HEADER_BYTES;
        return used <= 0 ? 0 : (double) s.deadBytes.get() / used;
    }

    /** Copies the live records (and the tombstones still needed) of {@code x} into the outputs. */
    private boolean compactSegment(LogSegment x, List<LogSegment> outputs, long minSeqOthers) {
        long records = x.end - LogSegment.HEADER_BYTES - LogSegment.RECORD_HEADER_BYTES; // all but the seal
        boolean accountedDead = x.deadBytes.get() == records; // stays true: a sealed segment only gets deader
        if (accountedDead && !PARANOID) {
            // Every record is dead and none is a tombstone (tombstones never count as dead): nothing to copy.
            return true;
        }
        List<long[]> pending = new ArrayList<>(); // {hash, fromOffset, outputIndex, toOffset}
        List<byte[]> pendingKeys = new ArrayList<>();
        long pos = LogSegment.HEADER_BYTES;
        long end = x.end;
        while (pos < end && !stopping) {
            long size = checkedRecord(x, pos);
            byte flags = x.flags(pos);
            if ((flags & LogSegment.FLAG_SEAL) != 0) {
                break;
            }
            long seq = x.sequence(pos);
            boolean tombstone = (flags & LogSegment.FLAG_TOMBSTONE) != 0;
            byte[] key = null;
            long hash = 0;
            boolean copy;
            if (tombstone) {
                // Needed while any other segment may hold an older record of the key (PITFALLS #25).
                copy = minSeqOthers <= seq;
            } else {
                key = x.key(pos);
                hash = KeyHash.hash(key);
                long loc = currentLocation(key, hash);
                copy = HashIndex.lowId(loc) == x.lowId && HashIndex.offset(loc) == pos;
            }
            if (copy && accountedDead) {
                throw new AssertionError(x + " counts every record dead but the record at " + pos + " is still needed");
            }
            if (copy) {
                LogSegment out = outputs.isEmpty() ? null : outputs.get(outputs.size() - 1);
                if (out == null || out.end + size + LogSegment.RECORD_HEADER_BYTES > out.capacity) {
                    if (out != null) {
                        sealOutput(out);
                    }
                    writeLock.lock();
                    try {
                        out = newSegment(LogSegment.KIND_COMPACTION, Math.max(options.segmentSizeBytes(),
                                roundUp(LogSegment.HEADER_BYTES + size + LogSegment.RECORD_HEADER_BYTES)));
                    } finally {
                        writeLock.unlock();
                    }
                    outputs.add(out);
                }
                long to = out.end;
                out.copyRecord(to, x, pos, size);
                out.end = to + size;
                out.minSequence = Math.min(out.minSequence, seq);
                if (!tombstone) {
                    pending.add(new long[] {hash, pos, outputs.size() - 1, to, size});
                    pendingKeys.add(key);
                    if (pending.size() >= 512) {
                        relocate(x, outputs, pending, pendingKeys);
                    }
                }
            }
            pos += size;
        }
        relocate(x, outputs, pending, pendingKeys);
        return pos >= end || (x.flags(pos) & LogSegment.FLAG_SEAL) != 0;
    }

    /** Points moved keys at their copies, unless a writer changed them meanwhile. */
    private void relocate(LogSegment x, List<LogSegment> outputs, List<long[]> pending, List<byte[]> keys) {
        if (pending.isEmpty()) {
            return;
        }
        writeLock.lock();
        try {
            HashIndex t = read.index;
            for (int j = 0; j < pending.size(); j++) {
                long[] p = pending.get(j);
                byte[] key = keys.get(j);
                LogSegment out = outputs.get((int) p[2]);
                long slot = find(t, key, p[0]);
                long w = slot >= 0 ? t.get(slot) : 0;
                if (slot >= 0 && HashIndex.lowId(w) == x.lowId && HashIndex.offset(w) == p[1]) {
                    recordPrevious(key, w);
                    t.set(slot, HashIndex.pack(p[0], out.lowId, p[3]));
                    x.deadBytes.addAndGet(p[4]);
                } else {
                    out.deadBytes.addAndGet(p[4]); // overwritten or deleted while we copied it
                }
            }
        } finally {
            writeLock.unlock();
        }
        pending.clear();
        keys.clear();
    }

    private void sealOutput(LogSegment out) {
        if (out.sealed) {
            return;
        }
        force(out, LogSegment.HEADER_BYTES, out.end);
        out.writeSeal(out.end, 0);
        force(out, out.end, out.end + LogSegment.RECORD_HEADER_BYTES);
        out.end += LogSegment.RECORD_HEADER_BYTES;
        out.forcedUpTo = out.end;
        out.sealed = true;
    }

    /**
     * Writes {@code index.hint}: the live table goes to the page cache under the write lock (a
     * consistent image, and no second copy of the table in memory), the fsync happens outside it.
     */
    private void writeIndexCheckpoint() throws IOException {
        Path tmp;
        List<Retired> covered;
        writeLock.lock();
        try {
            checkWritable();
            HashIndex t = read.index;
            List<IndexCheckpointFile.SegmentInfo> infos = new ArrayList<>();
            for (LogSegment s : segments.values()) {
                infos.add(new IndexCheckpointFile.SegmentInfo(s.fileId, s.lowId, s.deadBytes.get(), s.minSequence, s.end,
                        s.sealed, false));
            }
            for (Retired r : graveyard) {
                LogSegment s = r.segment;
                infos.add(new IndexCheckpointFile.SegmentInfo(s.fileId, s.lowId, s.end, s.minSequence, s.end, true, true));
            }
            IndexCheckpointFile.Header header = new IndexCheckpointFile.Header(lastSequence, active.fileId, active.end, nextFileId - 1,
                    t.capacity, t.live, t.deleted, infos);
            tmp = IndexCheckpointFile.writeTemp(dir, header, t.slots());
            bytesSinceIndexCheckpoint = 0;
            covered = new ArrayList<>(graveyard);
        } finally {
            writeLock.unlock();
        }
        IndexCheckpointFile.publish(dir, tmp);
        indexCheckpoints.incrementAndGet();
        writeLock.lock();
        try {
            for (Retired r : covered) {
                r.needsIndexCheckpoint = false;
            }
        } finally {
            writeLock.unlock();
        }
    }

    private void reapRetired() {
        List<Retired> reap;
        writeLock.lock();
        try {
            reap = collectReapable();
        } finally {
            writeLock.unlock();
        }
        deleteRetired(reap);
    }

    /** Retired segments no open snapshot can read and no index checkpoint names. Under the write lock. */
    private List<Retired> collectReapable() {
        List<Retired> out = new ArrayList<>();
        for (var it = graveyard.iterator(); it.hasNext(); ) {
            Retired r = it.next();
            if (!r.needsIndexCheckpoint && (snapshotHead == null || snapshotHead.ordinal > r.newestSnapshotOrdinal)) {
                it.remove();
                out.add(r);
            }
        }
        return out;
    }

    private void deleteRetired(List<Retired> reap) {
        if (reap.isEmpty()) {
            return;
        }
        for (Retired r : reap) {
            byLowId.set(r.segment.lowId, null);
            r.segment.unmap();
            try {
                Files.deleteIfExists(r.segment.path);
            } catch (IOException e) {
                LOG.warn("hash store {}: cannot delete retired segment {}: {}", dir, r.segment.path, e.toString());
            }
        }
        try {
            StoreDirectory.syncDirectory(dir);
        } catch (IOException e) {
            LOG.warn("hash store {}: cannot sync the directory after deleting segments: {}", dir, e.toString());
        }
    }

    // =====================================================================================
    // recovery
    // =====================================================================================

    private void recover() {
        List<LogSegment> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                if (name.endsWith(".tmp") || name.endsWith(SPARE_SUFFIX)) {
                    Files.deleteIfExists(p); // an unfinished segment or checkpoint, or an unused spare; never referenced
                } else if (name.endsWith(SEGMENT_SUFFIX)) {
                    found.add(LogSegment.open(p));
                }
            }
        } catch (IOException e) {
            found.forEach(LogSegment::unmap);
            throw new StorageIOException("cannot list hash store directory " + dir, e);
        }
        found.sort((a, b) -> Long.compare(a.fileId, b.fileId));
        try {
            for (LogSegment s : found) {
                if (!s.path.getFileName().toString().equals(LogSegment.fileName(s.fileId))) {
                    throw new CorruptionException(s.path, 16, "file name does not match the segment id " + s.fileId);
                }
                if (byLowId.get(s.lowId) != null) {
                    throw new CorruptionException(s.path, 14, "low id " + s.lowId + " is also used by " + byLowId.get(s.lowId).path);
                }
                byLowId.set(s.lowId, s);
                segments.put(s.fileId, s);
                nextFileId = Math.max(nextFileId, s.fileId + 1);
                lastSequence = Math.max(lastSequence, s.baseSequence);
            }
            nextFileId = Math.max(nextFileId, 1);
            long newestWriter = -1;
            for (LogSegment s : found) {
                if (s.kind == LogSegment.KIND_WRITER) {
                    newestWriter = s.fileId;
                }
            }
            IndexCheckpointFile.Header hint = loadIndexCheckpoint();
            if (hint == null) {
                // Size the table for every record in the log up front, so the rebuild never re-reads keys to grow it.
                long records = 0;
                for (LogSegment s : found) {
                    records += countRecords(s);
                }
                read.index = new HashIndex(HashIndex.capacityFor(Math.max(options.expectedKeys(), records)));
            }
            for (LogSegment s : found) {
                boolean replayWhole;
                long from = LogSegment.HEADER_BYTES;
                if (hint == null) {
                    replayWhole = true;
                } else if (s.fileId > hint.maxFileId()) {
                    replayWhole = true;
                } else if (s.kind == LogSegment.KIND_WRITER && s.fileId >= hint.replayFileId()) {
                    replayWhole = true;
                    if (s.fileId == hint.replayFileId()) {
                        from = hint.replayOffset();
                    }
                } else {
                    IndexCheckpointFile.SegmentInfo info = hint.segment(s.fileId);
                    s.end = info.end();
                    s.sealed = info.sealed();
                    s.deadBytes.set(info.deadBytes());
                    s.minSequence = info.minSequence();
                    replayWhole = false;
                }
                if (replayWhole) {
                    IndexCheckpointFile.SegmentInfo info = hint == null ? null : hint.segment(s.fileId);
                    if (info != null) { // the checkpoint's tail segment: its counters so far, then the replay adds
                        s.deadBytes.set(info.deadBytes());
                        s.minSequence = info.minSequence();
                    }
                    if (!replay(s, from, s.fileId == newestWriter)) {
                        segments.remove(s.fileId);
                        byLowId.set(s.lowId, null);
                        s.unmap();
                        Files.deleteIfExists(s.path);
                        StoreDirectory.syncDirectory(dir);
                        LOG.warn("hash store {}: removed {}, the unsealed output of an interrupted compaction", dir, s.path);
                    }
                }
            }
            finishRecovery();
            LogSegment newest = newestWriter >= 0 ? segments.get(newestWriter) : null;
            if (newest != null && !newest.sealed) {
                active = newest;
            } else {
                active = newSegment(LogSegment.KIND_WRITER, options.segmentSizeBytes());
            }
            for (LogSegment s : segments.values()) {
                s.forcedUpTo = s.sealed && s != active ? s.end : LogSegment.HEADER_BYTES;
            }
        } catch (IOException e) {
            throw new StorageIOException("cannot recover hash store in " + dir, e);
        } catch (RuntimeException e) {
            for (LogSegment s : found) {
                s.unmap();
            }
            if (read.index != null) {
                read.index.close();
            }
            throw e;
        }
    }

    /** Records in {@code s}, by hopping over headers (unchecked: only to size the index). */
    private static long countRecords(LogSegment s) {
        long n = 0;
        long pos = LogSegment.HEADER_BYTES;
        while (pos + LogSegment.RECORD_HEADER_BYTES <= s.capacity) {
            int k = s.keyLength(pos);
            int v = s.valueLength(pos);
            if (k <= 0 || v < 0) {
                break;
            }
            n++;
            pos += LogSegment.recordBytes(k, v);
        }
        return n;
    }

    /** Loads {@code index.hint} if it is whole and matches the segments on disk; null to rebuild. */
    private IndexCheckpointFile.Header loadIndexCheckpoint() throws IOException {
        Path file = dir.resolve(IndexCheckpointFile.FILE_NAME);
        if (!Files.exists(file)) {
            return null;
        }
        IndexCheckpointFile.Header[] out = new IndexCheckpointFile.Header[1];
        HashIndex index;
        try {
            index = IndexCheckpointFile.read(file, out);
        } catch (CorruptionException e) {
            LOG.warn("hash store {}: ignoring the index checkpoint ({}); rebuilding the index from the log", dir, e.getMessage());
            return null;
        }
        IndexCheckpointFile.Header h = out[0];
        String mismatch = null;
        for (IndexCheckpointFile.SegmentInfo info : h.segments()) {
            LogSegment s = segments.get(info.fileId());
            if (s == null && !info.retired()) {
                mismatch = "segment " + info.fileId() + " it names is missing";
            } else if (s != null && s.lowId != info.lowId()) {
                mismatch = "segment " + info.fileId() + " has another low id";
            }
        }
        for (LogSegment s : segments.values()) {
            boolean laterWriter = s.kind == LogSegment.KIND_WRITER && s.fileId > h.replayFileId(); // a spare put into use since
            if (s.fileId <= h.maxFileId() && h.segment(s.fileId) == null && !laterWriter) {
                mismatch = "segment " + s.fileId + " is not in it";
            }
        }
        if (mismatch != null) {
            index.close();
            LOG.warn("hash store {}: ignoring the index checkpoint ({}); rebuilding the index from the log", dir, mismatch);
            return null;
        }
        read.index = index;
        lastSequence = Math.max(lastSequence, h.lastSequence());
        openedFromIndexCheckpoint = true;
        return h;
    }

    /**
     * Replays {@code s} from {@code from} into the index. Returns false if {@code s} is the
     * unsealed output of an interrupted compaction (to be deleted; its sources still exist).
     */
    private boolean replay(LogSegment s, long from, boolean newestWriter) {
        boolean compaction = s.kind == LogSegment.KIND_COMPACTION;
        if (compaction && !RecordCheck.endsWithSeal(s)) {
            return false; // its sources were deleted only after its seal was on disk, so they all still exist
        }
        long[] minSeq = {s.minSequence};
        RecordCheck.ScanResult r = RecordCheck.scan(s, from, (seg, off) -> {
            applyRecovered(seg, off);
            recoveryReplayedRecords++;
            minSeq[0] = Math.min(minSeq[0], seg.sequence(off));
        });
        s.minSequence = minSeq[0];
        s.sealed = r.sealed();
        lastSequence = Math.max(lastSequence, r.maxSequence());
        if (r.tornAt() >= 0) {
            if (!newestWriter) {
                throw new CorruptionException(s.path, r.tornAt(), r.problem() + " in a segment that is not the log's tail");
            }
            long last = s.lastNonZero(r.tornAt());
            long torn = last + 1 - r.tornAt();
            if (torn > 0) {
                s.map.asSlice(r.tornAt(), torn).fill((byte) 0);
                s.force(r.tornAt(), last + 1);
                recoveredTornTailBytes += torn;
                LOG.warn("hash store {}: truncated a torn log tail of {} bytes at offset {} of {} ({})", dir, torn, r.tornAt(), s.path,
                        r.problem());
            }
        }
        s.end = r.end();
        if (!s.sealed && !newestWriter) {
            throw new CorruptionException(s.path, s.end, "segment that is not the log's tail ends without a seal record");
        }
        return true;
    }

    /** Applies one recovered record: the newest sequence of a key wins, wherever it lies in the log. */
    private void applyRecovered(LogSegment s, long off) {
        byte[] key = s.key(off);
        long hash = KeyHash.hash(key);
        long seq = s.sequence(off);
        boolean tombstone = (s.flags(off) & LogSegment.FLAG_TOMBSTONE) != 0;
        long size = s.recordSize(off);
        long word = HashIndex.pack(hash, s.lowId, off) | (tombstone ? HashIndex.TOMBSTONE_BIT : 0);
        HashIndex t = read.index;
        long tag = HashIndex.tagOf(hash);
        long i = hash & t.mask;
        long free = -1;
        while (true) {
            long w = t.get(i);
            if (w == HashIndex.EMPTY) {
                break;
            }
            if (w == HashIndex.DELETED) {
                if (free < 0) {
                    free = i;
                }
            } else if ((w & HashIndex.TAG_MASK) == tag) {
                LogSegment old = byLowId.get(HashIndex.lowId(w));
                long oldOff = HashIndex.offset(w);
                if (old == null) {
                    throw new CorruptionException(dir.resolve(IndexCheckpointFile.FILE_NAME), 0,
                            "the index checkpoint names segment low id " + HashIndex.lowId(w) + ", which does not exist");
                }
                if (old.keyEquals(oldOff, key)) {
                    if (seq > old.sequence(oldOff)) {
                        if (w >= 0) {
                            old.deadBytes.addAndGet(old.recordSize(oldOff));
                        }
                        t.set(i, word);
                    } else if (!tombstone) {
                        s.deadBytes.addAndGet(size);
                    }
                    return;
                }
            }
            i = (i + 1) & t.mask;
        }
        if (free < 0 && t.needsRebuild()) {
            rebuildIndex(growthCapacity(t)).insertAbsent(hash, word);
        } else if (free >= 0) {
            t.set(free, word);
            t.deleted--;
            t.live++;
        } else {
            t.set(i, word);
            t.live++;
        }
    }

    /** Drops the tombstone entries recovery kept, and checks that every entry names a segment. */
    private void finishRecovery() {
        HashIndex t = read.index;
        for (long i = 0; i < t.capacity; i++) {
            long w = t.get(i);
            if (!HashIndex.isEntry(w)) {
                continue;
            }
            if (w < 0) {
                t.set(i, HashIndex.DELETED);
                t.live--;
                t.deleted++;
            } else if (byLowId.get(HashIndex.lowId(w)) == null) {
                throw new CorruptionException(dir.resolve(IndexCheckpointFile.FILE_NAME), 0,
                        "an index entry names segment low id " + HashIndex.lowId(w) + ", which does not exist");
            }
        }
        long fit = HashIndex.capacityFor(Math.max(options.expectedKeys(), t.live));
        if (t.capacity > fit) {
            rebuildIndex(fit); // the log also held dead records and tombstones: size the table by the live keys
        } else if (t.live + t.deleted > (long) (t.capacity * HashIndex.MAX_LOAD) || t.deleted > t.capacity / 4) {
            rebuildIndex(growthCapacity(t));
        }
    }

    // =====================================================================================
    // stats, close
    // =====================================================================================

    @Override
    public EngineStats stats() {
        checkOpen();
        Map<String, Number> p = new HashMap<>();
        long disk = 0;
        long dead = 0;
        writeLock.lock();
        try {
            HashIndex t = read.index;
            for (LogSegment s : segments.values()) {
                disk += s.capacity;
                dead += s.deadBytes.get();
            }
            for (Retired r : graveyard) {
                disk += r.segment.capacity;
            }
            p.put("hash.index.slots", t.capacity);
            p.put("hash.index.keys", t.live);
            p.put("hash.index.deletedMarks", t.deleted);
            p.put("hash.index.loadFactor", (double) (t.live + t.deleted) / t.capacity);
            p.put("hash.index.bytesPerKey", t.live == 0 ? 0.0 : (double) t.memoryBytes() / t.live);
            p.put("hash.index.bytes", t.memoryBytes());
            p.put("hash.index.rebuilds", indexRebuilds.get());
            p.put("hash.segments", segments.size());
            p.put("hash.segments.retiredPending", graveyard.size());
            p.put("hash.log.deadBytes", dead);
            p.put("hash.sequence", lastSequence);
            p.put("hash.compactions", compactions.get());
            p.put("hash.compaction.reclaimedBytes", compactedBytesReclaimed.get());
            p.put("hash.indexCheckpoints", indexCheckpoints.get());
            p.put("hash.recovery.openMillis", openMillis);
            p.put("hash.recovery.fromIndexCheckpoint", openedFromIndexCheckpoint ? 1 : 0);
            p.put("hash.recovery.replayedRecords", recoveryReplayedRecords);
            p.put("hash.recovery.tornTailBytes", recoveredTornTailBytes);
            p.put("hash.snapshots.open", countOpenSnapshots());
            p.put("hash.halted", halted == null ? 0 : 1);
            p.put("hash.backgroundError", backgroundError == null ? 0 : 1);
            return new EngineStats(disk, t.memoryBytes(), p);
        } finally {
            writeLock.unlock();
        }
    }

    private int countOpenSnapshots() {
        int n = 0;
        for (SnapshotNode s = snapshotHead; s != null; s = s.next) {
            if (!s.closed) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() {
        synchronized (closeMonitor) { // a second close waits for the first, then returns
            closeOnce();
        }
    }

    private void closeOnce() {
        writeLock.lock();
        try {
            if (closed) {
                return;
            }
            stopping = true;
        } finally {
            writeLock.unlock();
        }
        LockSupport.unpark(maintenance);
        boolean interrupted = false;
        while (maintenance.isAlive()) {
            try {
                maintenance.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        RuntimeException failure = null;
        if (halted == null) {
            try {
                sync();
                writeIndexCheckpoint();
            } catch (RuntimeException | IOException e) {
                failure = e instanceof RuntimeException re ? re : new StorageIOException("closing hash store in " + dir, (IOException) e);
            }
        }
        writeLock.lock();
        try {
            closed = true;
            releaseAll();
        } finally {
            writeLock.unlock();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void releaseAll() {
        closed = true;
        LogSegment unused = spare;
        spare = null;
        if (unused != null) {
            discard(unused);
        }
        for (int i = 1; i <= MAX_LOW_ID; i++) {
            LogSegment s = byLowId.getAndSet(i, null);
            if (s != null) {
                s.unmap();
            }
        }
        HashIndex t = read.index;
        if (t != null) {
            t.close();
        }
        closeQuietly(dirLock);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // nothing more to do while closing
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new EngineClosedException("hash store in " + dir + " is closed");
        }
    }

    private void checkWritable() {
        Throwable h = halted;
        if (h != null) {
            throw new EngineHaltedException("hash store in " + dir + " halted after an error and takes no more writes;"
                    + " reopen it to recover from what is on disk", h);
        }
        if (stopping && closed) {
            throw new EngineClosedException("hash store in " + dir + " is closed");
        }
    }

    @Override
    public String toString() {
        return "HashEngine{" + dir + "}";
    }

}
