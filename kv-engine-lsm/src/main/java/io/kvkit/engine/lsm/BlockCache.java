package io.kvkit.engine.lsm;

import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * An LRU cache of data blocks that have been checked (and decompressed), shared by every table of
 * an engine: a hit skips the CRC32C check and the LZ4 decompression. Keyed by table number and
 * block offset (table numbers are never reused). Sharded, each shard an access-ordered map under
 * its own lock.
 */
final class BlockCache {
    private static final int SHARDS = 16;
    private final Shard[] shards = new Shard[SHARDS];
    final LongAdder hits = new LongAdder();
    final LongAdder misses = new LongAdder();

    private static final class Shard extends LinkedHashMap<Long, MemorySegment> {
        private static final long serialVersionUID = 1L;
        private final long capacityBytes;
        private long bytes;

        Shard(long capacityBytes) {
            super(1024, 0.75f, true);
            this.capacityBytes = capacityBytes;
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, MemorySegment> eldest) {
            if (bytes > capacityBytes) {
                bytes -= charge(eldest.getValue());
                return true;
            }
            return false;
        }
    }

    BlockCache(long capacityBytes) {
        for (int i = 0; i < SHARDS; i++) {
            shards[i] = new Shard(capacityBytes / SHARDS);
        }
    }

    private static long charge(MemorySegment block) {
        return block.byteSize() + 64;
    }

    static long key(long tableNumber, long blockOffset) {
        return (tableNumber << 32) ^ blockOffset;
    }

    private Shard shard(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return shards[(int) (h >>> 60)];
    }

    MemorySegment get(long key) {
        Shard s = shard(key);
        MemorySegment m;
        synchronized (s) {
            m = s.get(key);
        }
        if (m == null) {
            misses.increment();
        } else {
            hits.increment();
        }
        return m;
    }

    void put(long key, MemorySegment block) {
        Shard s = shard(key);
        synchronized (s) {
            MemorySegment old = s.put(key, block);
            s.bytes += charge(block);
            if (old != null) {
                s.bytes -= charge(old);
            }
        }
    }

    long usedBytes() {
        long n = 0;
        for (Shard s : shards) {
            synchronized (s) {
                n += s.bytes;
            }
        }
        return n;
    }
}
