package io.kvkit.engine.bplustree;

import io.kvkit.engine.api.CorruptionException;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static io.kvkit.engine.bplustree.PageFormat.*;

/**
 * Reads committed pages in place through the mappings: search inside a page, descent from a
 * root, overflow chains. Stateless and shared by every reader thread; a reader only ever reads
 * pages reachable from a {@link Meta} it has pinned, which no writer touches.
 */
final class TreeReader {
    final PageFile file;

    TreeReader(PageFile file) {
        this.file = file;
    }

    /** Checks a page reached from a parent (or the meta): in range, of the expected type and txn. */
    MemorySegment open(int pageNo, long expectedTxn, Meta at) {
        if (pageNo < Meta.FIRST_DATA_PAGE || pageNo >= at.highWater()) {
            throw new CorruptionException(file.path, (long) pageNo << file.pageShift, "page number " + pageNo
                    + " is outside the tree's pages 2.." + (at.highWater() - 1));
        }
        MemorySegment seg = file.chunkOf(pageNo);
        long base = file.offsetInChunk(pageNo);
        long txn = seg.get(U64, base + OFF_TXN);
        if (txn != expectedTxn) {
            throw new CorruptionException(file.path, (long) pageNo << file.pageShift, "page " + pageNo + " was written by txn "
                    + txn + " but its parent expects txn " + expectedTxn + " (stale or misdirected write)");
        }
        int type = seg.get(U8, base + OFF_TYPE);
        if (type != TYPE_BRANCH && type != TYPE_LEAF) {
            throw new CorruptionException(file.path, (long) pageNo << file.pageShift, "page " + pageNo + " is a "
                    + PageFormat.typeName(type) + " page where a tree page was expected");
        }
        return seg;
    }

    static boolean isLeaf(MemorySegment seg, long base) {
        return seg.get(U8, base + OFF_TYPE) == TYPE_LEAF;
    }

    static int count(MemorySegment seg, long base) {
        return seg.get(U16, base + OFF_COUNT) & 0xFFFF;
    }

    static long cell(MemorySegment seg, long base, int i) {
        return base + (seg.get(U16, base + HEADER_BYTES + 2L * i) & 0xFFFF);
    }

    static long keyStart(MemorySegment seg, long cell, boolean leaf) {
        int flags = seg.get(U8, cell + 2);
        if (leaf) {
            return cell + LEAF_CELL_FIXED + ((flags & FLAG_KEY_OVERFLOW) != 0 ? 8 : 0) + ((flags & FLAG_VALUE_OVERFLOW) != 0 ? 4 : 0);
        }
        return cell + BRANCH_CELL_FIXED + ((flags & FLAG_KEY_OVERFLOW) != 0 ? 8 : 0);
    }

    /** Sign of {@code key - keyOf(cell)} in unsigned byte order. */
    int compare(byte[] key, MemorySegment keySeg, MemorySegment seg, long cell, boolean leaf, Meta at) {
        int inline = seg.get(U16, cell) & 0xFFFF;
        long start = keyStart(seg, cell, leaf);
        int n = Math.min(inline, key.length);
        long mm = MemorySegment.mismatch(keySeg, 0, n, seg, start, start + n);
        if (mm >= 0) {
            return (key[(int) mm] & 0xFF) - (seg.get(U8, start + mm) & 0xFF);
        }
        int flags = seg.get(U8, cell + 2);
        if ((flags & FLAG_KEY_OVERFLOW) == 0) {
            return key.length - inline;
        }
        if (key.length <= inline) {
            return -1; // the stored key is longer than its inline prefix, which equals our whole key
        }
        return Arrays.compareUnsigned(key, key(seg, cell, leaf, at));
    }

