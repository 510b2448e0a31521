package io.kvkit.engine.lsm;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a read needs, installed atomically: the mutable memtable, the immutable ones (newest
 * first), the current version and its open tables (parallel to the version's file lists).
 * Cursors and checkpoints hold a reference so nothing they read is freed; point lookups read
 * without one and retry if a table was released under them.
 */
final class SuperVersion {
    final MemTable mem;
    final List<MemTable> imms;
    final Version version;
    final SsTableReader[][] tables;
    private final AtomicInteger refs = new AtomicInteger(1);

    /** Takes a reference on every component; they must be alive (held by the engine). */
    SuperVersion(MemTable mem, List<MemTable> imms, Version version, SsTableReader[][] tables) {
        this.mem = mem;
        this.imms = List.copyOf(imms);
        this.version = version;
        this.tables = tables;
        if (!mem.tryRef()) {
            throw new IllegalStateException("memtable released");
        }
        for (MemTable m : this.imms) {
            if (!m.tryRef()) {
                throw new IllegalStateException("immutable memtable released");
            }
        }
        for (SsTableReader[] level : tables) {
            for (SsTableReader t : level) {
                t.ref();
            }
        }
    }

    boolean tryRef() {
        while (true) {
            int r = refs.get();
            if (r <= 0) {
                return false;
            }
            if (refs.compareAndSet(r, r + 1)) {
                return true;
            }
        }
    }

    void unref() {
        int r = refs.decrementAndGet();
        if (r == 0) {
            mem.unref();
            for (MemTable m : imms) {
                m.unref();
            }
            for (SsTableReader[] level : tables) {
                for (SsTableReader t : level) {
                    t.unref();
                }
            }
        } else if (r < 0) {
            throw new IllegalStateException("super version released more often than referenced");
        }
    }
}
