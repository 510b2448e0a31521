package io.kvkit.engine.lsm;

import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Writes one SSTable (format in the module README and {@link SsTableReader}). Entries are added
 * in internal order; {@link #finish()} writes the filter, index and footer and fsyncs the file.
 * The caller fsyncs the directory before the manifest refers to the file.
 */
final class SsTableWriter implements AutoCloseable {
    static final long MAGIC = 0x6B766B69746C736DL; // "kvkitlsm" read as a big-endian long
    static final int FORMAT_VERSION = 1;
    static final int FOOTER_BYTES = 48;
    static final int BLOCK_TRAILER_BYTES = 5;
    static final byte TYPE_RAW = 0;
    static final byte TYPE_LZ4 = 1;
    private static final LZ4Compressor LZ4 = LZ4Factory.safeInstance().fastCompressor();

    private final Path path;
    private final long number;
    private final LsmOptions options;
    private final FileSink sink;
    private final BlockBuilder data;
    private final BlockBuilder index = new BlockBuilder(1);
    private final CRC32C crc = new CRC32C();
    private byte[] compressBuf = new byte[0];
    private final byte[] handleBuf = new byte[20];
    private long[] hashes = new long[1024];
    private int hashCount;
    private byte[] lastKey;
    private long lastSeq;
    private byte[] smallestKey;
    private long smallestSeq = Long.MAX_VALUE;
    private long largestSeq = Long.MIN_VALUE;
    private long entries;
    private long tombstones;
    private long rawBytes;
    private boolean finished;

    SsTableWriter(Path path, long number, LsmOptions options) throws IOException {
        this.path = path;
        this.number = number;
        this.options = options;
        this.sink = new FileSink(FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), 256 << 10);
        this.data = new BlockBuilder(options.blockRestartInterval());
    }

    Path path() {
        return path;
    }

    long entries() {
        return entries;
    }

    /** Bytes written so far plus the pending block: what the file would be about now. */
    long estimatedSize() {
        return sink.position() + data.estimatedSize();
    }

    /** Adds an entry; {@code value == null} is a tombstone. Must follow the previous entry in internal order. */
    void add(byte[] key, long seq, byte[] value) throws IOException {
        if (lastKey != null) {
            int c = Arrays.compareUnsigned(lastKey, key);
            if (c > 0 || (c == 0 && seq >= lastSeq)) {
                throw new IllegalStateException("SSTable entries out of order in " + path);
            }
        }
        if (lastKey == null || !Arrays.equals(lastKey, key)) {
            if (hashCount == hashes.length) {
                hashes = Arrays.copyOf(hashes, hashCount * 2);
            }
            hashes[hashCount++] = BloomFilter.hash(key);
        }
        if (smallestKey == null) {
            smallestKey = key.clone();
        }
        data.add(key, seq, value, 0, value == null ? 0 : value.length);
        lastKey = key;
        lastSeq = seq;
        smallestSeq = Math.min(smallestSeq, seq);
        largestSeq = Math.max(largestSeq, seq);
        entries++;
        if (value == null) {
            tombstones++;
        }
        rawBytes += key.length + (value == null ? 0 : value.length);
        if (data.estimatedSize() >= options.blockSizeBytes()) {
            flushDataBlock();
        }
    }

    private void flushDataBlock() throws IOException {
        if (data.isEmpty()) {
            return;
        }
        int len = data.finish();
        long offset = sink.position();
        int size = writeBlock(data.buffer(), len, options.compression() == LsmOptions.Compression.LZ4);
        int hp = Varint.put(handleBuf, 0, offset);
        hp = Varint.put(handleBuf, hp, size);
        index.add(lastKey, lastSeq, handleBuf, 0, hp);
        data.reset();
    }

    /** Writes block contents plus trailer; returns the size of the stored contents (without trailer). */
    private int writeBlock(byte[] raw, int len, boolean compress) throws IOException {
        byte[] out = raw;
        int outLen = len;
        byte type = TYPE_RAW;
        if (compress) {
            int max = 5 + LZ4.maxCompressedLength(len);
            if (compressBuf.length < max) {
                compressBuf = new byte[max];
            }
            int p = Varint.put(compressBuf, 0, len);
            int n = LZ4.compress(raw, 0, len, compressBuf, p, max - p);
            if (p + n < len - len / 8) { // keep it only if it saves at least 12.5%
                out = compressBuf;
                outLen = p + n;
                type = TYPE_LZ4;
            }
        }
        crc.reset();
        crc.update(out, 0, outLen);
        crc.update(type);
        sink.write(out, 0, outLen);
        sink.write(type);
        byte[] t = new byte[4];
        Bits.putIntLE(t, 0, (int) crc.getValue());
        sink.write(t, 0, 4);
        return outLen;
    }

    /** Writes the remaining block, the filter, the index and the footer, and fsyncs. */
    FileMeta finish() throws IOException {
        if (entries == 0) {
            throw new IllegalStateException("an SSTable needs at least one entry");
        }
        flushDataBlock();
        long filterOffset = 0;
        int filterSize = 0;
        if (options.bloomBitsPerKey() > 0) {
            byte[] filter = BloomFilter.build(hashes, hashCount, options.bloomBitsPerKey());
            filterOffset = sink.position();
            filterSize = writeBlock(filter, filter.length, false);
        }
        int indexLen = index.finish();
        long indexOffset = sink.position();
        int indexSize = writeBlock(index.buffer(), indexLen, false);
        byte[] footer = new byte[FOOTER_BYTES];
        Bits.putLongLE(footer, 0, indexOffset);
        Bits.putIntLE(footer, 8, indexSize);
        Bits.putLongLE(footer, 12, filterOffset);
        Bits.putIntLE(footer, 20, filterSize);
        Bits.putLongLE(footer, 24, entries);
        Bits.putIntLE(footer, 32, FORMAT_VERSION);
        crc.reset();
        crc.update(footer, 0, 36);
        Bits.putIntLE(footer, 36, (int) crc.getValue());
        Bits.putLongLE(footer, 40, MAGIC);
        sink.write(footer, 0, FOOTER_BYTES);
        sink.sync();
        sink.close();
        finished = true;
        return new FileMeta(number, sink.position(), smallestKey, lastKey.clone(), smallestSeq, largestSeq, entries, tombstones);
    }

    long rawBytes() {
        return rawBytes;
    }

    /** Closes and deletes an unfinished table. */
    void abandon() {
        try {
            sink.close();
        } catch (IOException ignored) {
            // deleting it anyway
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // an unreferenced file is removed at the next open
        }
    }

    @Override
    public void close() {
        if (!finished) {
            abandon();
        }
    }
}
