package io.kvkit.engine.bplustree;

import io.kvkit.engine.api.CorruptionException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;

import static io.kvkit.engine.bplustree.PageFormat.*;

/**
 * The data file: written with positional writes through the channel (so a stray write through a
 * mapping cannot corrupt the store, PITFALLS #28), read through read-only mappings in chunks of
 * a fixed size that live in one shared arena. Growing the file maps new chunks; existing
 * mappings stay valid for the readers that use them. Closing the arena unmaps everything at once
 * and makes racing readers fail with {@link IllegalStateException}, never crash the JVM.
 *
 * <p>Every page is checked against its checksum the first time this process reads it (a bitmap
 * remembers which pages passed); pages this process writes are marked as checked.
 */
final class PageFile {
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    final Path path;
    final FileChannel channel;
    final int pageSize;
    final int pageShift;
    final int chunkShift;
    final long chunkMask;
    private final Arena arena = Arena.ofShared();
    /** Mapped chunks, read-only; replaced (never shrunk) by the writer when the file grows. */
    volatile MemorySegment[] chunks = new MemorySegment[0];
    private volatile long[] verified = new long[0];
    private final ThreadLocal<byte[]> scratch;
    private long fileLength;
    private ByteBuffer writeBuffer;

    PageFile(Path path, FileChannel channel, int pageSize, long chunkBytes) throws IOException {
        this.path = path;
        this.channel = channel;
        this.pageSize = pageSize;
        this.pageShift = Integer.numberOfTrailingZeros(pageSize);
        this.chunkShift = Long.numberOfTrailingZeros(chunkBytes);
        this.chunkMask = chunkBytes - 1;
        this.scratch = ThreadLocal.withInitial(() -> new byte[pageSize]);
        this.fileLength = channel.size();
        this.writeBuffer = ByteBuffer.allocateDirect(pageSize * 16);
    }

    long chunkBytes() {
        return chunkMask + 1;
    }

    long fileLength() {
        return fileLength;
    }

    /** Makes pages 0..pages-1 readable through the mappings, growing the file by whole chunks. Writer only. */
    void ensureMapped(int pages) throws IOException {
        long needed = (long) pages << pageShift;
        MemorySegment[] old = chunks;
        long mapped = (long) old.length << chunkShift;
        if (needed <= mapped) {
            return;
        }
        int count = (int) ((needed + chunkMask) >>> chunkShift);
        long newLength = (long) count << chunkShift;
        if (fileLength < newLength) {
            // extends the file (sparse): a read-only mapping must lie inside the file
            channel.write(ByteBuffer.wrap(new byte[1]), newLength - 1);
            fileLength = newLength;
        }
        MemorySegment[] grown = Arrays.copyOf(old, count);
        for (int i = old.length; i < count; i++) {
            grown[i] = channel.map(FileChannel.MapMode.READ_ONLY, (long) i << chunkShift, chunkMask + 1, arena);
        }
        long[] bits = verified;
        int words = (int) (((long) count << (chunkShift - pageShift)) + 63 >>> 6);
        if (bits.length < words) {
            verified = Arrays.copyOf(bits, words);
        }
        chunks = grown;
    }

    /** The mapped chunk holding {@code pageNo}, after checking the page's checksum once. */
    MemorySegment chunkOf(int pageNo) {
        MemorySegment[] c = chunks;
        long pos = (long) pageNo << pageShift;
        int chunk = (int) (pos >>> chunkShift);
        if (chunk >= c.length) {
            throw new CorruptionException(path, pos, "page " + pageNo + " lies beyond the end of the mapped file");
        }
        MemorySegment seg = c[chunk];
        long[] bits = verified;
        if ((bits[pageNo >>> 6] & (1L << pageNo)) == 0) {
            verify(pageNo, seg, pos & chunkMask, bits);
        }
        return seg;
    }

    long offsetInChunk(int pageNo) {
        return ((long) pageNo << pageShift) & chunkMask;
    }

    private void verify(int pageNo, MemorySegment seg, long base, long[] bits) {
        byte[] buf = scratch.get();
        // copy first: the copy is bounds- and liveness-checked, a checksum over a raw address would not be
        MemorySegment.copy(seg, U8, base, buf, 0, pageSize);
        int type = buf[OFF_TYPE];
        int stored = MemorySegment.ofArray(buf).get(U32, OFF_CRC);
        int computed = PageFormat.checksum(pageNo, buf, pageSize);
        if (stored != computed) {
            throw new CorruptionException(path, (long) pageNo << pageShift, "page " + pageNo + " (" + PageFormat.typeName(type)
                    + "): checksum mismatch, stored " + Integer.toHexString(stored) + ", computed " + Integer.toHexString(computed));
        }
        LONGS.getAndBitwiseOr(bits, pageNo >>> 6, 1L << pageNo);
    }

    /** Reads one page into a fresh array, checked against its checksum (recovery and tools). */
    byte[] readChecked(int pageNo) {
        MemorySegment seg = chunkOf(pageNo);
        byte[] out = new byte[pageSize];
        MemorySegment.copy(seg, U8, offsetInChunk(pageNo), out, 0, pageSize);
        return out;
    }

    /**
     * Writes sealed pages at their positions; {@code pages} is sorted ascending. Runs of adjacent
     * pages go out in one system call.
     */
    void writePages(int[] pages, byte[][] contents, int n) throws IOException {
        int i = 0;
        while (i < n) {
            int j = i + 1;
            while (j < n && pages[j] == pages[j - 1] + 1 && (j - i) < 256) {
                j++;
            }
            int bytes = (j - i) * pageSize;
            if (writeBuffer.capacity() < bytes) {
                writeBuffer = ByteBuffer.allocateDirect(bytes);
            }
            ByteBuffer b = writeBuffer.clear();
            for (int k = i; k < j; k++) {
                b.put(contents[k]);
            }
            b.flip();
            writeFully(b, (long) pages[i] << pageShift);
            i = j;
        }
        long[] bits = verified;
        for (int k = 0; k < n; k++) {
            int p = pages[k];
            if ((p >>> 6) < bits.length) {
                LONGS.getAndBitwiseOr(bits, p >>> 6, 1L << p);
            }
        }
    }

    void writeAt(byte[] bytes, long position) throws IOException {
        writeFully(ByteBuffer.wrap(bytes), position);
    }

    private void writeFully(ByteBuffer b, long position) throws IOException {
        while (b.hasRemaining()) {
            position += channel.write(b, position);
        }
    }

    byte[] readAt(long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
            int r = channel.read(b, position + b.position());
            if (r < 0) {
                break;
            }
        }
        return Arrays.copyOf(b.array(), b.position());
    }

    /** Tests set this to make every force fail, as a disk does after EIO. */
    volatile IOException forceFailure;

    void force() throws IOException {
        IOException f = forceFailure;
        if (f != null) {
            throw f;
        }
        channel.force(false);
    }

    /**
     * Cuts the file to {@code length} bytes and makes that durable. The mappings stay: the caller
     * guarantees that no reader can reach a page past the new end (a read there would fault),
     * and pages written past it later extend the file again before anyone reads them. Writer only.
     */
    void shrinkTo(long length) throws IOException {
        IOException f = forceFailure;
        if (f != null) {
            throw f;
        }
        channel.truncate(length);
        channel.force(true);
        fileLength = Math.min(fileLength, length);
    }

    /** Unmaps every chunk; readers still running get {@link IllegalStateException}. */
    void unmap() {
        arena.close();
    }
}
