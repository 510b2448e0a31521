package io.kvkit.raft.storage;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link RaftLogStore} in memory, for tests and simulations: nothing survives the process
 * (file-backed snapshots, when given a directory for them, are files, but the log that names
 * them is gone with the process).
 */
public final class MemoryRaftLogStore implements RaftLogStore {

    private final Map<Long, MemoryRaftLogStorage> logs = new ConcurrentHashMap<>();
    private final FileSnapshotStore fileSnapshots;
    private volatile boolean closed;

    /** A store without file-backed snapshots. */
    public MemoryRaftLogStore() {
        this.fileSnapshots = null;
    }

    /** A store whose groups keep file-backed snapshots in {@code fileSnapshotDir}. */
    public MemoryRaftLogStore(Path fileSnapshotDir) {
        this.fileSnapshots = FileSnapshotStore.open(fileSnapshotDir);
    }

    @Override
    public FileSnapshotStore fileSnapshots() {
        return fileSnapshots;
    }

    @Override
    public RaftLogStorage open(long groupId) {
        ensureOpen();
        return logs.computeIfAbsent(groupId, g -> new MemoryRaftLogStorage());
    }

    @Override
    public Set<Long> groupIds() {
        ensureOpen();
        return Set.copyOf(logs.keySet());
    }

    @Override
    public void delete(long groupId) {
        ensureOpen();
        logs.remove(groupId);
        if (fileSnapshots != null) {
            fileSnapshots.deleteGroup(groupId);
        }
    }

    @Override
    public void sync() {
        ensureOpen();
    }

    @Override
    public void close() {
        closed = true;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the Raft log store is closed");
        }
    }
}
