package io.kvkit.raft.storage;

import io.kvkit.raft.Entry;
import io.kvkit.raft.EntryType;
import io.kvkit.raft.HardState;
import io.kvkit.raft.Snapshot;
import io.kvkit.raft.storage.SegmentedRaftLogStorage.CorruptLogException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * The Raft logs of every group of a node in one append-only, segmented file sequence (as TiKV's
 * raft-engine): the writes of all groups land at one tail, so a round of Readies from N groups
 * costs one {@code fdatasync}, not N. The format is drawn in {@link SharedLogFormat}.
 *
 * <p><b>Memory.</b> Each group keeps, per entry since its snapshot, 20 bytes of index (term,
 * place, length: {@link GroupEntryIndex}); entry data are read back from the segments (the page
 * cache, usually) when the core asks for them. The snapshot's data are held through a soft
 * reference and re-read from its file when the JVM dropped them.
 *
 * <p><b>Group commit.</b> {@link #sync()} is leader/follower: the first caller flushes the tail
 * and fsyncs; callers arriving meanwhile wait, and return without an fsync of their own if that
 * one (or one just finished) covered their writes; otherwise one of them leads the next round.
 * A failed write or fsync fails the store for good (never retried: PITFALLS #21).
 *
 * <p><b>Space.</b> Segments are deleted oldest first, never out of order (an ENTRIES record's
 * truncation only matters to older records, so a surviving suffix of segments always replays
 * correctly). After a sync that follows a segment roll, the longest run of oldest segments whose
 * live bytes (entries still in their group's log, latest hard states and snapshot markers)
 * together are at most {@link SharedRaftLogOptions#rewriteLivePercent()} of their size have
 * those live records copied to the tail (REWRITE records, one run at a time under the lock),
 * everything is fsynced, and then they are deleted one by one, each deletion made durable before
 * the next, so a crash leaves a contiguous run of segments. The sync() caller that finds a roll
 * does the collection after its own fsync; other callers sync on meanwhile.
 *
 * <p><b>Threads.</b> Views of different groups may be used from different threads at once; one
 * lock guards the tail and every group's index (operations under it are short: encoding, a
 * {@code write()}, {@code pread}s). fsyncs (but the one that seals a segment at a roll) and
 * snapshot files are written outside it. Each
 * group's view must be used by one thread at a time, as a Raft group is.
 */
public final class SharedRaftLogStore implements RaftLogStore {

    /** One segment file. Guarded by the store's lock. */
    static final class Segment {
        final long seq;
        final Path path;
        final FileChannel channel;
        /** Bytes in the file (what has been written, not what is buffered). */
        long size;
        /** Written since its last fsync. */
        boolean unsynced;
        final boolean writable;

        Segment(long seq, Path path, boolean writable, long size) throws IOException {
            this.seq = seq;
            this.path = path;
            this.writable = writable;
            this.channel = writable
                    ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE)
                    : FileChannel.open(path, StandardOpenOption.READ);
            this.size = size;
        }
    }

    private static final int HARD_STATE_RECORD_BYTES = SharedLogFormat.RECORD_HEADER_BYTES + SharedLogFormat.HARD_STATE_BODY_BYTES;
    private static final int SNAPSHOT_RECORD_BYTES = SharedLogFormat.RECORD_HEADER_BYTES + SharedLogFormat.SNAPSHOT_BODY_BYTES;
    /** Entries read back in one {@code pread} at most (coalesced when adjacent in the file). */
    private static final int MAX_READ_BYTES = 1 << 20;

    private final Path dir;
    /** File-backed snapshots of the groups, in {@code <dir>/file-snapshots}. */
    private final FileSnapshotStore fileSnapshots;
    static final String FILE_SNAPSHOTS_DIR = "file-snapshots";
    private final SharedRaftLogOptions options;
    final ReentrantLock lock = new ReentrantLock();

    // guarded by lock
    private final ArrayList<Segment> segments = new ArrayList<>();
    private final Map<Long, SharedGroupLog> groups = new HashMap<>();
    private final ByteBuffer tail;
    private long appendedBytes;
    private boolean dirDirty;
    private boolean rolledSinceCollection;
    private long rewrittenBytes;
    private final AtomicLong deletedSegments = new AtomicLong();
    private final List<String> recovery;

    private final AtomicLong fsyncs = new AtomicLong();
    private volatile Throwable failure;
    private volatile boolean closed;

    /** Held by the one thread collecting garbage (and by close). */
    private final ReentrantLock collectLock = new ReentrantLock();

    private final Object syncMonitor = new Object();
    /** A thread is leading a sync round (or closing). Guarded by syncMonitor. */
    private boolean syncing;
    /** appendedBytes covered by the last finished fsync. Guarded by syncMonitor. */
    private long durableBytes;

    /** Opens (or creates) the shared log in {@code dir}, replaying it. */
    public static SharedRaftLogStore open(Path dir, SharedRaftLogOptions options) {
        try {
            Files.createDirectories(dir);
            return new SharedRaftLogStore(dir, options);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the shared raft log in " + dir, e);
        }
    }

    private SharedRaftLogStore(Path dir, SharedRaftLogOptions options) throws IOException {
        this.dir = dir;
        this.options = options;
        this.fileSnapshots = FileSnapshotStore.open(dir.resolve(FILE_SNAPSHOTS_DIR));
        this.tail = ByteBuffer.allocate(options.writeBufferBytes());
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                if (p.getFileName().toString().endsWith(".snap.tmp")) {
                    Files.delete(p); // an unfinished snapshot write
                }
            }
        }
        SharedLogReplay replay = new SharedLogReplay(this, dir);
        replay.run();
        segments.addAll(replay.segments);
        groups.putAll(replay.groups);
        recovery = replay.report;
        if (!segments.isEmpty() && !segments.getLast().writable) {
            // the segment after it was a torn, removed header: this one is the active one again
            Segment last = segments.removeLast();
            last.channel.close();
            segments.add(new Segment(last.seq, last.path, true, last.size));
        }
        if (segments.isEmpty()) {
            startSegment(1);
            flushTail();
            forceUnsynced();
        }
        appendedBytes = 0;
        durableBytes = 0;
    }

    /** What recovery did on open (torn tail truncated, leftovers removed); empty if the files were clean. */
    public List<String> recoveryReport() {
        return List.copyOf(recovery);
    }

    // ------------------------------------------------------------------ RaftLogStore

    @Override
    public RaftLogStorage open(long groupId) {
        if (groupId < 0) {
            throw new IllegalArgumentException("group ids must be >= 0, got " + groupId);
        }
        lock.lock();
        try {
            ensureUsable();
            SharedGroupLog g = groups.get(groupId);
            if (g == null) {
                g = new SharedGroupLog(this, groupId);
                // the group's first record: it exists from now on, even with nothing else written
                writeHardState(g, HardState.EMPTY);
                groups.put(groupId, g);
            }
            return g;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Set<Long> groupIds() {
        lock.lock();
        try {
            ensureUsable();
            return Set.copyOf(groups.keySet());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void delete(long groupId) {
        SharedGroupLog g;
        lock.lock();
        try {
            ensureUsable();
            g = groups.remove(groupId);
            if (g == null) {
                return;
            }
            g.deleted = true;
            ByteBuffer b = startRecord(SharedLogFormat.RECORD_HEADER_BYTES + SharedLogFormat.DELETED_BODY_BYTES);
            int at = b.position();
            b.putInt(SharedLogFormat.DELETED_BODY_BYTES).putInt(0).put(SharedLogFormat.DELETED).putLong(groupId);
            finishRecord(b, at);
        } catch (IOException e) {
            throw fail("deleting group " + groupId, e);
        } finally {
            lock.unlock();
        }
        // the DELETED record must be durable before the snapshot goes, or a crash could bring
        // the group back without its snapshot
        sync();
        try {
            deleteSnapshotFiles(groupId, Long.MAX_VALUE);
            fileSnapshots.deleteGroup(groupId);
        } catch (IOException e) {
            throw new UncheckedIOException("deleting the snapshots of group " + groupId + " in " + dir, e);
        }
    }

    @Override
    public FileSnapshotStore fileSnapshots() {
        return fileSnapshots;
    }

    @Override
    public void sync() {
        long target;
        lock.lock();
        try {
            ensureUsable();
            target = appendedBytes;
        } finally {
            lock.unlock();
        }
        if (!becomeSyncLeader(target)) {
            return;
        }
        boolean collect;
        try {
            long upTo;
            List<Segment> toForce;
            boolean dirToo;
            lock.lock();
            try {
                ensureUsable();
                flushTail();
                upTo = appendedBytes;
                toForce = takeUnsynced();
                dirToo = dirDirty;
                dirDirty = false;
                collect = rolledSinceCollection;
            } finally {
                lock.unlock();
            }
            // outside the lock: other groups keep appending while the disk works
            for (Segment s : toForce) {
                if (options.fsync()) {
                    s.channel.force(false);
                    fsyncs.incrementAndGet();
                }
            }
            if (dirToo && options.fsync()) {
                syncDir();
            }
            synchronized (syncMonitor) {
                durableBytes = Math.max(durableBytes, upTo);
            }
        } catch (IOException | RuntimeException e) {
            throw fail("fsync", e);
        } finally {
            endSyncLeadership();
        }
        // this caller's writes are durable; it now pays for the collection (if no other thread
        // is at it), while other callers sync on
        if (collect && collectLock.tryLock()) {
            try {
                collectGarbageExclusively();
            } finally {
                collectLock.unlock();
            }
        }
    }

    /**
     * Deletes the oldest segments that nothing needs any more, first copying forward the few
     * live records of those that are mostly dead. Runs by itself after a sync that follows a
     * segment roll; callable at any time.
     */
    public void collectGarbage() {
        collectLock.lock();
        try {
            collectGarbageExclusively();
        } finally {
            collectLock.unlock();
        }
    }

    /** Live and total bytes, segments, fsyncs and rewrites at this moment. */
    public SharedRaftLogStats stats() {
        lock.lock();
        try {
            long[] live = liveBytesPerSegment();
            long liveSum = 0;
            long total = 0;
            long heap = 0;
            for (int i = 0; i < segments.size(); i++) {
                liveSum += live[i];
                total += segments.get(i).size + (i == segments.size() - 1 ? tail.position() : 0);
            }
            for (SharedGroupLog g : groups.values()) {
                heap += g.index.heapBytes();
            }
            return new SharedRaftLogStats(groups.size(), segments.size(), total, liveSum, fsyncs.get(), rewrittenBytes,
                    deletedSegments.get(), heap);
        } finally {
            lock.unlock();
        }
    }

    /** fsync calls of the log (segment files and the directory; not snapshot files) since open. */
    public long fsyncCount() {
        return fsyncs.get();
    }

    @Override
    public void close() {
        collectLock.lock();
        becomeSyncLeader(Long.MAX_VALUE);
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (failure == null) {
                flushTail();
                forceUnsynced();
            }
        } catch (IOException e) {
            throw fail("close", e);
        } finally {
            for (Segment s : segments) {
                try {
                    s.channel.close();
                } catch (IOException ignored) {
                    // closing a read-only or already forced channel: nothing is lost
                }
            }
            lock.unlock();
            endSyncLeadership();
            collectLock.unlock();
        }
    }

    // ------------------------------------------------------------------ group commit

    /** Waits until {@code target} is durable (false) or this thread leads a sync round (true). */
    private boolean becomeSyncLeader(long target) {
        boolean interrupted = false;
        try {
            synchronized (syncMonitor) {
                while (true) {
                    if (failure != null && target != Long.MAX_VALUE) {
                        throw failedException();
                    }
                    if (durableBytes >= target) {
                        return false;
                    }
                    if (!syncing) {
                        syncing = true;
                        return true;
                    }
                    try {
                        syncMonitor.wait();
                    } catch (InterruptedException e) {
                        // a sync cannot be abandoned half way: wait on, and keep the interrupt
                        interrupted = true;
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void endSyncLeadership() {
        synchronized (syncMonitor) {
            syncing = false;
            syncMonitor.notifyAll();
        }
    }

    /** Under lock: the segments written since their last fsync, flags cleared. */
    private List<Segment> takeUnsynced() {
        List<Segment> out = new ArrayList<>(2);
        for (Segment s : segments) {
            if (s.unsynced) {
                s.unsynced = false;
                out.add(s);
            }
        }
        return out;
    }

    /** Under lock: fsyncs everything written so far. */
    private void forceUnsynced() throws IOException {
        for (Segment s : takeUnsynced()) {
            s.channel.force(false);
            fsyncs.incrementAndGet();
        }
        if (dirDirty) {
            syncDir();
            dirDirty = false;
        }
    }

    // ------------------------------------------------------------------ garbage collection

    /**
     * With collectLock held. Plans under the lock, copies live records group by group and run by
     * run (the lock is released in between, so appends of other groups wait for one run at most),
     * makes everything durable as the sync leader, then deletes the segments outside both.
     */
    private void collectGarbageExclusively() {
        try {
            long keepSeq;
            List<Long> ids;
            lock.lock();
            try {
                ensureUsable();
                rolledSinceCollection = false;
                if (segments.size() < 2) {
                    return;
                }
                long[] live = liveBytesPerSegment();
                // the longest run of oldest sealed segments (never the active one) whose live bytes,
                // together, are within the threshold: a head segment held by a slow group's many
                // entries goes with the dead segments behind it instead of pinning them all
                int n = 0;
                long cumulativeLive = 0;
                long cumulativeSize = 0;
                for (int k = 0; k < segments.size() - 1; k++) {
                    cumulativeLive += live[k];
                    cumulativeSize += segments.get(k).size;
                    if (cumulativeLive * 100 <= (long) options.rewriteLivePercent() * cumulativeSize) {
                        n = k + 1;
                    }
                }
                if (n == 0) {
                    return;
                }
                keepSeq = segments.get(n).seq;
                ids = new ArrayList<>(new TreeMap<>(groups).keySet());
            } finally {
                lock.unlock();
            }
            // New records only go to the tail (segments >= keepSeq), so once a group's old records
            // are copied nothing of it points below keepSeq again.
            for (long id : ids) {
                rewriteBelow(id, keepSeq);
            }
            List<Segment> doomed = new ArrayList<>();
            becomeSyncLeader(Long.MAX_VALUE);
            try {
                long upTo;
                List<Segment> toForce;
                boolean dirToo;
                lock.lock();
                try {
                    ensureUsable();
                    long[] live = liveBytesPerSegment();
                    int n = 0;
                    while (n < segments.size() - 1 && segments.get(n).seq < keepSeq) {
                        if (live[n] != 0) {
                            throw new IllegalStateException("segment " + segments.get(n).path
                                    + " still holds live records after they were copied; nothing deleted");
                        }
                        n++;
                    }
                    doomed.addAll(segments.subList(0, n));
                    segments.subList(0, n).clear();
                    flushTail();
                    upTo = appendedBytes;
                    toForce = takeUnsynced();
                    dirToo = dirDirty;
                    dirDirty = false;
                } finally {
                    lock.unlock();
                }
                // every record written so far, copies included, durable before anything is
                // deleted: what makes the old records dead must not be lost in a crash
                for (Segment s : toForce) {
                    s.channel.force(false);
                    fsyncs.incrementAndGet();
                }
                if (dirToo) {
                    syncDir();
                }
                synchronized (syncMonitor) {
                    durableBytes = Math.max(durableBytes, upTo);
                }
            } finally {
                endSyncLeadership();
            }
            for (Segment s : doomed) {
                s.channel.close();
                Files.delete(s.path);
                // one at a time, durably, oldest first: a crash leaves a contiguous run of segments
                syncDir();
                deletedSegments.incrementAndGet();
            }
        } catch (IOException | RuntimeException e) {
            throw fail("garbage collection", e);
        }
    }

    /** Copies the records of group {@code id} that live below keepSeq to the tail, a run per lock. */
    private void rewriteBelow(long id, long keepSeq) {
        long cursor = 0;
        while (true) {
            lock.lock();
            try {
                ensureUsable();
                SharedGroupLog g = groups.get(id);
                if (g == null) {
                    return; // deleted meanwhile: its records are dead
                }
                GroupEntryIndex idx = g.index;
                long last = idx.isEmpty() ? 0 : idx.lastIndex();
                long i = idx.isEmpty() ? 1 : Math.max(cursor, idx.firstIndex());
                while (i <= last && GroupEntryIndex.segmentOf(idx.location(i)) >= keepSeq) {
                    i++;
                }
                if (i > last) {
                    if (g.hardStateSegment < keepSeq) {
                        writeHardState(g, g.hardState);
                    }
                    if (g.snapshotMarkerSegment >= 0 && g.snapshotMarkerSegment < keepSeq) {
                        // as a compaction: entries after the snapshot replayed before it must stay
                        writeSnapshotMarker(g, g.snapshotIndex, g.snapshotTerm, false);
                    }
                    return;
                }
                long runEnd = i;
                long bytes = idx.length(i);
                while (runEnd + 1 <= last && GroupEntryIndex.segmentOf(idx.location(runEnd + 1)) < keepSeq
                        && bytes < options.maxRecordBytes()) {
                    runEnd++;
                    bytes += idx.length(runEnd);
                }
                writeEntries(g, SharedLogFormat.REWRITE, readEntries(g, i, runEnd + 1));
                rewrittenBytes += bytes;
                cursor = runEnd + 1;
            } finally {
                lock.unlock();
            }
        }
    }

    /** Under lock: bytes still needed in each segment (by position in {@link #segments}). */
    private long[] liveBytesPerSegment() {
        long[] live = new long[segments.size()];
        long base = segments.getFirst().seq;
        for (SharedGroupLog g : groups.values()) {
            GroupEntryIndex idx = g.index;
            if (!idx.isEmpty()) {
                for (long i = idx.firstIndex(); i <= idx.lastIndex(); i++) {
                    live[(int) (GroupEntryIndex.segmentOf(idx.location(i)) - base)] += idx.length(i);
                }
            }
            if (g.hardStateSegment >= base) {
                live[(int) (g.hardStateSegment - base)] += HARD_STATE_RECORD_BYTES;
            }
            if (g.snapshotMarkerSegment >= base) {
                live[(int) (g.snapshotMarkerSegment - base)] += SNAPSHOT_RECORD_BYTES;
            }
        }
        return live;
    }

    // ------------------------------------------------------------------ writes (under lock)

    /** Appends entries (contiguous, non-empty) of g as records of {@code kind}, updating g's index. */
    void writeEntries(SharedGroupLog g, byte kind, List<Entry> ents) {
        try {
            int n = ents.size();
            int i = 0;
            while (i < n) {
                int body = SharedLogFormat.ENTRIES_PREFIX_BYTES;
                int j = i;
                do {
                    body = Math.addExact(body, SharedLogFormat.ENTRY_PREFIX_BYTES + ents.get(j).data().length);
                    j++;
                } while (j < n && body + SharedLogFormat.ENTRY_PREFIX_BYTES + ents.get(j).data().length <= options.maxRecordBytes());
                if (body > SharedLogFormat.MAX_RECORD_BYTES) {
                    throw new IllegalArgumentException("entry " + ents.get(i).index() + " of group " + g.groupId
                            + " is too large for the log: " + body + " bytes, limit " + SharedLogFormat.MAX_RECORD_BYTES);
                }
                ByteBuffer b = startRecord(SharedLogFormat.RECORD_HEADER_BYTES + body);
                Segment a = segments.getLast();
                int at = b.position();
                long off = (b == tail ? a.size + at : a.size) + SharedLogFormat.RECORD_HEADER_BYTES + SharedLogFormat.ENTRIES_PREFIX_BYTES;
                b.putInt(body).putInt(0).put(kind).putLong(g.groupId).putLong(ents.get(i).index()).putInt(j - i);
                for (int k = i; k < j; k++) {
                    Entry e = ents.get(k);
                    int len = SharedLogFormat.ENTRY_PREFIX_BYTES + e.data().length;
                    b.putLong(e.term()).put((byte) e.type().ordinal()).putInt(e.data().length).put(e.data());
                    long loc = GroupEntryIndex.location(a.seq, off);
                    if (kind == SharedLogFormat.REWRITE) {
                        g.index.relocate(e.index(), loc);
                    } else {
                        g.index.put(e.index(), e.term(), loc, len);
                    }
                    off += len;
                }
                finishRecord(b, at);
                i = j;
            }
        } catch (IOException e) {
            throw fail("appending to group " + g.groupId, e);
        }
    }

    void writeHardState(SharedGroupLog g, HardState hs) {
        try {
            ByteBuffer b = startRecord(HARD_STATE_RECORD_BYTES);
            int at = b.position();
            b.putInt(SharedLogFormat.HARD_STATE_BODY_BYTES).putInt(0).put(SharedLogFormat.HARD_STATE).putLong(g.groupId)
                    .putLong(hs.term()).putLong(hs.vote()).putLong(hs.commit());
            finishRecord(b, at);
            g.hardStateSegment = segments.getLast().seq;
        } catch (IOException e) {
            throw fail("writing the hard state of group " + g.groupId, e);
        }
    }

    void writeSnapshotMarker(SharedGroupLog g, long index, long term, boolean installed) {
        try {
            ByteBuffer b = startRecord(SharedLogFormat.RECORD_HEADER_BYTES + SharedLogFormat.SNAPSHOT_BODY_BYTES);
            int at = b.position();
            b.putInt(SharedLogFormat.SNAPSHOT_BODY_BYTES).putInt(0).put(SharedLogFormat.SNAPSHOT).putLong(g.groupId)
                    .putLong(index).putLong(term).put((byte) (installed ? 1 : 0));
            finishRecord(b, at);
            g.snapshotMarkerSegment = segments.getLast().seq;
        } catch (IOException e) {
            throw fail("writing the snapshot marker of group " + g.groupId, e);
        }
    }

    /** Makes room for a record and returns the buffer to encode it in (the tail, or its own). */
    private ByteBuffer startRecord(int recordBytes) throws IOException {
        ensureUsable();
        Segment a = segments.getLast();
        long end = a.size + tail.position();
        if (end + recordBytes > options.segmentBytes() && end > SharedLogFormat.SEGMENT_HEADER_BYTES) {
            roll();
        }
        if (recordBytes > tail.capacity()) {
            flushTail();
            return ByteBuffer.allocate(recordBytes);
        }
        if (tail.remaining() < recordBytes) {
            flushTail();
        }
        return tail;
    }

    private void finishRecord(ByteBuffer b, int at) throws IOException {
        int bodyLength = b.position() - at - SharedLogFormat.RECORD_HEADER_BYTES;
        b.putInt(at + 4, SharedLogFormat.recordCrc(b.array(), at, bodyLength));
        appendedBytes += b.position() - at;
        if (b != tail) {
            b.flip();
            Segment a = segments.getLast();
            try {
                while (b.hasRemaining()) {
                    a.size += a.channel.write(b, a.size);
                }
            } catch (IOException e) {
                throw fail("writing to " + a.path, e);
            }
            a.unsynced = true;
        }
    }

    private void flushTail() {
        if (tail.position() == 0) {
            return;
        }
        Segment a = segments.getLast();
        tail.flip();
        try {
            while (tail.hasRemaining()) {
                a.size += a.channel.write(tail, a.size);
            }
        } catch (IOException e) {
            // part of the tail may be in the file: nothing may be appended after it
            throw fail("writing to " + a.path, e);
        }
        tail.clear();
        a.unsynced = true;
    }

    private void roll() throws IOException {
        flushTail();
        // a sealed segment is durable before its successor exists: replay then never meets a
        // torn record anywhere but in the last segment (one fsync per segment, under the lock)
        Segment old = segments.getLast();
        old.channel.force(false);
        old.unsynced = false;
        fsyncs.incrementAndGet();
        startSegment(old.seq + 1);
        rolledSinceCollection = true;
    }

    private void startSegment(long seq) throws IOException {
        Path p = dir.resolve(SharedLogFormat.segmentName(seq));
        if (Files.exists(p)) {
            throw new IllegalStateException("segment " + p + " already exists");
        }
        Segment s = new Segment(seq, p, true, 0);
        segments.add(s);
        SharedLogFormat.putSegmentHeader(tail, seq);
        appendedBytes += SharedLogFormat.SEGMENT_HEADER_BYTES;
        dirDirty = true;
    }

    // ------------------------------------------------------------------ reads (under lock)

    /** Entries [lo, hi) of g, read back from the segments. */
    List<Entry> readEntries(SharedGroupLog g, long lo, long hi) {
        GroupEntryIndex idx = g.index;
        List<Entry> out = new ArrayList<>((int) (hi - lo));
        try {
            long i = lo;
            while (i < hi) {
                long loc = idx.location(i);
                long seq = GroupEntryIndex.segmentOf(loc);
                long start = GroupEntryIndex.offsetOf(loc);
                long end = start + idx.length(i);
                long j = i + 1;
                while (j < hi && idx.location(j) == GroupEntryIndex.location(seq, end) && end - start < MAX_READ_BYTES) {
                    end += idx.length(j);
                    j++;
                }
                Segment s = segment(seq);
                ByteBuffer b = read(s, start, (int) (end - start));
                for (long k = i; k < j; k++) {
                    int at = b.position();
                    long term = b.getLong();
                    int type = b.get();
                    int len = b.getInt();
                    if (term != idx.term(k) || type < 0 || type >= EntryType.values().length
                            || len != idx.length(k) - SharedLogFormat.ENTRY_PREFIX_BYTES) {
                        throw new CorruptLogException(s.path, start + at, "entry " + k + " of group " + g.groupId
                                + " reads back as term " + term + ", type " + type + ", " + len + " bytes; the index says term "
                                + idx.term(k) + ", " + (idx.length(k) - SharedLogFormat.ENTRY_PREFIX_BYTES) + " bytes");
                    }
                    byte[] data = new byte[len];
                    b.get(data);
                    out.add(new Entry(term, k, EntryType.values()[type], data));
                }
                i = j;
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("reading entries of group " + g.groupId + " from " + dir, e);
        }
    }

    private Segment segment(long seq) {
        int k = (int) (seq - segments.getFirst().seq);
        if (k < 0 || k >= segments.size()) {
            throw new IllegalStateException("segment " + seq + " is gone from " + dir + " but still indexed");
        }
        return segments.get(k);
    }

    private ByteBuffer read(Segment s, long offset, int length) throws IOException {
        if (s == segments.getLast() && offset + length > s.size) {
            flushTail();
        }
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
            int r = s.channel.read(b, offset + b.position());
            if (r < 0) {
                throw new CorruptLogException(s.path, offset + b.position(), "file ends inside an indexed entry");
            }
        }
        return b.flip();
    }

    // ------------------------------------------------------------------ snapshot files

    /** Writes a group's snapshot file durably (tmp, fsync, rename, fsync dir). Not under lock. */
    Path writeSnapshotFile(long groupId, Snapshot s) {
        Path fin = dir.resolve(SharedLogFormat.snapshotName(groupId, s.index()));
        Path tmp = dir.resolve(fin.getFileName() + ".tmp");
        try {
            ByteBuffer b = ByteBuffer.wrap(SnapshotCodec.encode(s));
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(false);
            }
            Files.move(tmp, fin, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            forceDir();
            return fin;
        } catch (IOException e) {
            throw new UncheckedIOException("writing snapshot " + s + " of group " + groupId + " to " + fin, e);
        }
    }

    Snapshot readSnapshotFile(Path p) {
        try {
            return SnapshotCodec.decode(Files.readAllBytes(p), p.toString());
        } catch (IllegalArgumentException e) {
            throw new CorruptLogException(p, 0, e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("reading snapshot " + p, e);
        }
    }

    /** Deletes the group's snapshot files older than {@code keepIndex}. Not under lock. */
    void deleteSnapshotFiles(long groupId, long keepIndex) throws IOException {
        boolean any = false;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                long[] gi = SharedLogFormat.snapshotGroupAndIndex(p.getFileName().toString());
                if (gi != null && gi[0] == groupId && gi[1] < keepIndex) {
                    Files.deleteIfExists(p);
                    any = true;
                }
            }
        }
        if (any) {
            forceDir();
        }
    }

    // ------------------------------------------------------------------ state

    /** fsyncs the directory, counted with the log's fsyncs. */
    void syncDir() throws IOException {
        forceDir();
        fsyncs.incrementAndGet();
    }

    private void forceDir() throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    void ensureUsable() {
        if (closed) {
            throw new IllegalStateException("the shared raft log in " + dir + " is closed");
        }
        if (failure != null) {
            throw failedException();
        }
    }

    private UncheckedIOException failedException() {
        return new UncheckedIOException("the shared raft log in " + dir + " failed earlier and must be reopened",
                failure instanceof IOException io ? io : new IOException(failure));
    }

    /** Marks the store failed for good (a failed write or fsync is never retried). */
    private RuntimeException fail(String what, Throwable e) {
        if (e instanceof CorruptLogException || e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
            return (RuntimeException) e;
        }
        if (failure == null) {
            failure = e instanceof UncheckedIOException u ? u.getCause() : e;
        }
        synchronized (syncMonitor) {
            syncMonitor.notifyAll();
        }
        return new UncheckedIOException(what + " failed in the shared raft log in " + dir + "; it must be reopened",
                e instanceof IOException io ? io : new IOException(e));
    }

    /** For fault-injection tests: the active segment's channel (closing it fails the next write). */
    FileChannel activeChannel() {
        lock.lock();
        try {
            return segments.getLast().channel;
        } finally {
            lock.unlock();
        }
    }
}
