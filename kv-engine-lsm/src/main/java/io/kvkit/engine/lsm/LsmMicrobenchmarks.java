package io.kvkit.engine.lsm;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The engine's hot inner structures, reachable from JMH benchmarks in another module
 * ({@code kv-bench}). Not an API for storing data: use {@link io.kvkit.engine.api.StorageEngine}.
 */
public final class LsmMicrobenchmarks {
    private LsmMicrobenchmarks() {
    }

    /** A standalone memtable with its own chunk pool. Single writer; any number of readers. */
    public static final class MemTableHandle implements AutoCloseable {
        private final ChunkPool pool = new ChunkPool(256);
        private final MemTable table = new MemTable(pool, 0, 0);

        /** Inserts a put at sequence {@code seq}. */
        public void put(byte[] key, byte[] value, long seq) {
            table.add(key, value, seq);
        }

        /** The newest value of {@code key} at or below {@code seq}, or null (absent or deleted). */
        public byte[] get(byte[] key, long seq) {
            return table.get(key, seq).value();
        }

        public long usedBytes() {
            return table.usedBytes();
        }

        @Override
        public void close() {
            table.unref();
            pool.close();
        }
    }

    public static MemTableHandle newMemTable() {
        return new MemTableHandle();
    }

    /** One data block, built in memory in the SSTable block format. */
    public static final class BlockHandle {
        private final MemorySegment contents;
        private final BlockIterator it;

        private BlockHandle(MemorySegment contents) {
            this.contents = contents;
            this.it = new BlockIterator(contents);
        }

        /** Seeks to {@code key} (newest version); true if the block holds it. */
        public boolean seek(byte[] key) {
            it.seek(key, Long.MAX_VALUE);
            return it.valid() && it.keyEquals(key);
        }

        public long sizeBytes() {
            return contents.byteSize();
        }
    }

    /** A block holding {@code sortedKeys}, each with {@code value}, at the given restart interval. */
    public static BlockHandle buildBlock(List<byte[]> sortedKeys, byte[] value, int restartInterval) {
        BlockBuilder b = new BlockBuilder(restartInterval);
        long seq = 1;
        for (byte[] k : sortedKeys) {
            b.add(k, seq++, value, 0, value.length);
        }
        int len = b.finish();
        byte[] copy = java.util.Arrays.copyOf(b.buffer(), len);
        return new BlockHandle(MemorySegment.ofArray(copy));
    }
}
