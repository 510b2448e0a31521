package io.kvkit.engine.bplustree;

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
import io.kvkit.engine.api.KvException;
import io.kvkit.engine.api.ReadOptions;
import io.kvkit.engine.api.Snapshot;
import io.kvkit.engine.api.StorageEngine;
import io.kvkit.engine.api.StorageIOException;
import io.kvkit.engine.api.StoreDirectory;
import io.kvkit.engine.api.WriteBatch;
import io.kvkit.engine.api.WriteOptions;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.concurrent.locks.LockSupport;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import static io.kvkit.engine.bplustree.PageFormat.*;

/**
 * The "bplustree" engine: a copy-on-write B+tree in one file with page checksums (LMDB's tree and
 * meta pages), fronted by a write-ahead log and an in-memory overlay between checkpoints
 * (WiredTiger's checkpoint-plus-journal scheme).
 *
 * <ul>
 *   <li>Readers find the current {@link State} (checkpointed tree + overlay + sequence number) in
 *       a volatile field, read the overlay then the tree's pages in place through read-only
 *       mappings, and never block or take a lock.</li>
 *   <li>One writer at a time: writers queue their batches; whoever holds the write lock commits
 *       every queued batch as one log record (group commit), adds them to the overlay and
 *       publishes a new state.</li>
 *   <li>Checkpoints fold the overlay into the tree in chunked copy-on-write transactions: pages
 *       forced, then the meta page (two slots, the current tree's is never overwritten), forced;
 *       then the log is emptied.</li>
 * </ul>
 * See the module README for the page formats and the commit protocol step by step.
 */
public final class BPlusTreeEngine implements StorageEngine {
    static final String DATA_FILE = "data.bpt";
    static final String WAL_FILE = "wal.log";
    /** Expensive invariant checks (STYLE.md habit 8), on in tests. */
    static final boolean PARANOID = Boolean.getBoolean("kvkit.paranoid");

    private final EngineConfig config;
    private final KeyValueLimits limits;
    private final BPlusTreeOptions options;
    private final Path dir;
    private final StoreDirectory.Lock dirLock;
    private final PageFile file;
    private final TreeReader reader;
    private final FreeSpace free;
    private final ReaderTable readers = new ReaderTable();
    private final ReentrantLock writeLock = new ReentrantLock();
    private final ConcurrentLinkedQueue<Request> queue = new ConcurrentLinkedQueue<>();

    private final WriteAheadLog wal;
    private final WriteAheadLog.ReplayResult replayed;
    private final Thread checkpointer;

    private volatile State current;
    private volatile boolean closed;
    private volatile Throwable halted;
    private volatile long lastCommitNanos = System.nanoTime();
    /** Writer state, guarded by writeLock. */
    private long lastSeq;
    /** Txn of the newest tree written (sub-transactions of checkpoints count one each). */
    private long lastTreeTxn;
    private long syncedSeq;
    private int durableSlot;

    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong committedBatches = new AtomicLong();
    private final AtomicLong syncs = new AtomicLong();
    private final AtomicLong checkpoints = new AtomicLong();
    private final AtomicLong compactions = new AtomicLong();
    private final AtomicLong checkpointApplyNanos = new AtomicLong();
    private final AtomicLong checkpointWriteNanos = new AtomicLong();
    private final AtomicLong checkpointSyncNanos = new AtomicLong();

    private static final class Request {
        final WriteBatch batch;
        final boolean sync;
        volatile boolean done;
        RuntimeException error;

        Request(WriteBatch batch, boolean sync) {
            this.batch = batch;
            this.sync = sync;
        }
    }

