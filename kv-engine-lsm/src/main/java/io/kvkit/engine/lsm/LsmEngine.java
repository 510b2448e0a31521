package io.kvkit.engine.lsm;

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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The LSM-tree engine. See the module README for the design, the on-disk formats and the
 * guarantees; in short:
 * <ul>
 *   <li>Writes queue up; the writer at the head leads a group commit: it writes every queued
 *       batch to the log with one system call and one fsync (if any writer asked for sync),
 *       inserts them into the memtable, then publishes their sequence numbers at once.</li>
 *   <li>A full memtable becomes immutable and a background thread flushes it to a level-0
 *       SSTable; another thread runs leveled compaction. Writes slow down, then stall, when
 *       flushes or level 0 fall behind.</li>
 *   <li>Reads see a {@link SuperVersion} (memtables plus version) and a sequence number.</li>
 *   <li>Any failed log write or fsync halts writes for good (PITFALLS #21); reopen to recover.</li>
 * </ul>
 */
public final class LsmEngine implements StorageEngine {
    private static final Logger LOG = LoggerFactory.getLogger(LsmEngine.class);
    private static final Pattern FILE_NAME = Pattern.compile("(\\d{6,})\\.(sst|log)");
    private static final Pattern MANIFEST_FILE = Pattern.compile("MANIFEST-(\\d{6,})");
    static final String LOCK_FILE = StoreDirectory.LOCK_FILE;

    private final Path dir;
    private final LsmOptions options;
    private final KeyValueLimits limits;
    private final StoreDirectory.Lock dirLock;

    private final ReentrantLock mutex = new ReentrantLock();
    private final Condition writersChanged = mutex.newCondition();
    private final Condition backgroundChanged = mutex.newCondition();
    private final ChunkPool chunkPool;
    private final BlockCache blockCache;
    private final ArrayDeque<Writer> writers = new ArrayDeque<>();

    // state guarded by mutex
    private MemTable mem;
    private WriteAheadLog wal;
    private final ArrayDeque<MemTable> imms = new ArrayDeque<>(); // newest first
    private final Map<Long, Long> memMaxSeq = new HashMap<>(); // wal number -> largest sequence in that memtable
    private Version version;
    private final Map<Long, SsTableReader> tables = new HashMap<>();
    private Manifest manifest;
    private long nextFileNumber;
    private long logNumber;
    private long persistedLastSeq;
    private long lastSeq; // allocated by the group leader
    private final Set<Long> obsoleteWals = new HashSet<>();
    private int checkpointsInProgress;
    private final byte[][] compactPointer;
    private boolean compactionRunning;

    private volatile SuperVersion current;
    private volatile long visibleSeq;
    private volatile boolean closed;
    private volatile boolean closing;
    private volatile Throwable halted;
    private final ConcurrentSkipListMap<Long, AtomicInteger> pinned = new ConcurrentSkipListMap<>();
    private final Thread flushThread;
    private final Thread compactionThread;

    // statistics
    private final SsTableReader.TableStats tableStats = new SsTableReader.TableStats();
    private final AtomicLong gets = new AtomicLong();
    private final AtomicLong userBytesWritten = new AtomicLong();
    private final AtomicLong walBytesWritten = new AtomicLong();
    private final AtomicLong walSyncs = new AtomicLong();
    private final AtomicLong groupCommits = new AtomicLong();
    private final AtomicLong batchesWritten = new AtomicLong();
    private final AtomicLong flushBytesWritten = new AtomicLong();
    private final AtomicLong compactionBytesWritten = new AtomicLong();
    private final AtomicLong compactionBytesRead = new AtomicLong();
    private final AtomicLong flushes = new AtomicLong();
    private final AtomicLong compactions = new AtomicLong();
    private final AtomicLong trivialMoves = new AtomicLong();
    private final AtomicLong versionsDropped = new AtomicLong();
    private final AtomicLong stallNanos = new AtomicLong();
    private final AtomicLong slowdownNanos = new AtomicLong();
    private final long recoveredWalRecords;
    private final long recoveredTornTailBytes;

    /** A queued write, or a barrier (batch == null) that runs {@code action} as leader. */
    private static final class Writer {
        final WriteBatch batch;
        final boolean sync;
        final Runnable action;
        boolean done;
        RuntimeException error;

        Writer(WriteBatch batch, boolean sync, Runnable action) {
            this.batch = batch;
            this.sync = sync;
            this.action = action;
        }
    }

    // ---------------------------------------------------------------- open / recovery

    /** Opens (creating if needed) an LSM store in {@code config.directory()}. */
    public static LsmEngine open(EngineConfig config) {
        LsmOptions options = LsmOptions.parse(config);
        try {
            return new LsmEngine(config, options);
        } catch (IOException e) {
            throw new StorageIOException("cannot open LSM store in " + config.directory(), e);
        }
    }

    private LsmEngine(EngineConfig config, LsmOptions options) throws IOException {
        this.dir = config.directory();
        this.options = options;
        this.limits = config.limits();
        this.compactPointer = new byte[options.numLevels()][];
        this.blockCache = options.blockCacheSizeBytes() > 0 ? new BlockCache(options.blockCacheSizeBytes()) : null;
        // enough recycled chunks for the mutable memtable and every immutable one
        this.chunkPool = new ChunkPool((int) Math.min(4096,
                (options.maxImmutableMemTables() + 1) * (options.writeBufferSizeBytes() / ChunkPool.CHUNK_BYTES + 2)));
        this.dirLock = StoreDirectory.lock(dir, "LSM");
        long[] recovery;
        try {
            recovery = recover();
        } catch (IOException | RuntimeException e) {
            releaseEverything();
            throw e;
        }
        this.recoveredWalRecords = recovery[0];
        this.recoveredTornTailBytes = recovery[1];
        installSuperVersion();
        flushThread = Thread.ofPlatform().daemon().name("lsm-flush-" + dir.getFileName()).unstarted(this::flushLoop);
        compactionThread = Thread.ofPlatform().daemon().name("lsm-compaction-" + dir.getFileName()).unstarted(this::compactionLoop);
        flushThread.start();
        compactionThread.start();
    }

    /** Returns {walRecordsReplayed, tornTailBytes}. */
    private long[] recover() throws IOException {
        String currentName = Manifest.readCurrent(dir);
        Manifest.State state;
        Map<Long, String> filesInDir = listNumberedFiles();
        if (currentName == null) {
            for (String f : filesInDir.values()) {
                throw new CorruptionException(dir.resolve(Manifest.CURRENT), 0, "CURRENT is missing but the directory holds " + f
                        + "; refusing to start an empty store over existing data");
            }
            state = new Manifest.State(0, new Version(options.numLevels()), 0, 1, 0, null);
        } else {
            state = Manifest.recover(dir, currentName, options.numLevels());
            if (state.version().numLevels() != options.numLevels()) {
                throw new InvalidArgumentException("store has " + state.version().numLevels() + " levels; numLevels must match");
            }
        }
        version = state.version();
        for (int l = options.numLevels(); l < version.numLevels(); l++) {
            if (!version.files(l).isEmpty()) {
                throw new InvalidArgumentException("store has files in level " + l + " but numLevels is " + options.numLevels());
            }
        }
        for (FileMeta f : version.allFiles()) {
            Path p = dir.resolve(FileMeta.fileName(f.number()));
            if (!Files.exists(p)) {
                throw new CorruptionException(p, 0, "SSTable referenced by the manifest is missing"
                        + (state.tornTail() == null ? "" : "; note: " + state.tornTail() + ", so the manifest may be damaged"));
            }
            SsTableReader r = SsTableReader.open(p, f.number(), options.verifyChecksums(), tableStats, blockCache);
            if (r.fileSize() != f.fileSize()) {
                r.unref();
                throw new CorruptionException(p, 0, "SSTable is " + r.fileSize() + " bytes; the manifest says " + f.fileSize());
            }
            tables.put(f.number(), r);
        }
        long maxNumber = state.nextFileNumber() - 1;
        for (long n : filesInDir.keySet()) {
            maxNumber = Math.max(maxNumber, n);
        }
        nextFileNumber = maxNumber + 1;
        persistedLastSeq = state.lastSequence();
        lastSeq = state.lastSequence();

        // replay live log segments, oldest first
        List<Long> logs = new ArrayList<>();
        for (Map.Entry<Long, String> e : filesInDir.entrySet()) {
            if (e.getValue().endsWith(".log") && e.getKey() >= state.logNumber()) {
                logs.add(e.getKey());
            }
        }
        logs.sort(null);
        VersionEdit recoveryEdit = new VersionEdit();
        long records = 0;
        long torn = 0;
        MemTable[] rmem = {new MemTable(chunkPool, 0, memBloomWords())};
        try {
            for (int i = 0; i < logs.size(); i++) {
                Path p = dir.resolve(WriteAheadLog.fileName(logs.get(i)));
                boolean newest = i == logs.size() - 1;
                WriteAheadLog.ReplayResult rr = WriteAheadLog.replay(p, newest, (first, batch) -> {
                    long last = first + batch.size() - 1;
                    if (last <= persistedLastSeq) {
                        return; // already in an SSTable
                    }
                    long need = groupNodeBytes(batch);
                    if (!rmem[0].hasRoomFor(need) || rmem[0].usedBytes() > options.writeBufferSizeBytes()) {
                        try {
                            flushRecovered(rmem[0], recoveryEdit);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                        rmem[0].unref();
                        rmem[0] = new MemTable(chunkPool, 0, memBloomWords());
                    }
                    insert(rmem[0], batch, first);
                    lastSeq = Math.max(lastSeq, last);
                });
                records += rr.records();
                if (rr.tornBytes() > 0) {
                    torn += rr.tornBytes();
                    LOG.warn("LSM store {}: log {} has a torn tail of {} bytes at offset {} ({}); truncating it", dir, p,
                            rr.tornBytes(), rr.validBytes(), rr.tornReason());
                    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                        ch.truncate(rr.validBytes());
                        ch.force(true);
                    }
                }
            }
            if (rmem[0].entryCount() > 0) {
                flushRecovered(rmem[0], recoveryEdit);
            }
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        } finally {
            rmem[0].unref();
        }
        visibleSeq = lastSeq;
        persistedLastSeq = lastSeq;

        // a fresh log and a fresh manifest holding the whole state
        // The new manifest comes first: once CURRENT names it, the old logs are obsolete (their
        // contents are in the SSTables just written) and the new log it names may not exist yet.
        long walNumber = nextFileNumber++;
        logNumber = walNumber;
        long manifestNumber = nextFileNumber++;
        VersionEdit base = version.asEdit();
        base.logNumber = logNumber;
        base.nextFileNumber = nextFileNumber;
        base.lastSequence = persistedLastSeq;
        manifest = Manifest.create(dir, manifestNumber, base);
        wal = WriteAheadLog.create(dir, walNumber);
        StoreDirectory.syncDirectory(dir);
        mem = new MemTable(chunkPool, walNumber, memBloomWords());
        deleteObsoleteFiles(manifestNumber);
        return new long[] {records, torn};
    }

    private void flushRecovered(MemTable m, VersionEdit edit) throws IOException {
        long number = nextFileNumber++;
        FileMeta meta = writeTable(m.iterator(), number, new long[0], false, flushBytesWritten);
        if (meta != null) {
            StoreDirectory.syncDirectory(dir);
            tables.put(number, SsTableReader.open(dir.resolve(FileMeta.fileName(number)), number, options.verifyChecksums(), tableStats, blockCache));
            VersionEdit e = new VersionEdit();
            e.added.add(new VersionEdit.LevelFile(0, meta));
            version = version.apply(e);
            edit.added.addAll(e.added);
        }
    }

    private Map<Long, String> listNumberedFiles() throws IOException {
        Map<Long, String> out = new TreeMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                Matcher m = FILE_NAME.matcher(p.getFileName().toString());
                if (m.matches()) {
                    out.put(Long.parseLong(m.group(1)), p.getFileName().toString());
                }
            }
        }
        return out;
    }

    /** Deletes SSTables no version refers to, old logs and manifests (only at open). */
    private void deleteObsoleteFiles(long liveManifest) throws IOException {
        Set<Long> live = new HashSet<>();
        for (FileMeta f : version.allFiles()) {
            live.add(f.number());
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                Matcher m = FILE_NAME.matcher(name);
                Matcher mm = MANIFEST_FILE.matcher(name);
                boolean delete = false;
                if (m.matches()) {
                    long n = Long.parseLong(m.group(1));
                    delete = m.group(2).equals("sst") ? !live.contains(n) : n < logNumber;
                } else if (mm.matches()) {
                    delete = Long.parseLong(mm.group(1)) != liveManifest;
                } else if (name.equals(Manifest.CURRENT + ".tmp")) {
                    delete = true;
                }
                if (delete) {
                    Files.deleteIfExists(p);
                }
            }
        }
        StoreDirectory.syncDirectory(dir);
    }

    /** A memtable key filter of one bit per 4 bytes of write buffer (about 35 bits per 140-byte entry). */
    private int memBloomWords() {
        return (int) Math.max(1024, options.writeBufferSizeBytes() / 256);
    }

    private static long groupNodeBytes(WriteBatch b) {
        long n = 0;
        for (int i = 0; i < b.size(); i++) {
            byte[] v = b.valueAt(i);
            n += MemTable.nodeBytes(b.keyAt(i).length, v == null ? -1 : v.length);
        }
        return n;
    }

    private static void insert(MemTable m, WriteBatch b, long firstSeq) {
        for (int i = 0; i < b.size(); i++) {
            m.add(b.keyAt(i), b.valueAt(i), firstSeq + i);
        }
    }

    // ---------------------------------------------------------------- basic properties

    @Override
    public String name() {
        return LsmEngineProvider.NAME;
    }

    @Override
    public EngineCapabilities capabilities() {
        return LsmEngineProvider.CAPABILITIES;
    }

    /** The options this engine runs with. */
    public LsmOptions options() {
        return options;
    }

    private void checkOpen() {
        if (closed) {
            throw new EngineClosedException("LSM store in " + dir + " is closed");
        }
    }

    private EngineHaltedException haltedError() {
        return new EngineHaltedException("LSM store in " + dir + " halted after an I/O error and accepts no more writes; "
                + "reopen it to recover from what is on disk", halted);
    }

    private void halt(Throwable cause) {
        if (halted == null) {
            halted = cause;
            LOG.error("LSM store {} halted: {}", dir, cause.toString());
        }
    }

    // ---------------------------------------------------------------- writes

    @Override
    public void write(WriteOptions writeOptions, WriteBatch batch) {
        checkOpen();
        limits.checkBatch(batch);
        if (batch.isEmpty()) {
            return;
        }
        long need = groupNodeBytes(batch);
        if (need > MemTable.MAX_BYTES / 2) {
            throw new InvalidArgumentException("batch needs " + need + " bytes of memtable; the limit for one batch is "
                    + MemTable.MAX_BYTES / 2 + " bytes; nothing of the batch was written");
        }
        runAsLeader(new Writer(batch, writeOptions.sync(), null));
    }

    private void runAsLeader(Writer w) {
        mutex.lock();
        try {
            writers.addLast(w);
            while (!w.done && writers.peekFirst() != w) {
                writersChanged.awaitUninterruptibly();
            }
            if (w.done) {
                if (w.error != null) {
                    throw w.error;
                }
                return;
            }
            // w leads
            List<Writer> group = new ArrayList<>();
            RuntimeException failure = null;
            try {
                if (w.action != null) {
                    group.add(w);
                    mutex.unlock();
                    try {
                        w.action.run();
                    } finally {
                        mutex.lock();
                    }
                } else {
                    if (closed) {
                        throw new EngineClosedException("LSM store in " + dir + " is closed");
                    }
                    if (halted != null) {
                        throw haltedError();
                    }
                    leadGroup(w, group);
                }
            } catch (RuntimeException e) {
                failure = e;
            }
            if (group.isEmpty()) {
                group.add(w);
            }
            for (Writer g : group) {
                Writer head = writers.pollFirst();
                assert head == g;
                g.error = failure;
                g.done = true;
            }
            writersChanged.signalAll();
            if (failure != null) {
                throw failure;
            }
        } finally {
            mutex.unlock();
        }
    }

    /** Called with the mutex held by the leader; returns with it held. */
    private void leadGroup(Writer leader, List<Writer> group) {
        long bytes = 0;
        long need = 0;
        for (Writer x : writers) {
            if (x.action != null) {
                break; // barriers run alone
            }
            long b = WriteAheadLog.encodedSize(x.batch);
            if (!group.isEmpty() && bytes + b > options.maxGroupCommitBytes()) {
                break;
            }
            group.add(x);
            bytes += b;
            need += groupNodeBytes(x.batch);
        }
        makeRoomForWrite(need);
        boolean sync = false;
        List<WriteBatch> batches = new ArrayList<>(group.size());
        long payload = 0;
        int ops = 0;
        for (Writer x : group) {
            sync |= x.sync;
            batches.add(x.batch);
            payload += x.batch.payloadBytes();
            ops += x.batch.size();
        }
        long first = lastSeq + 1;
        MemTable target = mem;
        WriteAheadLog log = wal;
        mutex.unlock();
        try {
            try {
                log.append(batches, first, bytes);
                if (sync) {
                    log.sync();
                    walSyncs.incrementAndGet();
                }
            } catch (IOException e) {
                halt(e);
                throw new EngineHaltedException("LSM store in " + dir + " failed to write its log; it accepts no more writes", e);
            }
            long seq = first;
            for (WriteBatch b : batches) {
                insert(target, b, seq);
                seq += b.size();
            }
        } finally {
            mutex.lock();
        }
        lastSeq = first + ops - 1;
        memMaxSeq.put(target.walNumber(), lastSeq);
        visibleSeq = lastSeq; // the whole group becomes visible at once
        userBytesWritten.addAndGet(payload);
        walBytesWritten.addAndGet(bytes);
        groupCommits.incrementAndGet();
        batchesWritten.addAndGet(group.size());
    }

    /** Makes the memtable able to take {@code need} more bytes, rotating, slowing down or stalling. Mutex held. */
    private void makeRoomForWrite(long need) {
        boolean allowDelay = true;
        while (true) {
            if (halted != null) {
                throw haltedError();
            }
            if (closing) {
                throw new EngineClosedException("LSM store in " + dir + " is closing");
            }
            int l0 = version.files(0).size();
            if (allowDelay && l0 >= options.level0SlowdownTriggerFiles()) {
                // let compaction catch up a little, once per group, rather than stall hard later
                long t0 = System.nanoTime();
                mutex.unlock();
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    mutex.lock();
                }
                slowdownNanos.addAndGet(System.nanoTime() - t0);
                allowDelay = false;
                continue;
            }
            boolean fits = mem.hasRoomFor(need)
                    && (mem.usedBytes() < options.writeBufferSizeBytes() || mem.entryCount() == 0);
            if (fits) {
                return;
            }
            if (imms.size() >= options.maxImmutableMemTables() || l0 >= options.level0StopTriggerFiles()) {
                long t0 = System.nanoTime();
                backgroundChanged.awaitUninterruptibly();
                stallNanos.addAndGet(System.nanoTime() - t0);
                continue;
            }
            rotateMemTable(need);
        }
    }

    /** Freezes the memtable and starts a new one with its own log segment. Mutex held. */
    private void rotateMemTable(long need) {
        long number = nextFileNumber++;
        WriteAheadLog next;
        try {
            wal.sync(); // older segments are complete on disk, so only the newest can have a torn tail
            wal.close();
            next = WriteAheadLog.create(dir, number);
            StoreDirectory.syncDirectory(dir);
        } catch (IOException e) {
            halt(e);
            throw new EngineHaltedException("LSM store in " + dir + " failed to roll its log; it accepts no more writes", e);
        }
        wal = next;
        imms.addFirst(mem);
        mem = new MemTable(chunkPool, number, memBloomWords());
        installSuperVersion();
        backgroundChanged.signalAll();
    }

    /** Publishes a new read view. Mutex held (or single-threaded at open). */
    private void installSuperVersion() {
        List<List<FileMeta>> levels = version.levels;
        SsTableReader[][] readers = new SsTableReader[levels.size()][];
        for (int l = 0; l < levels.size(); l++) {
            List<FileMeta> files = levels.get(l);
            readers[l] = new SsTableReader[files.size()];
            for (int i = 0; i < files.size(); i++) {
                readers[l][i] = tables.get(files.get(i).number());
            }
        }
        SuperVersion sv = new SuperVersion(mem, new ArrayList<>(imms), version, readers);
        SuperVersion old = current;
        current = sv;
        if (old != null) {
            old.unref();
        }
    }

    // ---------------------------------------------------------------- reads

    @Override
    public byte[] get(ReadOptions readOptions, byte[] key) {
        checkOpen();
        limits.checkKey(key);
        gets.incrementAndGet();
        while (true) {
            SuperVersion sv = current;
            if (sv == null) {
                throw new EngineClosedException("LSM store in " + dir + " is closed");
            }
            if (!sv.tryRef()) {
                continue; // replaced and released meanwhile: take the new one
            }
            try {
                return lookup(sv, key, readSeq(readOptions));
            } catch (IllegalStateException e) {
                if (closed) {
                    throw new EngineClosedException("LSM store in " + dir + " is closed");
                }
                throw e;
            } finally {
                sv.unref();
            }
        }
    }

    private byte[] lookup(SuperVersion sv, byte[] key, long seq) {
        long hash = BloomFilter.hash(key);
        LookupResult r;
        if (sv.mem.mayContain(hash)) {
            r = sv.mem.get(key, seq);
            if (r.kind() != LookupResult.Kind.NOT_FOUND) {
                return r.value();
            }
        }
        for (MemTable m : sv.imms) {
            if (!m.mayContain(hash)) {
                continue;
            }
            r = m.get(key, seq);
            if (r.kind() != LookupResult.Kind.NOT_FOUND) {
                return r.value();
            }
        }
        List<FileMeta> l0 = sv.version.files(0);
        for (int i = 0; i < l0.size(); i++) {
            if (!l0.get(i).contains(key)) {
                continue;
            }
            r = sv.tables[0][i].get(key, hash, seq);
            if (r.kind() != LookupResult.Kind.NOT_FOUND) {
                return r.value();
            }
        }
        for (int l = 1; l < sv.tables.length; l++) {
            List<FileMeta> files = sv.version.files(l);
            if (files.isEmpty()) {
                continue;
            }
            int i = indexOfFileFor(files, key);
            if (i < 0) {
                continue;
            }
            r = sv.tables[l][i].get(key, hash, seq);
            if (r.kind() != LookupResult.Kind.NOT_FOUND) {
                return r.value();
            }
        }
        return null;
    }

    private static int indexOfFileFor(List<FileMeta> files, byte[] key) {
        int lo = 0;
        int hi = files.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Arrays.compareUnsigned(files.get(mid).largestKey(), key) < 0) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (lo < files.size() && Arrays.compareUnsigned(files.get(lo).smallestKey(), key) <= 0) {
            return lo;
        }
        return -1;
    }

    private long readSeq(ReadOptions readOptions) {
        long published = visibleSeq; // volatile read: orders this read after the memtable filters' writes
        if (readOptions.snapshot() == null) {
            return published;
        }
        if (!(readOptions.snapshot() instanceof LsmSnapshot s) || s.owner != this) {
            throw new InvalidArgumentException("the snapshot belongs to another engine");
        }
        if (s.closed) {
            throw new EngineClosedException("the snapshot (sequence " + s.seq + ") is closed");
        }
        return s.seq;
    }

    @Override
    public Cursor scan(ReadOptions readOptions, KeyRange range) {
        return openCursor(readOptions, range);
    }

    @Override
    public Cursor iterate(ReadOptions readOptions) {
        return openCursor(readOptions, KeyRange.ALL);
    }

    private Cursor openCursor(ReadOptions readOptions, KeyRange range) {
        checkOpen();
        if (range == null) {
            throw new InvalidArgumentException("range must not be null; use KeyRange.ALL for every key");
        }
        // The cursor reads only what its super version holds (tables and memtables stay alive
        // while it holds the reference), so no sequence pin is needed: compaction never changes
        // the files the cursor reads. The sequence is read after the super version, so every
        // write at or below it that the super version can see is in it.
        SuperVersion sv;
        while (true) {
            sv = current;
            if (sv == null) {
                throw new EngineClosedException("LSM store in " + dir + " is closed");
            }
            if (sv.tryRef()) {
                break;
            }
        }
        long seq;
        try {
            seq = readSeq(readOptions);
        } catch (RuntimeException e) {
            sv.unref();
            throw e;
        }
        boolean ownPin = false;
        List<InternalIterator> sources = new ArrayList<>();
        sources.add(sv.mem.iterator());
        for (MemTable m : sv.imms) {
            sources.add(m.iterator());
        }
        for (int i = 0; i < sv.tables[0].length; i++) {
            if (sv.version.files(0).get(i).overlaps(range.start(), null)) {
                sources.add(sv.tables[0][i].iterator(false));
            }
        }
        for (int l = 1; l < sv.tables.length; l++) {
            if (sv.tables[l].length > 0) {
                sources.add(new LevelIterator(sv.version.files(l), sv.tables[l], false));
            }
        }
        return new LsmCursor(this, sv, new MergingIterator(sources), seq, ownPin, range);
    }

    boolean isClosed() {
        return closed;
    }

    /** The current version (for tests). */
    Version currentVersionForTest() {
        mutex.lock();
        try {
            return version;
        } finally {
            mutex.unlock();
        }
    }

    /** Test hook: makes the next fsync of the current log segment fail. */
    void injectLogSyncFailure() {
        mutex.lock();
        try {
            wal.failNextSync = true;
        } finally {
            mutex.unlock();
        }
    }

    Path directory() {
        return dir;
    }

    void pin(long seq) {
        pinned.compute(seq, (k, n) -> {
            if (n == null) {
                return new AtomicInteger(1);
            }
            n.incrementAndGet();
            return n;
        });
    }

    void unpin(long seq) {
        pinned.computeIfPresent(seq, (k, n) -> n.decrementAndGet() == 0 ? null : n);
    }

    @Override
    public Snapshot snapshot() {
        checkOpen();
        mutex.lock();
        try {
            checkOpen();
            long seq = visibleSeq;
            pin(seq);
            return new LsmSnapshot(this, seq);
        } finally {
            mutex.unlock();
        }
    }

    static final class LsmSnapshot implements Snapshot {
        final LsmEngine owner;
        final long seq;
        volatile boolean closed;

        LsmSnapshot(LsmEngine owner, long seq) {
            this.owner = owner;
            this.seq = seq;
        }

        @Override
        public long sequence() {
            return seq;
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                owner.unpin(seq);
            }
        }
    }

    // ---------------------------------------------------------------- flush

    private void flushLoop() {
        while (true) {
            MemTable oldest;
            long number;
            long[] snaps;
            mutex.lock();
            try {
                while (!closing && (imms.isEmpty() || halted != null)) {
                    backgroundChanged.awaitUninterruptibly();
                }
                if (closing) {
                    return;
                }
                oldest = imms.peekLast();
                number = nextFileNumber++;
                snaps = snapshotSeqs();
            } finally {
                mutex.unlock();
            }
            try {
                flushOne(oldest, number, snaps);
            } catch (IOException | RuntimeException e) {
                mutex.lock();
                try {
                    halt(e);
                    backgroundChanged.signalAll();
                } finally {
                    mutex.unlock();
                }
            }
        }
    }

    private long[] snapshotSeqs() {
        return pinned.keySet().stream().mapToLong(Long::longValue).toArray();
    }

    private void flushOne(MemTable m, long number, long[] snaps) throws IOException {
        FileMeta meta = writeTable(m.iterator(), number, snaps, false, flushBytesWritten);
        SsTableReader reader = null;
        if (meta != null) {
            StoreDirectory.syncDirectory(dir);
            reader = SsTableReader.open(dir.resolve(FileMeta.fileName(number)), number, options.verifyChecksums(), tableStats, blockCache);
        }
        mutex.lock();
        try {
            VersionEdit edit = new VersionEdit();
            if (meta != null) {
                edit.added.add(new VersionEdit.LevelFile(0, meta));
            }
            // logs older than the next memtable's are now obsolete
            MemTable newer = null;
            for (MemTable x : imms) {
                if (x == m) {
                    break;
                }
                newer = x;
            }
            long newLogNumber = newer != null ? newer.walNumber() : mem.walNumber();
            edit.logNumber = newLogNumber;
            edit.nextFileNumber = nextFileNumber;
            long flushedSeq = Math.max(persistedLastSeq, memMaxSeq.getOrDefault(m.walNumber(), persistedLastSeq));
            edit.lastSequence = flushedSeq;
            try {
                manifest.append(edit);
            } catch (IOException e) {
                if (reader != null) {
                    reader.unref();
                }
                throw e;
            }
            persistedLastSeq = flushedSeq;
            version = version.apply(edit);
            if (reader != null) {
                tables.put(number, reader);
            }
            logNumber = newLogNumber;
            imms.removeLast();
            memMaxSeq.remove(m.walNumber());
            obsoleteWals.add(m.walNumber());
            installSuperVersion();
            m.unref();
            deleteObsoleteWals();
            flushes.incrementAndGet();
            backgroundChanged.signalAll();
        } finally {
            mutex.unlock();
        }
    }

    private void deleteObsoleteWals() {
        if (checkpointsInProgress > 0) {
            return;
        }
        for (Long n : obsoleteWals) {
            try {
                Files.deleteIfExists(dir.resolve(WriteAheadLog.fileName(n)));
            } catch (IOException e) {
                LOG.warn("cannot delete obsolete log {}: {}", n, e.toString());
            }
        }
        obsoleteWals.clear();
    }

    /**
     * Writes the entries of {@code it} that survive pruning into one table. Returns null when
     * nothing survives (the file is then removed).
     */
    private FileMeta writeTable(InternalIterator it, long number, long[] snaps, boolean bottommost, AtomicLong bytesCounter)
            throws IOException {
        Path p = dir.resolve(FileMeta.fileName(number));
        try (SsTableWriter w = new SsTableWriter(p, number, options)) {
            VersionPruner pruner = new VersionPruner(snaps, bottommost, w::add);
            for (it.seekToFirst(); it.valid(); it.next()) {
                pruner.add(it.key(), it.seq(), it.isTombstone() ? null : it.value());
            }
            pruner.finish();
            versionsDropped.addAndGet(pruner.dropped);
            if (w.entries() == 0) {
                return null;
            }
            FileMeta meta = w.finish();
            bytesCounter.addAndGet(meta.fileSize());
            return meta;
        }
    }

    // ---------------------------------------------------------------- compaction

    /**
     * Inputs by level (level 0 newest first, deeper levels in key order), all merged into
     * {@code outputLevel}. {@code bottommost}: no level below the output holds any of the keys.
     */
    private record Compaction(int outputLevel, List<List<FileMeta>> inputs, boolean bottommost) {
        int inputFileCount() {
            int n = 0;
            for (List<FileMeta> l : inputs) {
                n += l.size();
            }
            return n;
        }

        /** One file whose range no file of the output level overlaps: it can just change level. */
        boolean isTrivialMove() {
            return inputFileCount() == 1 && inputs.get(outputLevel).isEmpty();
        }
    }

    /** Picks the most urgent compaction, or null. Mutex held. */
    private Compaction pickCompaction() {
        Version v = version;
        int last = v.numLevels() - 1;
        if (v.files(0).size() >= options.level0CompactionTriggerFiles()) {
            return expand(v, 0, new ArrayList<>(v.files(0)));
        }
        int best = -1;
        double bestScore = 1.0;
        for (int l = 1; l < last; l++) {
            double score = (double) v.levelBytes(l) / options.maxBytesForLevel(l);
            if (score > bestScore) {
                bestScore = score;
                best = l;
            }
        }
        if (best < 0) {
            return null;
        }
        List<FileMeta> files = v.files(best);
        FileMeta chosen = files.get(0);
        byte[] ptr = compactPointer[best];
        if (ptr != null) {
            for (FileMeta f : files) {
                if (Arrays.compareUnsigned(f.smallestKey(), ptr) > 0) {
                    chosen = f;
                    break;
                }
            }
        }
        compactPointer[best] = chosen.largestKey();
        return expand(v, best, new ArrayList<>(List.of(chosen)));
    }

    private Compaction expand(Version v, int level, List<FileMeta> chosen) {
        byte[] lo = null;
        byte[] hi = null;
        for (FileMeta f : chosen) {
            if (lo == null || Arrays.compareUnsigned(f.smallestKey(), lo) < 0) {
                lo = f.smallestKey();
            }
            if (hi == null || Arrays.compareUnsigned(f.largestKey(), hi) > 0) {
                hi = f.largestKey();
            }
        }
        List<List<FileMeta>> inputs = new ArrayList<>();
        for (int l = 0; l < v.numLevels(); l++) {
            inputs.add(List.of());
        }
        inputs.set(level, chosen);
        inputs.set(level + 1, v.overlapping(level + 1, lo, hi));
        boolean bottommost = true;
        for (int l = level + 2; l < v.numLevels(); l++) {
            if (!v.overlapping(l, lo, hi).isEmpty()) {
                bottommost = false;
                break;
            }
        }
        return new Compaction(level + 1, inputs, bottommost);
    }

    /** Everything in every level, merged into the deepest non-empty level (at least 1). Mutex held. */
    private Compaction fullCompaction() {
        Version v = version;
        int deepest = 1;
        List<List<FileMeta>> inputs = new ArrayList<>();
        for (int l = 0; l < v.numLevels(); l++) {
            inputs.add(v.files(l));
            if (!v.files(l).isEmpty()) {
                deepest = Math.max(deepest, l);
            }
        }
        return new Compaction(deepest, inputs.subList(0, v.numLevels()), true);
    }

    private void compactionLoop() {
        while (true) {
            Compaction c = null;
            long[] snaps;
            SuperVersion sv;
            mutex.lock();
            try {
                while (!closing) {
                    if (halted == null && !compactionRunning) {
                        c = pickCompaction();
                        if (c != null) {
                            break;
                        }
                    }
                    backgroundChanged.awaitUninterruptibly();
                }
                if (closing) {
                    return;
                }
                compactionRunning = true;
                snaps = snapshotSeqs();
                sv = current;
                sv.tryRef();
            } finally {
                mutex.unlock();
            }
            runCompactionJob(c, snaps, sv);
        }
    }

    /** Runs a picked compaction (the compaction slot is held) and frees the slot. */
    private void runCompactionJob(Compaction c, long[] snaps, SuperVersion sv) {
        try {
            if (c.isTrivialMove()) {
                trivialMove(c);
            } else {
                runCompaction(c, snaps, sv);
            }
        } catch (IOException | RuntimeException e) {
            if (!closing) {
                mutex.lock();
                try {
                    halt(e);
                } finally {
                    mutex.unlock();
                }
            }
        } finally {
            sv.unref();
            mutex.lock();
            try {
                compactionRunning = false;
                backgroundChanged.signalAll();
            } finally {
                mutex.unlock();
            }
        }
    }

    private void trivialMove(Compaction c) throws IOException {
        mutex.lock();
        try {
            VersionEdit edit = new VersionEdit();
            for (int l = 0; l < c.inputs().size(); l++) {
                for (FileMeta f : c.inputs().get(l)) {
                    edit.deleted.add(new VersionEdit.Deletion(l, f.number()));
                    edit.added.add(new VersionEdit.LevelFile(c.outputLevel(), f));
                }
            }
            manifest.append(edit);
            version = version.apply(edit);
            installSuperVersion();
            trivialMoves.incrementAndGet();
        } finally {
            mutex.unlock();
        }
    }

    private void runCompaction(Compaction c, long[] snaps, SuperVersion sv) throws IOException {
        Map<Long, SsTableReader> readers = new HashMap<>();
        for (SsTableReader[] level : sv.tables) {
            for (SsTableReader r : level) {
                readers.put(r.number(), r);
            }
        }
        List<InternalIterator> sources = new ArrayList<>();
        long inputBytes = 0;
        for (int l = 0; l < c.inputs().size(); l++) {
            List<FileMeta> files = c.inputs().get(l);
            for (FileMeta f : files) {
                inputBytes += f.fileSize();
            }
            if (files.isEmpty()) {
                continue;
            }
            if (l == 0) {
                for (FileMeta f : files) { // newest first
                    sources.add(readers.get(f.number()).iterator(true));
                }
            } else {
                SsTableReader[] rs = new SsTableReader[files.size()];
                for (int i = 0; i < rs.length; i++) {
                    rs[i] = readers.get(files.get(i).number());
                }
                sources.add(new LevelIterator(files, rs, true));
            }
        }
        List<FileMeta> outputs = new ArrayList<>();
        SsTableWriter[] writer = {null};
        byte[][] lastKey = {null};
        try (MergingIterator merged = new MergingIterator(sources)) {
            VersionPruner pruner = new VersionPruner(snaps, c.bottommost(), (key, seq, value) -> {
                if (writer[0] != null && writer[0].estimatedSize() >= options.targetFileSizeBytes()
                        && !Arrays.equals(lastKey[0], key)) {
                    outputs.add(finishOutput(writer[0]));
                    writer[0] = null;
                }
                if (writer[0] == null) {
                    long n = allocateFileNumber();
                    writer[0] = new SsTableWriter(dir.resolve(FileMeta.fileName(n)), n, options);
                }
                writer[0].add(key, seq, value);
                lastKey[0] = key;
            });
            long count = 0;
            for (merged.seekToFirst(); merged.valid(); merged.next()) {
                if ((++count & 1023) == 0 && closing) {
                    throw new EngineClosedException("compaction abandoned: the store is closing");
                }
                pruner.add(merged.key(), merged.seq(), merged.isTombstone() ? null : merged.value());
            }
            pruner.finish();
            versionsDropped.addAndGet(pruner.dropped);
            if (writer[0] != null) {
                outputs.add(finishOutput(writer[0]));
                writer[0] = null;
            }
        } catch (IOException | RuntimeException e) {
            if (writer[0] != null) {
                writer[0].abandon();
            }
            for (FileMeta f : outputs) {
                Files.deleteIfExists(dir.resolve(FileMeta.fileName(f.number())));
            }
            throw e;
        }
        StoreDirectory.syncDirectory(dir);
        List<SsTableReader> opened = new ArrayList<>();
        for (FileMeta f : outputs) {
            opened.add(SsTableReader.open(dir.resolve(FileMeta.fileName(f.number())), f.number(), options.verifyChecksums(), tableStats, blockCache));
        }
        mutex.lock();
        try {
            VersionEdit edit = new VersionEdit();
            for (int l = 0; l < c.inputs().size(); l++) {
                for (FileMeta f : c.inputs().get(l)) {
                    edit.deleted.add(new VersionEdit.Deletion(l, f.number()));
                }
            }
            for (FileMeta f : outputs) {
                edit.added.add(new VersionEdit.LevelFile(c.outputLevel(), f));
            }
            edit.nextFileNumber = nextFileNumber;
            try {
                manifest.append(edit);
            } catch (IOException e) {
                for (SsTableReader r : opened) {
                    r.unref();
                }
                throw e;
            }
            version = version.apply(edit);
            for (SsTableReader r : opened) {
                tables.put(r.number(), r);
            }
            for (VersionEdit.Deletion d : edit.deleted) {
                SsTableReader r = tables.remove(d.number());
                r.markObsolete();
                r.unref();
            }
            installSuperVersion();
            compactions.incrementAndGet();
            compactionBytesRead.addAndGet(inputBytes);
        } finally {
            mutex.unlock();
        }
    }

    private FileMeta finishOutput(SsTableWriter w) throws IOException {
        FileMeta m = w.finish();
        compactionBytesWritten.addAndGet(m.fileSize());
        return m;
    }

    private long allocateFileNumber() {
        mutex.lock();
        try {
            return nextFileNumber++;
        } finally {
            mutex.unlock();
        }
    }

    /**
     * Flushes the memtable, then merges every SSTable into the deepest non-empty level in one
     * compaction (dropping what no snapshot needs, tombstones included); returns when done. For
     * benchmarks and tests (the on-disk size after a full compaction).
     */
    public void compactAll() {
        checkOpen();
        flushMemTable();
        Compaction c;
        long[] snaps;
        SuperVersion sv;
        mutex.lock();
        try {
            while (compactionRunning && !closing && halted == null) {
                backgroundChanged.awaitUninterruptibly();
            }
            if (halted != null) {
                throw haltedError();
            }
            checkOpen();
            if (closing) {
                throw new EngineClosedException("LSM store in " + dir + " is closing");
            }
            c = fullCompaction();
            if (c.inputFileCount() == 0) {
                return;
            }
            compactionRunning = true;
            snaps = snapshotSeqs();
            sv = current;
            sv.tryRef();
        } finally {
            mutex.unlock();
        }
        runCompactionJob(c, snaps, sv);
        if (halted != null) {
            throw haltedError();
        }
    }

    /** Freezes the memtable (if it holds anything) and waits until every frozen memtable is flushed. */
    public void flushMemTable() {
        checkOpen();
        runAsLeader(new Writer(null, false, () -> {
            mutex.lock();
            try {
                if (mem.entryCount() > 0) {
                    if (halted != null) {
                        throw haltedError();
                    }
                    while (imms.size() >= options.maxImmutableMemTables() && halted == null && !closing) {
                        backgroundChanged.awaitUninterruptibly();
                    }
                    rotateMemTable(0);
                }
            } finally {
                mutex.unlock();
            }
        }));
        mutex.lock();
        try {
            while (!imms.isEmpty() && halted == null && !closing) {
                backgroundChanged.awaitUninterruptibly();
            }
            if (halted != null) {
                throw haltedError();
            }
        } finally {
            mutex.unlock();
        }
    }

    // ---------------------------------------------------------------- checkpoint, sync, stats, close

    @Override
    public void checkpoint(Path target) {
        checkOpen();
        try {
            StoreDirectory.prepareCheckpointTarget(target);
        } catch (IOException e) {
            throw new StorageIOException("cannot create checkpoint directory " + target, e);
        }
        // As a barrier in the writer queue: no write is in flight while the state is captured.
        Object[] captured = new Object[1];
        runAsLeader(new Writer(null, false, () -> {
            mutex.lock();
            try {
                checkOpen();
                SuperVersion sv = current;
                sv.tryRef();
                Map<Long, Long> logs = new TreeMap<>();
                for (MemTable m : imms) {
                    logs.put(m.walNumber(), -1L); // complete, closed segments
                }
                logs.put(wal.number(), wal.sizeBytes());
                checkpointsInProgress++;
                captured[0] = new Object[] {sv, logs, persistedLastSeq, nextFileNumber};
            } finally {
                mutex.unlock();
            }
        }));
        Object[] c = (Object[]) captured[0];
        SuperVersion sv = (SuperVersion) c[0];
        @SuppressWarnings("unchecked")
        Map<Long, Long> logs = (Map<Long, Long>) c[1];
        long lastSequence = (Long) c[2];
        long nextNumber = (Long) c[3];
        try {
            for (FileMeta f : sv.version.allFiles()) {
                Path src = dir.resolve(FileMeta.fileName(f.number()));
                Path dst = target.resolve(FileMeta.fileName(f.number()));
                try {
                    Files.createLink(dst, src);
                } catch (IOException | UnsupportedOperationException e) {
                    Files.copy(src, dst, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
            long firstLog = Long.MAX_VALUE;
            for (Map.Entry<Long, Long> e : logs.entrySet()) {
                firstLog = Math.min(firstLog, e.getKey());
                Path src = dir.resolve(WriteAheadLog.fileName(e.getKey()));
                Path dst = target.resolve(WriteAheadLog.fileName(e.getKey()));
                try (FileChannel in = FileChannel.open(src, StandardOpenOption.READ);
                     FileChannel out = FileChannel.open(dst, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    long len = e.getValue() < 0 ? in.size() : e.getValue();
                    long pos = 0;
                    while (pos < len) {
                        pos += in.transferTo(pos, len - pos, out);
                    }
                    out.force(true);
                }
            }
            VersionEdit base = sv.version.asEdit();
            base.logNumber = firstLog;
            base.nextFileNumber = nextNumber + 1;
            base.lastSequence = lastSequence;
            try (Manifest m = Manifest.create(target, nextNumber, base)) {
                StoreDirectory.syncDirectory(target);
            }
        } catch (IOException e) {
            throw new StorageIOException("cannot write checkpoint to " + target, e);
        } finally {
            sv.unref();
            mutex.lock();
            try {
                checkpointsInProgress--;
                deleteObsoleteWals();
            } finally {
                mutex.unlock();
            }
        }
    }

    @Override
    public void sync() {
        checkOpen();
        runAsLeader(new Writer(null, false, () -> {
            mutex.lock();
            try {
                if (halted != null) {
                    throw haltedError();
                }
                wal.sync();
                walSyncs.incrementAndGet();
            } catch (IOException e) {
                halt(e);
                throw new EngineHaltedException("LSM store in " + dir + " failed to sync its log", e);
            } finally {
                mutex.unlock();
            }
        }));
    }

    @Override
    public EngineStats stats() {
        checkOpen();
        Map<String, Number> p = new LinkedHashMap<>();
        long disk = 0;
        long memory;
        mutex.lock();
        try {
            Version v = version;
            for (int l = 0; l < v.numLevels(); l++) {
                p.put("lsm.level" + l + ".files", v.files(l).size());
                p.put("lsm.level" + l + ".bytes", v.levelBytes(l));
                disk += v.levelBytes(l);
            }
            disk += wal.sizeBytes() + manifest.sizeBytes();
            memory = chunkPool.allocatedBytes();
            p.put("lsm.memtable.bytes", mem.usedBytes());
            p.put("lsm.memtable.entries", mem.entryCount());
            p.put("lsm.immutableMemtables", imms.size());
            p.put("lsm.sequence", visibleSeq);
            p.put("lsm.pinnedSequences", pinned.size());
        } finally {
            mutex.unlock();
        }
        long user = userBytesWritten.get();
        p.put("lsm.write.userBytes", user);
        p.put("lsm.write.walBytes", walBytesWritten.get());
        p.put("lsm.write.walSyncs", walSyncs.get());
        p.put("lsm.write.groupCommits", groupCommits.get());
        p.put("lsm.write.batches", batchesWritten.get());
        p.put("lsm.flush.count", flushes.get());
        p.put("lsm.flush.bytesWritten", flushBytesWritten.get());
        p.put("lsm.compaction.count", compactions.get());
        p.put("lsm.compaction.trivialMoves", trivialMoves.get());
        p.put("lsm.compaction.bytesRead", compactionBytesRead.get());
        p.put("lsm.compaction.bytesWritten", compactionBytesWritten.get());
        p.put("lsm.compaction.versionsDropped", versionsDropped.get());
        // write amplification: bytes written to SSTables (flush + compaction) per user byte; the WAL adds about 1 more
        p.put("lsm.writeAmplification", user == 0 ? 0.0
                : (double) (flushBytesWritten.get() + compactionBytesWritten.get()) / user);
        long g = gets.get();
        p.put("lsm.read.gets", g);
        p.put("lsm.read.tableProbes", tableStats.tableProbes.sum());
        p.put("lsm.read.blockReads", tableStats.blockReads.sum());
        // read amplification: SSTables whose index and data block a point read had to search, per read
        p.put("lsm.readAmplification", g == 0 ? 0.0 : (double) tableStats.tableProbes.sum() / g);
        long checks = tableStats.bloomChecks.sum();
        p.put("lsm.bloom.checks", checks);
        p.put("lsm.bloom.negatives", tableStats.bloomNegatives.sum());
        p.put("lsm.bloom.falsePositives", tableStats.bloomFalsePositives.sum());
        p.put("lsm.bloom.usefulRatio", checks == 0 ? 0.0 : (double) tableStats.bloomNegatives.sum() / checks);
        p.put("lsm.stall.micros", stallNanos.get() / 1000);
        p.put("lsm.slowdown.micros", slowdownNanos.get() / 1000);
        p.put("lsm.recovery.walRecords", recoveredWalRecords);
        p.put("lsm.recovery.tornTailBytes", recoveredTornTailBytes);
        p.put("lsm.halted", halted == null ? 0 : 1);
        if (blockCache != null) {
            p.put("lsm.blockCache.bytes", blockCache.usedBytes());
            p.put("lsm.blockCache.hits", blockCache.hits.sum());
            p.put("lsm.blockCache.misses", blockCache.misses.sum());
        }
        return new EngineStats(disk, memory, p);
    }

    @Override
    public void close() {
        mutex.lock();
        try {
            if (closed || closing) {
                return;
            }
            closing = true;
            backgroundChanged.signalAll();
        } finally {
            mutex.unlock();
        }
        // wait for writes in flight: a barrier at the end of the writer queue
        try {
            runAsLeader(new Writer(null, false, () -> closed = true));
        } catch (RuntimeException ignored) {
            closed = true;
        }
        joinQuietly(flushThread);
        joinQuietly(compactionThread);
        mutex.lock();
        try {
            if (halted == null) {
                try {
                    wal.sync(); // a clean close leaves every acknowledged write durable
                } catch (IOException e) {
                    LOG.error("LSM store {}: final log sync failed: {}", dir, e.toString());
                }
            }
            releaseEverything();
        } finally {
            mutex.unlock();
        }
    }

    private static void joinQuietly(Thread t) {
        if (t == null) {
            return;
        }
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void releaseEverything() {
        closed = true;
        try {
            if (wal != null) {
                wal.close();
            }
            if (manifest != null) {
                manifest.close();
            }
        } catch (IOException e) {
            LOG.warn("LSM store {}: error closing files: {}", dir, e.toString());
        }
        SuperVersion sv = current;
        current = null;
        if (sv != null) {
            sv.unref();
        }
        if (mem != null) {
            mem.unref();
            mem = null;
        }
        for (MemTable m : imms) {
            m.unref();
        }
        imms.clear();
        for (SsTableReader r : tables.values()) {
            r.unref();
        }
        tables.clear();
        chunkPool.close();
        try {
            dirLock.close();
        } catch (IOException e) {
            LOG.warn("LSM store {}: cannot release the lock file: {}", dir, e.toString());
        }
    }

    @Override
    public String toString() {
        return "LsmEngine{" + dir + "}";
    }

    static String display(byte[] key) {
        return Bytes.toDisplay(key);
    }
}
