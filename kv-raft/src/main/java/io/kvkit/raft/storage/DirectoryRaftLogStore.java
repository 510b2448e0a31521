package io.kvkit.raft.storage;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.Entry;
import io.kvkit.raft.HardState;
import io.kvkit.raft.Snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The baseline {@link RaftLogStore}: one {@link SegmentedRaftLogStorage} per group in
 * {@code dir/group-<id>}. {@link #sync()} fsyncs every group written since its last sync, so N
 * active groups cost N fsyncs per round; {@link SharedRaftLogStore} exists to do better, and this
 * store is what it is measured against. Simple and robust: a corrupt group's directory does not
 * touch the others.
 *
 * <p>Each group's storage sits behind its own monitor, because {@link #sync()} (any thread)
 * reaches into groups that their own threads are writing. Deleting a group renames its
 * directory to {@code group-<id>.deleted} (durably) before removing it, so a crash never leaves
 * half a group; leftovers are removed on open.
 */
public final class DirectoryRaftLogStore implements RaftLogStore {
    private static final String PREFIX = "group-";
    private static final String DELETED_SUFFIX = ".deleted";

    private final Path dir;
    /** File-backed snapshots of the groups, in {@code <dir>/file-snapshots}. */
    private final FileSnapshotStore fileSnapshots;
    static final String FILE_SNAPSHOTS_DIR = "file-snapshots";
    private final long segmentBytes;
    private final ConcurrentHashMap<Long, GroupLog> groups = new ConcurrentHashMap<>();
    private final AtomicLong fsyncs = new AtomicLong();
    private final List<String> recovery = Collections.synchronizedList(new ArrayList<>());
    private volatile Throwable failure;
    private volatile boolean closed;

    /**
     * Opens (or creates) the store in {@code dir}, opening every group's log.
     *
     * @param segmentBytes segment size of each group's log (&gt;= 4 KiB)
     */
    public static DirectoryRaftLogStore open(Path dir, long segmentBytes) {
        try {
            Files.createDirectories(dir);
            return new DirectoryRaftLogStore(dir, segmentBytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the raft log store in " + dir, e);
        }
    }

    private DirectoryRaftLogStore(Path dir, long segmentBytes) throws IOException {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.fileSnapshots = FileSnapshotStore.open(dir.resolve(FILE_SNAPSHOTS_DIR));
        List<Path> children;
        try (Stream<Path> s = Files.list(dir)) {
            children = s.sorted().toList();
        }
        for (Path p : children) {
            String n = p.getFileName().toString();
            if (n.startsWith(PREFIX) && n.endsWith(DELETED_SUFFIX)) {
                deleteTree(p);
                recovery.add("removed " + n + " (a deletion interrupted by a crash)");
            } else if (n.startsWith(PREFIX) && Files.isDirectory(p)) {
                long id;
                try {
                    id = Long.parseLong(n.substring(PREFIX.length()));
                } catch (NumberFormatException e) {
                    continue;
                }
                SegmentedRaftLogStorage s = SegmentedRaftLogStorage.open(p, segmentBytes);
                for (String r : s.recoveryReport()) {
                    recovery.add("group " + id + ": " + r);
                }
                groups.put(id, new GroupLog(id, s));
            }
        }
    }

    /** What recovery did in every group's log on open. */
    public List<String> recoveryReport() {
        return List.copyOf(recovery);
    }

    /** Syncs issued to group logs since open (each is at least one fsync). */
    public long fsyncCount() {
        return fsyncs.get();
    }

    @Override
    public RaftLogStorage open(long groupId) {
        if (groupId < 0) {
            throw new IllegalArgumentException("group ids must be >= 0, got " + groupId);
        }
        ensureUsable();
        return groups.computeIfAbsent(groupId, id -> {
            try {
                SegmentedRaftLogStorage s = SegmentedRaftLogStorage.open(dir.resolve(PREFIX + id), segmentBytes);
                syncDir(); // the new group directory's name
                return new GroupLog(id, s);
            } catch (IOException e) {
                throw new UncheckedIOException("creating the log of group " + id + " in " + dir, e);
            }
        });
    }

    @Override
    public Set<Long> groupIds() {
        ensureUsable();
        return Set.copyOf(groups.keySet());
    }

    @Override
    public void delete(long groupId) {
        ensureUsable();
        GroupLog g = groups.remove(groupId);
        if (g == null) {
            return;
        }
        synchronized (g) {
            g.deleted = true;
            g.storage.close();
        }
        try {
            Path from = dir.resolve(PREFIX + groupId);
            Path gone = dir.resolve(PREFIX + groupId + DELETED_SUFFIX);
            Files.move(from, gone, StandardCopyOption.ATOMIC_MOVE);
            syncDir();
            deleteTree(gone);
            fileSnapshots.deleteGroup(groupId);
        } catch (IOException e) {
            throw new UncheckedIOException("deleting the log of group " + groupId + " in " + dir, e);
        }
    }

    @Override
    public FileSnapshotStore fileSnapshots() {
        return fileSnapshots;
    }

    @Override
    public void sync() {
        ensureUsable();
        try {
            for (GroupLog g : groups.values()) {
                g.syncIfDirty();
            }
        } catch (RuntimeException e) {
            if (failure == null) {
                failure = e;
            }
            throw e;
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (GroupLog g : groups.values()) {
            synchronized (g) {
                if (!g.deleted && failure == null) {
                    g.storage.close();
                }
            }
        }
    }

    private void ensureUsable() {
        if (closed) {
            throw new IllegalStateException("the raft log store in " + dir + " is closed");
        }
        if (failure != null) {
            throw new IllegalStateException("the raft log store in " + dir + " failed a sync and must be reopened", failure);
        }
    }

    private void syncDir() throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    /** One group's log behind its monitor, with the flag that says it needs an fsync. */
    private final class GroupLog implements RaftLogStorage {
        private final long id;
        private final SegmentedRaftLogStorage storage;
        private boolean dirty;
        private boolean deleted;

        GroupLog(long id, SegmentedRaftLogStorage storage) {
            this.id = id;
            this.storage = storage;
        }

        synchronized void syncIfDirty() {
            // checked and synced under the monitor: a concurrent caller that finds the flag
            // clear waits here until the fsync that cleared it is done
            if (dirty && !deleted) {
                dirty = false;
                storage.sync();
                fsyncs.incrementAndGet();
            }
        }

        private void live() {
            ensureUsable();
            if (deleted) {
                throw new IllegalStateException("the log of group " + id + " was deleted");
            }
        }

        @Override
        public synchronized InitialState initialState() {
            live();
            return storage.initialState();
        }

        @Override
        public synchronized List<Entry> entries(long lo, long hi, long maxBytes) {
            live();
            return storage.entries(lo, hi, maxBytes);
        }

        @Override
        public synchronized long term(long index) {
            live();
            return storage.term(index);
        }

        @Override
        public synchronized long firstIndex() {
            live();
            return storage.firstIndex();
        }

        @Override
        public synchronized long lastIndex() {
            live();
            return storage.lastIndex();
        }

        @Override
        public synchronized Snapshot snapshot() {
            live();
            return storage.snapshot();
        }

        @Override
        public synchronized void append(List<Entry> entries) {
            live();
            dirty = true;
            storage.append(entries);
        }

        @Override
        public synchronized void setHardState(HardState hardState) {
            live();
            dirty |= !hardState.equals(storage.hardState());
            storage.setHardState(hardState);
        }

        @Override
        public synchronized void applySnapshot(Snapshot snapshot) {
            live();
            dirty = true;
            storage.applySnapshot(snapshot);
        }

        @Override
        public synchronized Snapshot createSnapshot(long index, ConfState confState, byte[] data) {
            live();
            dirty = true;
            return storage.createSnapshot(index, confState, data);
        }

        @Override
        public void sync() {
            DirectoryRaftLogStore.this.sync();
        }

        /** The store owns the files: closing a view does nothing; close the store. */
        @Override
        public void close() {
        }
    }
}