    private BPlusTreeEngine(EngineConfig config, BPlusTreeOptions requested) throws IOException {
        this.config = config;
        this.limits = config.limits();
        this.dir = config.directory();
        this.dirLock = StoreDirectory.lock(dir, "bplustree");
        PageFile pf = null;
        WriteAheadLog log = null;
        try {
            Path path = dir.resolve(DATA_FILE);
            if (!Files.exists(path)) {
                create(dir, requested.pageSizeBytes());
            }
            FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            Chosen chosen = chooseMeta(path, ch, requested.pageSizeBytes());
            this.options = requested.withPageSize(chosen.pageSize);
            pf = new PageFile(path, ch, chosen.pageSize, options.mapChunkBytes());
            this.file = pf;
            Meta m = chosen.meta;
            if ((long) m.highWater() * chosen.pageSize > ch.size()) {
                throw new CorruptionException(path, (long) chosen.slot * chosen.pageSize, "meta page says the file has "
                        + m.highWater() + " pages but it is only " + ch.size() + " bytes long");
            }
            pf.ensureMapped(m.highWater());
            this.reader = new TreeReader(pf);
            this.free = rebuildFreeSpace(m);
            Overlay overlay = new Overlay();
            log = new WriteAheadLog(dir.resolve(WAL_FILE), walMappedBytes(options));
            this.wal = log;
            this.replayed = log.replay(m.foldedSeq(), (seq, keys, values) -> {
                for (int i = 0; i < keys.size(); i++) {
                    overlay.apply(seq, keys.get(i), values.get(i));
                }
            });
            this.durableSlot = chosen.slot;
            this.lastSeq = Math.max(replayed.lastSeq(), m.foldedSeq());
            this.lastTreeTxn = Math.max(m.txn(), chosen.otherTxn);
            this.syncedSeq = lastSeq;
            this.current = new State(m, overlay, lastSeq);
        } catch (IOException | RuntimeException e) {
            if (log != null) {
                log.close();
            }
            if (pf != null) {
                pf.unmap();
                pf.channel.close();
            }
            dirLock.close();
            throw e;
        }
        if (options.idleCheckpointMillis() > 0) {
            checkpointer = Thread.ofPlatform().daemon().name("bplustree-checkpointer").unstarted(this::checkpointWhenIdle);
            checkpointer.start();
        } else {
            checkpointer = null;
        }
    }

    /** Folds the overlay into the tree once writes pause, so that reads go straight to the tree. */
    private void checkpointWhenIdle() {
        long idleNanos = options.idleCheckpointMillis() * 1_000_000L;
        while (!closed) {
            try {
                Thread.sleep(Math.max(1, options.idleCheckpointMillis() / 2));
            } catch (InterruptedException e) {
                return;
            }
            State s = current;
            if (closed || halted != null || s.overlay().isEmpty() || System.nanoTime() - lastCommitNanos < idleNanos) {
                continue;
            }
            if (writeLock.tryLock()) {
                try {
                    if (!closed && halted == null) {
                        checkpointLocked();
                    }
                } catch (IOException | RuntimeException e) {
                    halted = e;
                } finally {
                    writeLock.unlock();
                }
            }
        }
    }

    /** The log's mapped part: twice the checkpoint bound, so that records between checkpoints fit. */
    private static long walMappedBytes(BPlusTreeOptions o) {
        long want = Math.max(1L << 20, Math.min(1L << 30, 2 * o.checkpointEveryBytes()));
        return Long.highestOneBit(want - 1) << 1;
    }

    /** Opens (creating if needed) the store in {@code config.directory()}. */
    public static BPlusTreeEngine open(EngineConfig config) {
        BPlusTreeOptions options = BPlusTreeOptions.from(config);
        try {
            return new BPlusTreeEngine(config, options);
        } catch (IOException e) {
            throw new StorageIOException("cannot open the bplustree store in " + config.directory(), e);
        }
    }

