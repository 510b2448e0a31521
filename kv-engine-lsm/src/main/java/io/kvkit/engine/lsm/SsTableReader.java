package io.kvkit.engine.lsm;

import io.kvkit.engine.api.CorruptionException;
import io.kvkit.engine.api.StorageIOException;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.CRC32C;

/**
 * Reads one SSTable through a read-only mapping in its own shared arena.
 *
 * <pre>
 * file    = dataBlock* filterBlock? indexBlock footer
 * block   = contents | u8 type (0 raw, 1 LZ4) | u32 crc32c(contents, type)
 *           (LZ4 contents = varint rawLength | LZ4 block)
 * index   = a raw block (restart interval 1) with one entry per data block:
 *           key = the block's last user key, sequence = its sequence,
 *           value = varint blockOffset | varint contentsSize
 * footer  = u64 indexOffset | u32 indexSize | u64 filterOffset | u32 filterSize (0: none)
 *           | u64 entryCount | u32 formatVersion | u32 crc32c(previous 36 bytes) | u64 magic
 * </pre>
 * All integers little-endian. The mapping is read-only, so a stray write through it throws.
 * Readers that race with the final release of the table get an {@link IllegalStateException}
 * from the closed arena (never a crash); the engine turns that into a retry or a closed error.
 */