    /** Index of the child to follow for {@code key}: the number of separators at or below it. */
    int childIndex(byte[] key, MemorySegment keySeg, MemorySegment seg, long base, Meta at) {
        int lo = 0;
        int hi = count(seg, base);
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (compare(key, keySeg, seg, cell(seg, base, mid), false, at) >= 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Index of the first cell whose key is at or above {@code key}; ~index if equal (found). */
    int lowerBound(byte[] key, MemorySegment keySeg, MemorySegment seg, long base, Meta at) {
        int lo = 0;
        int hi = count(seg, base);
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            int c = compare(key, keySeg, seg, cell(seg, base, mid), true, at);
            if (c > 0) {
                lo = mid + 1;
            } else if (c == 0) {
                return ~mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    static int childPage(MemorySegment seg, long base, int ci) {
        return ci == 0 ? seg.get(U32, base + OFF_A) : seg.get(U32, cell(seg, base, ci - 1) + 3);
    }

    static long childTxn(MemorySegment seg, long base, int ci) {
        return ci == 0 ? seg.get(U64, base + OFF_C) : seg.get(U64, cell(seg, base, ci - 1) + 7);
    }

    byte[] get(Meta at, byte[] key) {
        if (at.root() == 0) {
            return null;
        }
        MemorySegment keySeg = MemorySegment.ofArray(key);
        int page = at.root();
        long txn = at.rootTxn();
        for (int level = 0; ; level++) {
            if (level > at.depth()) {
                throw new CorruptionException(file.path, (long) page << file.pageShift, "tree is deeper than its meta page says ("
                        + at.depth() + ")");
            }
            MemorySegment seg = open(page, txn, at);
            long base = file.offsetInChunk(page);
            if (isLeaf(seg, base)) {
                int i = lowerBound(key, keySeg, seg, base, at);
                return i < 0 ? value(seg, cell(seg, base, ~i), at) : null;
            }
            int ci = childIndex(key, keySeg, seg, base, at);
            page = childPage(seg, base, ci);
            txn = childTxn(seg, base, ci);
        }
    }

    /** The whole key of a cell (reading its overflow chain if it has one). */
    byte[] key(MemorySegment seg, long cell, boolean leaf, Meta at) {
        int inline = seg.get(U16, cell) & 0xFFFF;
        int flags = seg.get(U8, cell + 2);
        long start = keyStart(seg, cell, leaf);
        if ((flags & FLAG_KEY_OVERFLOW) == 0) {
            byte[] k = new byte[inline];
            MemorySegment.copy(seg, U8, start, k, 0, inline);
            return k;
        }
        long lenAt = cell + (leaf ? LEAF_CELL_FIXED : BRANCH_CELL_FIXED);
        return readChain(seg.get(U32, lenAt + 4), seg.get(U32, lenAt), at);
    }

    byte[] value(MemorySegment seg, long cell, Meta at) {
        int flags = seg.get(U8, cell + 2);
        int length = seg.get(U32, cell + 3);
        if ((flags & FLAG_VALUE_OVERFLOW) != 0) {
            long pageAt = cell + LEAF_CELL_FIXED + ((flags & FLAG_KEY_OVERFLOW) != 0 ? 8 : 0);
            return readChain(seg.get(U32, pageAt), length, at);
        }
        int inline = seg.get(U16, cell) & 0xFFFF;
        byte[] v = new byte[length];
        MemorySegment.copy(seg, U8, keyStart(seg, cell, true) + inline, v, 0, length);
        return v;
    }

    /** Reads {@code length} bytes from the overflow chain that starts at {@code head}. */
    byte[] readChain(int head, int length, Meta at) {
        byte[] out = new byte[length];
        int done = 0;
        int page = head;
        int payload = overflowPayload(file.pageSize);
        while (done < length) {
            if (page < Meta.FIRST_DATA_PAGE || page >= at.highWater()) {
                throw new CorruptionException(file.path, (long) page << file.pageShift, "overflow chain points to page " + page
                        + ", outside the tree's pages 2.." + (at.highWater() - 1));
            }
            MemorySegment seg = file.chunkOf(page);
            long base = file.offsetInChunk(page);
            int used = seg.get(U32, base + OFF_B);
            if (seg.get(U8, base + OFF_TYPE) != TYPE_OVERFLOW || used <= 0 || used > payload || used > length - done) {
                throw new CorruptionException(file.path, (long) page << file.pageShift, "page " + page
                        + " is not a valid overflow page of a " + length + "-byte chain");
            }
            MemorySegment.copy(seg, U8, base + HEADER_BYTES, out, done, used);
            done += used;
            page = seg.get(U32, base + OFF_A);
        }
        return out;
    }
}