    private static void create(Path dir, int pageSize) throws IOException {
        Path tmp = dir.resolve(DATA_FILE + ".creating");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(Meta.empty().encode(pageSize, 0)), 0);
            ch.write(java.nio.ByteBuffer.wrap(new byte[pageSize]), pageSize);
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(DATA_FILE), StandardCopyOption.ATOMIC_MOVE);
        StoreDirectory.syncDirectory(dir);
    }


    private record Chosen(Meta meta, int slot, int pageSize, long otherTxn) {
    }

    /** Picks the newest valid meta page; a torn or damaged one loses to the other. */
    private static Chosen chooseMeta(Path path, FileChannel ch, int requestedPageSize) throws IOException {
        byte[] first = readAt(ch, 0, META_BYTES);
        Object m0 = Meta.decode(first, 0);
        List<Integer> sizes = new ArrayList<>();
        if (m0 instanceof Meta) {
            sizes.add(Meta.pageSizeOf(first));
        } else {
            sizes.add(requestedPageSize);
            for (int s = 1024; s <= 32768; s <<= 1) {
                if (s != requestedPageSize) {
                    sizes.add(s);
                }
            }
        }
        Object m1 = "not read";
        int pageSize = sizes.get(0);
        for (int s : sizes) {
            byte[] second = readAt(ch, s, META_BYTES);
            Object d = Meta.decode(second, 1);
            if (d instanceof Meta && Meta.pageSizeOf(second) == s) {
                m1 = d;
                pageSize = s;
                break;
            }
            if (m1.equals("not read")) {
                m1 = d;
            }
        }
        if (m0 instanceof Meta a && (!(m1 instanceof Meta b) || a.txn() >= b.txn())) {
            return new Chosen(a, 0, pageSize, m1 instanceof Meta b2 ? b2.txn() : 0);
        }
        if (m1 instanceof Meta b) {
            return new Chosen(b, 1, pageSize, m0 instanceof Meta a2 ? a2.txn() : 0);
        }
        throw new CorruptionException(path, 0, "neither meta page is valid (page 0: " + m0 + "; page 1: " + m1 + ")");
    }

    private static byte[] readAt(FileChannel ch, long pos, int len) throws IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(len);
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) {
                break;
            }
        }
        return b.position() == len ? b.array() : new byte[0];
    }

    /**
     * Free pages are not stored: they are every page below the high-water mark that the tree does
     * not reach. Walks the branches (and the leaves, when overflow chains exist), checking each
     * page it reads.
     */
    private FreeSpace rebuildFreeSpace(Meta m) {
        BitSet reachable = new BitSet(m.highWater());
        if (m.root() != 0) {
            mark(m, m.root(), m.rootTxn(), 0, reachable);
        }
        FreeSpace fs = new FreeSpace(m.highWater());
        for (int p = Meta.FIRST_DATA_PAGE; p < m.highWater(); p++) {
            if (!reachable.get(p)) {
                fs.release(p);
            }
        }
        return fs;
    }

    private void mark(Meta m, int page, long txn, int level, BitSet reachable) {
        if (level >= m.depth()) {
            throw new CorruptionException(file.path, (long) page << file.pageShift, "tree deeper than its meta page says ("
                    + m.depth() + ")");
        }
        if (reachable.get(page)) {
            throw new CorruptionException(file.path, (long) page << file.pageShift, "page " + page + " is reached twice");
        }
        reachable.set(page);
        boolean leafLevel = level == m.depth() - 1;
        if (leafLevel && m.overflowPages() == 0) {
            return; // nothing to find inside leaves; their page numbers are all we need
        }
        MemorySegment seg = reader.open(page, txn, m);
        long base = file.offsetInChunk(page);
        boolean leaf = TreeReader.isLeaf(seg, base);
        if (leaf != leafLevel) {
            throw new CorruptionException(file.path, (long) page << file.pageShift, "page " + page + " is a "
                    + (leaf ? "leaf" : "branch") + " at level " + level + " of a tree of depth " + m.depth());
        }
        int count = TreeReader.count(seg, base);
        for (int i = 0; i < count; i++) {
            long cell = TreeReader.cell(seg, base, i);
            int flags = seg.get(U8, cell + 2);
            if ((flags & FLAG_KEY_OVERFLOW) != 0) {
                long lenAt = cell + (leaf ? LEAF_CELL_FIXED : BRANCH_CELL_FIXED);
                markChain(m, seg.get(U32, lenAt + 4), seg.get(U32, lenAt), reachable);
            }
            if (leaf && (flags & FLAG_VALUE_OVERFLOW) != 0) {
                long at = cell + LEAF_CELL_FIXED + ((flags & FLAG_KEY_OVERFLOW) != 0 ? 8 : 0);
                markChain(m, seg.get(U32, at), seg.get(U32, cell + 3), reachable);
            }
        }
        if (!leaf) {
            for (int ci = 0; ci <= count; ci++) {
                mark(m, TreeReader.childPage(seg, base, ci), TreeReader.childTxn(seg, base, ci), level + 1, reachable);
            }
        }
    }

    private void markChain(Meta m, int head, int length, BitSet reachable) {
        int page = head;
        int remaining = length;
        while (remaining > 0) {
            if (page < Meta.FIRST_DATA_PAGE || page >= m.highWater() || reachable.get(page)) {
                throw new CorruptionException(file.path, (long) page << file.pageShift, "overflow chain reaches page " + page
                        + " (out of range or already used)");
            }
            reachable.set(page);
            MemorySegment seg = file.chunkOf(page);
            long base = file.offsetInChunk(page);
            int used = seg.get(U32, base + OFF_B);
            if (seg.get(U8, base + OFF_TYPE) != TYPE_OVERFLOW || used <= 0 || used > remaining) {
                throw new CorruptionException(file.path, (long) page << file.pageShift, "page " + page + " is not a valid overflow page");
            }
            remaining -= used;
            page = seg.get(U32, base + OFF_A);
        }
    }

    // ---- StorageEngine ----

    @Override
    public String name() {
        return BPlusTreeEngineProvider.NAME;
    }

    @Override
    public EngineCapabilities capabilities() {
        return BPlusTreeEngineProvider.CAPABILITIES;
    }

    private void checkOpen() {
        if (closed) {
            throw new EngineClosedException("bplustree store in " + dir + " is closed");
        }
    }

    /** Turns the exception of a read racing {@link #close()} into {@link EngineClosedException}. */
    RuntimeException translateClosed(IllegalStateException e) {
        if (closed) {
            return new EngineClosedException("bplustree store in " + dir + " was closed during the read");
        }
        return e;
    }

    private State currentState() {
        return current;
    }



    @Override
    public byte[] get(ReadOptions options, byte[] key) {
        checkOpen();
        limits.checkKey(key);
        if (options.snapshot() != null) {
            TreeSnapshot snap = own(options.snapshot());
            try {
                return read(snap.state(), key);
            } catch (IllegalStateException e) {
                throw translateClosed(e);
            }
        }
        ReaderTable.Slot slot = readers.slot();
        State s = ReaderTable.enter(slot, this::currentState);
        try {
            return read(s, key);
        } catch (IllegalStateException e) {
            throw translateClosed(e);
        } finally {
            ReaderTable.leave(slot);
        }
    }

    private byte[] read(State s, byte[] key) {
        if (!s.overlay().isEmpty()) {
            Overlay.Version head = s.overlay().map.get(key);
            if (head != null) {
                Overlay.Version v = head.visibleAt(s.seq());
                if (v != null) {
                    return v.value() == null ? null : v.value().clone();
                }
            }
        }
        return reader.get(s.tree(), key);
    }

    private TreeSnapshot own(Snapshot s) {
        if (!(s instanceof TreeSnapshot t) || t.engine != this) {
            throw new InvalidArgumentException("the snapshot belongs to another engine");
        }
        if (t.isClosed()) {
            throw new EngineClosedException("the snapshot is closed");
        }
        return t;
    }

    /** Largest batch one log record takes (its framing included). */
    static final long MAX_BATCH_BYTES = 1L << 30;
    /** Most bytes of batches one group commit takes (one log record). */
    static final long MAX_GROUP_BYTES = 64L << 20;

    @Override
    public void write(WriteOptions options, WriteBatch batch) {
        checkOpen();
        limits.checkBatch(batch);
        if (batch.payloadBytes() + 9L * batch.size() > MAX_BATCH_BYTES) {
            throw new InvalidArgumentException("batch of " + batch.size() + " operations and " + batch.payloadBytes()
                    + " bytes is larger than the " + MAX_BATCH_BYTES + "-byte limit of one log record; nothing was written;"
                    + " split it into smaller batches");
        }
        if (batch.isEmpty()) {
            if (options.sync()) {
                sync();
            }
            return;
        }
        Request r = new Request(batch, options.sync());
        queue.add(r);
        writeLock.lock();
        try {
            while (!r.done) {
                runGroup();
            }
        } finally {
            writeLock.unlock();
        }
        if (r.error != null) {
            throw r.error;
        }
    }

    /** Takes queued batches (up to the group limit) and commits them as one transaction. */
    private void runGroup() {
        List<Request> group = new ArrayList<>();
        long ops = 0;
        long bytes = 0;
        Request q;
        while ((q = queue.peek()) != null && (group.isEmpty() || ops + q.batch.size() <= options.maxGroupCommitOps()
                && bytes + q.batch.payloadBytes() <= MAX_GROUP_BYTES)) {
            queue.poll();
            group.add(q);
            ops += q.batch.size();
            bytes += q.batch.payloadBytes();
        }
        if (group.isEmpty()) {
            return;
        }
        RuntimeException error = null;
        if (closed) {
            error = new EngineClosedException("bplustree store in " + dir + " is closed");
        } else if (halted != null) {
            error = new EngineHaltedException("bplustree store in " + dir + " refuses writes after an earlier failure; reopen it", halted);
        } else {
            try {
                commit(group);
            } catch (IOException e) {
                halted = e;
                error = new EngineHaltedException("bplustree commit in " + dir + " failed; the store refuses writes until reopened", e);
            } catch (java.io.UncheckedIOException e) {
                halted = e.getCause();
                error = new EngineHaltedException("bplustree commit in " + dir + " failed; the store refuses writes until reopened",
                        e.getCause());
            } catch (RuntimeException | Error e) {
                halted = e;
                error = e instanceof KvException k ? k
                        : new EngineHaltedException("bplustree commit in " + dir + " failed; the store refuses writes until reopened", e);
            }
        }
        for (Request r : group) {
            r.error = error;
            r.done = true;
        }
    }

    /**
     * One group commit: a log record for all its batches (forced if any asked for sync), then the
     * overlay versions, then the new state for readers. A checkpoint follows when the overlay is full.
     */
    private void commit(List<Request> group) throws IOException {
        State s = current;
        long seq = lastSeq + 1;
        List<WriteBatch> batches = new ArrayList<>(group.size());
        boolean wantSync = false;
        for (Request r : group) {
            batches.add(r.batch);
            wantSync |= r.sync;
        }
        wal.append(seq, batches);
        if (wantSync) {
            wal.force();
            syncedSeq = seq;
            syncs.incrementAndGet();
        }
        Overlay overlay = s.overlay();
        for (WriteBatch b : batches) {
            for (int i = 0, n = b.size(); i < n; i++) {
                overlay.apply(seq, b.keyAt(i), b.valueAt(i));
            }
        }
        lastSeq = seq;
        current = new State(s.tree(), overlay, seq);
        lastCommitNanos = System.nanoTime();
        commits.incrementAndGet();
        committedBatches.addAndGet(group.size());
        if (overlay.ops() >= options.checkpointEveryOps() || overlay.bytes() >= options.checkpointEveryBytes()
                || wal.size() >= wal.mappedBytes() / 2) {
            checkpointLocked();
        }
    }

    /**
     * Folds the overlay into the tree, in key order, as a series of copy-on-write transactions of
     * at most {@code checkpointChunkOps} keys each. Each one: new pages written and forced, then
     * the meta page (into the slot that does not hold the last one) written and forced, then a new
     * state published. Pages a sub-transaction frees are reused by the ones after it (once no
     * reader holds the older tree), so a checkpoint needs little more space than the tree. The
     * intermediate meta pages keep the old folded sequence number, so a crash in the middle
     * replays the whole log on top of a tree that holds some of it (the overlay wins). After the
     * last one the log is emptied.
     */
    private void checkpointLocked() throws IOException {
        State s = current;
        if (s.overlay().isEmpty()) {
            return;
        }
        Iterator<Map.Entry<byte[], Overlay.Version>> it = s.overlay().map.entrySet().iterator();
        Meta tree = s.tree();
        while (it.hasNext()) {
            long t0 = System.nanoTime();
            // pages freed by sub-transaction X belonged to the tree before it: reusable once no
            // reader holds a tree older than X; the current tree stays whole as the fallback
            free.reclaim(readers.oldest(tree.txn()));
            long txn = ++lastTreeTxn;
            WriteTransaction t = new WriteTransaction(file, reader, free, tree, txn);
            for (int n = 0; n < options.checkpointChunkOps() && it.hasNext(); n++) {
                Map.Entry<byte[], Overlay.Version> e = it.next();
                byte[] v = e.getValue().value();
                if (v == null) {
                    t.delete(e.getKey());
                } else {
                    t.put(e.getKey(), v);
                }
            }
            boolean last = !it.hasNext();
            long t1 = System.nanoTime();
            t.writePages();
            long t2 = System.nanoTime();
            file.force(); // the data pages are durable before the meta page that points to them
            int slot = 1 - durableSlot;
            Meta m = t.meta(free.highWater(), last ? s.seq() : tree.foldedSeq());
            file.writeAt(m.encode(file.pageSize, slot), (long) slot * file.pageSize);
            file.force();
            durableSlot = slot;
            tree = m;
            if (PARANOID) {
                new TreeChecker(reader, m).run(); // every checkpoint transaction leaves a valid tree
            }
            current = new State(m, last ? new Overlay() : s.overlay(), s.seq());
            free.freedBy(txn, t.freedCommitted());
            checkpointApplyNanos.addAndGet(t1 - t0);
            checkpointWriteNanos.addAndGet(t2 - t1);
            checkpointSyncNanos.addAndGet(System.nanoTime() - t2);
        }
        wal.reset(); // every record is in the durable tree now
        syncedSeq = Math.max(syncedSeq, s.seq());
        checkpoints.incrementAndGet();
    }

    /**
     * What {@link #compact()} did: the file's pages before and after, the pages the tree uses (the
     * floor: compaction moves pages, it does not merge underfull ones), the bytes given back to
     * the file system, the pages moved down and the copy-on-write rounds it took.
     */
    public record CompactionResult(int pagesBefore, int pagesAfter, int pagesInUse, long bytesReturned, long pagesMoved, int rounds) {
    }

    /** Rounds of moving pages down before compaction settles for what it reached. */
    private static final int MAX_COMPACTION_ROUNDS = 64;

    /**
     * Gives the free space at the tail of the file back to the file system, with the store open.
     * Folds the log into the tree, then moves every page that lies above a dense tree's size to
     * the lowest free page by copy-on-write (re-putting a key of each such leaf, and keys whose
     * overflow chains lie there; each round is an ordinary commit), lowers the high-water mark
     * past the pages that no reader can see any more, records it in both meta pages, and
     * truncates the file. Pages that an open snapshot or cursor still pins stay: compact again
     * after it closes. Writers wait while it runs; readers do not.
     */
    public CompactionResult compact() {
        checkOpen();
        writeLock.lock();
        try {
            checkOpen();
            if (halted != null) {
                throw new EngineHaltedException("bplustree store in " + dir + " refuses to compact after an earlier failure", halted);
            }
            try {
                return compactLocked();
            } catch (IOException e) {
                halted = e;
                throw new EngineHaltedException("bplustree compaction in " + dir + " failed; the store refuses writes until reopened", e);
            }
        } finally {
            writeLock.unlock();
        }
    }

    private CompactionResult compactLocked() throws IOException {
        checkpointLocked();
        int before = current.tree().highWater();
        long lengthBefore = file.fileLength();
        long moved = 0;
        int rounds = 0;
        while (rounds < MAX_COMPACTION_ROUNDS) {
            Meta tree = current.tree();
            free.reclaim(awaitReaders(tree.txn()));
            BitSet reachable = new BitSet(tree.highWater());
            if (tree.root() != 0) {
                mark(tree, tree.root(), tree.rootTxn(), 0, reachable);
            }
            // a dense file plus a little room: moving the last tail pages copies their ancestors
            // too, and without spare holes below the limit those would never fit
            int live = reachable.cardinality();
            int limit = Meta.FIRST_DATA_PAGE + live + Math.max(16, live / 100) + 4 * tree.depth();
            TailRelocation.Plan plan = TailRelocation.plan(file, reader, tree, limit, free.reusableBelow(limit));
            if (plan.keys().isEmpty()) {
                break;
            }
            rounds++;
            long txn = ++lastTreeTxn;
            WriteTransaction t = new WriteTransaction(file, reader, free, tree, txn);
            for (byte[] key : plan.keys()) {
                t.put(key, reader.get(tree, key));
            }
            t.writePages();
            file.force(); // the moved pages are durable before the meta page that points to them
            publishLocked(t.meta(free.highWater(), tree.foldedSeq()));
            free.freedBy(txn, t.freedCommitted());
            moved += plan.pagesAbove() - plan.stuckPages();
        }
        // the last round's meta page is durable: the pages it freed go once no reader pins older trees
        free.reclaim(awaitReaders(current.tree().txn()));
        int after = free.shrink();
        Meta tree = current.tree();
        if (after < tree.highWater()) {
            // both slots get the lower mark before the file shrinks: recovery may fall back to either
            for (int i = 0; i < 2; i++) {
                tree = new Meta(++lastTreeTxn, tree.root(), tree.rootTxn(), tree.depth(), after, tree.entries(),
                        tree.overflowPages(), tree.foldedSeq());
                publishLocked(tree);
            }
            file.shrinkTo((long) after * file.pageSize);
        }
        if (PARANOID) {
            new TreeChecker(reader, current.tree()).run();
        }
        compactions.incrementAndGet();
        BitSet inUse = new BitSet(after);
        if (current.tree().root() != 0) {
            mark(current.tree(), current.tree().root(), current.tree().rootTxn(), 0, inUse);
        }
        return new CompactionResult(before, after, inUse.cardinality(), Math.max(0, lengthBefore - file.fileLength()), moved, rounds);
    }

    /**
     * The oldest tree txn a reader holds, after giving point reads that started on an older tree
     * a moment to finish (they take microseconds; a snapshot or cursor may hold its tree for
     * long, and then compaction settles for less).
     */
    private long awaitReaders(long txn) {
        long oldest = readers.oldest(txn);
        for (int i = 0; i < 20 && oldest < txn; i++) {
            LockSupport.parkNanos(1_000_000);
            oldest = readers.oldest(txn);
        }
        return oldest;
    }

    /** Writes {@code m} into the meta slot that does not hold the durable tree, forces it, and publishes it. */
    private void publishLocked(Meta m) throws IOException {
        int slot = 1 - durableSlot;
        file.writeAt(m.encode(file.pageSize, slot), (long) slot * file.pageSize);
        file.force();
        durableSlot = slot;
        current = new State(m, current.overlay(), current.seq());
    }

    private void syncLocked() throws IOException {
        if (syncedSeq < lastSeq) {
            wal.force();
            syncedSeq = lastSeq;
            syncs.incrementAndGet();
        }
    }

    @Override
    public void sync() {
        checkOpen();
        writeLock.lock();
        try {
            checkOpen();
            if (halted != null) {
                throw new EngineHaltedException("bplustree store in " + dir + " refuses to sync after an earlier failure", halted);
            }
            try {
                syncLocked();
            } catch (IOException e) {
                halted = e;
                throw new EngineHaltedException("bplustree sync in " + dir + " failed; the store refuses writes until reopened", e);
            }
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

    private Cursor cursor(ReadOptions options, KeyRange range, boolean reverse) {
        checkOpen();
        if (range == null) {
            throw new InvalidArgumentException("range must not be null; use KeyRange.ALL");
        }
        ReaderTable.Pin pin = options.snapshot() != null ? readers.pinAgain(own(options.snapshot()).state())
                : readers.pin(this::currentState);
        TreeCursor tree = new TreeCursor(this, reader, pin.meta, range, reverse, () -> { });
        return new MergingCursor(tree, pin.state, range, reverse, () -> readers.unpin(pin));
    }

    @Override
    public Snapshot snapshot() {
        checkOpen();
        return new TreeSnapshot(this, readers.pin(this::currentState));
    }

    final class TreeSnapshot implements Snapshot {
        final BPlusTreeEngine engine = BPlusTreeEngine.this;
        private final ReaderTable.Pin pin;
        private volatile boolean snapClosed;

        TreeSnapshot(BPlusTreeEngine owner, ReaderTable.Pin pin) {
            this.pin = pin;
        }

        State state() {
            return pin.state;
        }

        boolean isClosed() {
            return snapClosed;
        }

        @Override
        public long sequence() {
            return pin.state.seq();
        }

        @Override
        public void close() {
            if (!snapClosed) {
                snapClosed = true;
                readers.unpin(pin);
            }
        }
    }

    @Override
    public void checkpoint(Path target) {
        checkOpen();
        if (target == null) {
            throw new InvalidArgumentException("checkpoint directory must not be null");
        }
        try {
            StoreDirectory.prepareCheckpointTarget(target);
            try (Cursor c = iterate(ReadOptions.DEFAULT); BulkLoader loader = BulkLoader.create(target, file.pageSize, 100)) {
                while (c.next()) {
                    loader.add(c.key(), c.value());
                }
                loader.finish();
            }
        } catch (IOException e) {
            throw new StorageIOException("cannot write checkpoint to " + target, e);
        }
    }

    @Override
    public EngineStats stats() {
        checkOpen();
        State st = current;
        Meta m = st.tree();
        Map<String, Number> p = new HashMap<>();
        p.put("bplustree.txn", m.txn());
        p.put("bplustree.seq", st.seq());
        p.put("bplustree.entries", m.entries());
        p.put("bplustree.depth", m.depth());
        p.put("bplustree.pageSizeBytes", file.pageSize);
        p.put("bplustree.pages.highWater", m.highWater());
        p.put("bplustree.pages.overflow", m.overflowPages());
        p.put("bplustree.commits", commits.get());
        p.put("bplustree.commits.batches", committedBatches.get());
        p.put("bplustree.syncs", syncs.get());
        p.put("bplustree.checkpoints", checkpoints.get());
        p.put("bplustree.compactions", compactions.get());
        p.put("bplustree.checkpoints.applyMillis", checkpointApplyNanos.get() / 1_000_000);
        p.put("bplustree.checkpoints.writeMillis", checkpointWriteNanos.get() / 1_000_000);
        p.put("bplustree.checkpoints.syncMillis", checkpointSyncNanos.get() / 1_000_000);
        p.put("bplustree.overlay.ops", st.overlay().ops());
        p.put("bplustree.wal.replayedRecords", replayed.records());
        p.put("bplustree.wal.tornTailBytes", replayed.tornBytes());
        p.put("bplustree.readers.pinned", readers.pinCount());
        long walBytes;
        writeLock.lock();
        try {
            p.put("bplustree.pages.reusable", free.reusableCount());
            p.put("bplustree.pages.pending", free.pendingCount());
            p.put("bplustree.fileBytes", file.fileLength());
            walBytes = wal.size();
            p.put("bplustree.wal.bytes", walBytes);
        } finally {
            writeLock.unlock();
        }
        return new EngineStats((long) m.highWater() * file.pageSize + walBytes, st.overlay().bytes(), p);
    }

    /** Checkpoints, then checks the tree's shape and counts page by page (tests and tools). */
    TreeChecker.Report check() {
        checkOpen();
        writeLock.lock();
        try {
            checkpointLocked();
        } catch (IOException e) {
            throw new StorageIOException("checkpoint before the check failed", e);
        } finally {
            writeLock.unlock();
        }
        ReaderTable.Pin pin = readers.pin(this::currentState);
        try {
            return new TreeChecker(reader, pin.meta).run();
        } finally {
            readers.unpin(pin);
        }
    }

    PageFile pageFileForTests() {
        return file;
    }

    /** Makes every later fsync of this engine fail with {@code e} (tests of PITFALLS #21). */
    void failForcesForTests(IOException e) {
        file.forceFailure = e;
        wal.forceFailure = e;
    }

    @Override
    public void close() {
        writeLock.lock();
        try {
            if (closed) {
                return;
            }
            IOException failure = null;
            try {
                if (halted == null) {
                    checkpointLocked(); // a clean close leaves an empty log and a durable tree
                }
            } catch (IOException e) {
                failure = e;
            } catch (RuntimeException e) {
                halted = e;
            }
            closed = true;
            if (checkpointer != null) {
                checkpointer.interrupt();
            }
            file.unmap();
            try {
                if (halted == null && failure == null) {
                    // no mapping is left, so shrinking the file cannot fault a reader (PITFALLS #27)
                    file.channel.truncate((long) current.tree().highWater() * file.pageSize);
                    file.channel.force(true);
                }
            } catch (IOException e) {
                failure = e;
            }
            try {
                wal.close();
                file.channel.close();
                dirLock.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                }
            }
            if (failure != null) {
                throw new StorageIOException("closing the bplustree store in " + dir + " failed", failure);
            }
        } finally {
            writeLock.unlock();
        }
    }
}