final class SsTableReader {
    private static final LZ4SafeDecompressor LZ4 = LZ4Factory.safeInstance().safeDecompressor();
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[8 << 10]);

    private final Path path;
    private final long number;
    private final Arena arena;
    private final MemorySegment file;
    private final MemorySegment index;
    private final MemorySegment filter;
    private final long entryCount;
    private final boolean verifyChecksums;
    private final AtomicInteger refs = new AtomicInteger(1);
    private volatile boolean obsolete;
    private final TableStats stats;
    private final BlockCache cache;

    /** Read counters shared by every table of an engine. */
    static final class TableStats {
        final LongAdder bloomChecks = new LongAdder();
        final LongAdder bloomNegatives = new LongAdder();
        final LongAdder bloomFalsePositives = new LongAdder();
        final LongAdder blockReads = new LongAdder();
        final LongAdder tableProbes = new LongAdder();
    }

    private SsTableReader(Path path, long number, Arena arena, MemorySegment file, boolean verifyChecksums, TableStats stats,
                          BlockCache cache) {
        this.cache = cache;
        this.path = path;
        this.number = number;
        this.arena = arena;
        this.file = file;
        this.verifyChecksums = verifyChecksums;
        this.stats = stats;
        long size = file.byteSize();
        if (size < SsTableWriter.FOOTER_BYTES) {
            throw new CorruptionException(path, 0, "file of " + size + " bytes is shorter than the " + SsTableWriter.FOOTER_BYTES
                    + "-byte footer");
        }
        long f = size - SsTableWriter.FOOTER_BYTES;
        long magic = file.get(Bits.SEG_LONG_LE, f + 40);
        if (magic != SsTableWriter.MAGIC) {
            throw new CorruptionException(path, f + 40, "bad magic 0x" + Long.toHexString(magic) + " (not an SSTable, or truncated)");
        }
        CRC32C crc = new CRC32C();
        crc.update(file.asSlice(f, 36).asByteBuffer());
        if ((int) crc.getValue() != file.get(Bits.SEG_INT_LE, f + 36)) {
            throw new CorruptionException(path, f, "footer checksum mismatch");
        }
        int version = file.get(Bits.SEG_INT_LE, f + 32);
        if (version != SsTableWriter.FORMAT_VERSION) {
            throw new CorruptionException(path, f + 32, "format version " + version + " is not supported (this build reads "
                    + SsTableWriter.FORMAT_VERSION + ")");
        }
        long indexOffset = file.get(Bits.SEG_LONG_LE, f);
        int indexSize = file.get(Bits.SEG_INT_LE, f + 8);
        long filterOffset = file.get(Bits.SEG_LONG_LE, f + 12);
        int filterSize = file.get(Bits.SEG_INT_LE, f + 20);
        this.entryCount = file.get(Bits.SEG_LONG_LE, f + 24);
        this.index = readBlock(indexOffset, indexSize, true);
        this.filter = filterSize == 0 ? null : readBlock(filterOffset, filterSize, true);
        try {
            new BlockIterator(index).seekToFirst();
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new CorruptionException(path, indexOffset, "malformed index block: " + e.getMessage(), e);
        }
    }

    /** Maps and checks the footer, index and filter of an SSTable. */
    static SsTableReader open(Path path, long number, boolean verifyChecksums, TableStats stats, BlockCache cache) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            return new SsTableReader(path, number, arena, seg, verifyChecksums, stats, cache);
        } catch (IOException e) {
            ResourceCloser.closeArena(arena);
            throw new StorageIOException("cannot open SSTable " + path, e);
        } catch (RuntimeException e) {
            ResourceCloser.closeArena(arena);
            throw e;
        }
    }

    Path path() {
        return path;
    }

    long number() {
        return number;
    }

    long entryCount() {
        return entryCount;
    }

    long fileSize() {
        return file.byteSize();
    }

    // ---- lifetime ----

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

    void ref() {
        if (!tryRef()) {
            throw new IllegalStateException("SSTable " + path + " already released");
        }
    }

    /** Marks the file for deletion once the last reference is gone. */
    void markObsolete() {
        obsolete = true;
    }

    void unref() {
        int r = refs.decrementAndGet();
        if (r == 0) {
            ResourceCloser.closeArena(arena);
            if (obsolete) {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException ignored) {
                    // an unreferenced file is deleted at the next open
                }
            }
        } else if (r < 0) {
            throw new IllegalStateException("SSTable " + path + " released more often than referenced");
        }
    }

    // ---- blocks ----

    /**
     * A data block through the cache: a hit is a block that was checked (and decompressed) when
     * it was loaded. Raw blocks are cached as slices of the mapping (no copy); they stay valid
     * while the reader holds a reference to this table.
     */
    MemorySegment dataBlock(long offset, int size, boolean verify) {
        if (cache == null || verify) {
            return readBlock(offset, size, verify);
        }
        long key = BlockCache.key(number, offset);
        MemorySegment b = cache.get(key);
        if (b == null) {
            b = readBlock(offset, size, true);
            cache.put(key, b);
        }
        return b;
    }

    /** The contents of the block at {@code offset}, checked and decompressed as needed. */
    MemorySegment readBlock(long offset, int size, boolean verify) {
        if (offset < 0 || size < 0 || offset + size + SsTableWriter.BLOCK_TRAILER_BYTES > file.byteSize() - SsTableWriter.FOOTER_BYTES) {
            throw new CorruptionException(path, offset, "block handle (offset " + offset + ", size " + size
                    + ") points outside the file of " + file.byteSize() + " bytes");
        }
        stats.blockReads.increment();
        byte type = file.get(ValueLayout.JAVA_BYTE, offset + size);
        boolean check = verify || verifyChecksums;
        if (type == SsTableWriter.TYPE_RAW && !check) {
            return file.asSlice(offset, size);
        }
        if (type != SsTableWriter.TYPE_RAW && type != SsTableWriter.TYPE_LZ4) {
            throw new CorruptionException(path, offset, "unknown block type " + type);
        }
        // one copy to the heap: array CRC32C and array LZ4 are much faster than their ByteBuffer forms
        byte[] scratch = SCRATCH.get();
        if (scratch.length < size) {
            scratch = new byte[Math.max(size, 2 * scratch.length)];
            SCRATCH.set(scratch);
        }
        MemorySegment.copy(file, offset, MemorySegment.ofArray(scratch), 0, size);
        if (check) {
            CRC32C crc = new CRC32C();
            crc.update(scratch, 0, size);
            crc.update(type);
            if ((int) crc.getValue() != file.get(Bits.SEG_INT_LE, offset + size + 1)) {
                throw new CorruptionException(path, offset, "block checksum mismatch");
            }
        }
        if (type == SsTableWriter.TYPE_RAW) {
            return file.asSlice(offset, size);
        }
        try {
            int rawLength = 0;
            int hdr = 0;
            for (int shift = 0; ; shift += 7) {
                if (hdr >= 5 || hdr >= size) {
                    throw new CorruptionException(path, offset, "bad uncompressed length prefix");
                }
                byte b = scratch[hdr++];
                rawLength |= (b & 0x7F) << shift;
                if (b >= 0) {
                    break;
                }
            }
            if (rawLength < 0 || rawLength > (256 << 20)) {
                throw new CorruptionException(path, offset, "implausible uncompressed block length " + rawLength);
            }
            byte[] out = new byte[rawLength];
            int n = LZ4.decompress(scratch, hdr, size - hdr, out, 0, rawLength);
            if (n != rawLength) {
                throw new CorruptionException(path, offset, "block decompressed to " + n + " bytes, expected " + rawLength);
            }
            return MemorySegment.ofArray(out);
        } catch (LZ4Exception | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new CorruptionException(path, offset, "cannot decompress block: " + e.getMessage(), e);
        }
    }

    private CorruptionException malformed(long offset, RuntimeException e) {
        return new CorruptionException(path, offset, "malformed block: " + e.getMessage(), e);
    }

    /** Decodes a block handle from the index iterator's current value. Returns {offset, size}. */
    private long[] handle(BlockIterator it) {
        MemorySegment v = it.valueSegment();
        long r = Varint.getInt(v, 0);
        long lo = r & 0xFFFFFFFFL;
        // offsets above 4 GiB do not occur: targetFileSizeBytes is at most 4 GiB and a block is small
        long r2 = Varint.getInt(v, r >>> 32);
        return new long[] {lo, r2 & 0xFFFFFFFFL};
    }

    // ---- point lookups ----

    /** Whether the bloom filter rules the key out (counting the check). */
    boolean filterExcludes(long keyHash) {
        if (filter == null) {
            return false;
        }
        stats.bloomChecks.increment();
        if (!BloomFilter.mayContain(filter, keyHash)) {
            stats.bloomNegatives.increment();
            return true;
        }
        return false;
    }

    /** The newest version of {@code key} at or below {@code seq} in this table. */
    LookupResult get(byte[] key, long keyHash, long seq) {
        if (filterExcludes(keyHash)) {
            return LookupResult.NOT_FOUND;
        }
        stats.tableProbes.increment();
        long blockOffset = -1;
        try {
            BlockIterator idx = new BlockIterator(index);
            idx.seek(key, seq);
            if (!idx.valid()) {
                countFalsePositive();
                return LookupResult.NOT_FOUND;
            }
            long[] h = handle(idx);
            blockOffset = h[0];
            BlockIterator it = new BlockIterator(dataBlock(h[0], (int) h[1], false));
            it.seek(key, seq);
            if (!it.valid() || !it.keyEquals(key)) {
                // the key may continue in the next block when its versions span two blocks
                if (!it.valid()) {
                    idx.next();
                    if (idx.valid()) {
                        h = handle(idx);
                        blockOffset = h[0];
                        it = new BlockIterator(dataBlock(h[0], (int) h[1], false));
                        it.seek(key, seq);
                    }
                }
                if (!it.valid() || !it.keyEquals(key)) {
                    countFalsePositive();
                    return LookupResult.NOT_FOUND;
                }
            }
            return it.isTombstone() ? LookupResult.DELETED : LookupResult.found(it.value());
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            throw malformed(blockOffset, e);
        }
    }

    private void countFalsePositive() {
        if (filter != null) {
            stats.bloomFalsePositives.increment();
        }
    }

    /** An iterator over every entry; {@code verify} forces checksum checks (compaction). */
    InternalIterator iterator(boolean verify) {
        return new TableIterator(verify);
    }

    private final class TableIterator implements InternalIterator {
        private final boolean verify;
        private final BlockIterator idx = new BlockIterator(index);
        private final BlockIterator block = new BlockIterator();
        private boolean blockLoaded;
        private long blockOffset;

        TableIterator(boolean verify) {
            this.verify = verify;
        }

        private void loadBlock() {
            blockLoaded = false;
            if (!idx.valid()) {
                return;
            }
            long[] h = handle(idx);
            blockOffset = h[0];
            block.reset(dataBlock(h[0], (int) h[1], verify));
            blockLoaded = true;
        }

        private void skipEmptyBlocks() {
            while (blockLoaded && !block.valid()) {
                idx.next();
                loadBlock();
                if (blockLoaded) {
                    block.seekToFirst();
                }
            }
        }

        @Override
        public void seekToFirst() {
            try {
                idx.seekToFirst();
                loadBlock();
                if (blockLoaded) {
                    block.seekToFirst();
                }
                skipEmptyBlocks();
            } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
                throw malformed(blockOffset, e);
            }
        }

        @Override
        public void seek(byte[] key, long seq) {
            try {
                idx.seek(key, seq);
                loadBlock();
                if (blockLoaded) {
                    block.seek(key, seq);
                }
                skipEmptyBlocks();
            } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
                throw malformed(blockOffset, e);
            }
        }

        @Override
        public boolean valid() {
            return blockLoaded && block.valid();
        }

        @Override
        public void next() {
            try {
                block.next();
                skipEmptyBlocks();
            } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
                throw malformed(blockOffset, e);
            }
        }

        @Override
        public byte[] key() {
            return block.key();
        }

        @Override
        public int compareKey(byte[] other) {
            return block.compareKey(other);
        }

        @Override
        public long seq() {
            return block.seq();
        }

        @Override
        public boolean isTombstone() {
            return block.isTombstone();
        }

        @Override
        public byte[] value() {
            try {
                return block.value();
            } catch (IndexOutOfBoundsException e) {
                throw malformed(blockOffset, e);
            }
        }

        @Override
        public void close() {
        }
    }
}
