package io.kvkit.raft.storage;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link RaftLogStore} in memory, for tests and simulations: nothing survives the process. */
public final class MemoryRaftLogStore implements RaftLogStore {

    private final Map<Long, MemoryRaftLogStorage> logs = new ConcurrentHashMap<>();
    private volatile boolean closed;

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
