package io.kvkit.engine.bplustree;

import io.kvkit.engine.api.Bytes;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static io.kvkit.engine.bplustree.PageFormat.*;

/**
 * Checks a committed tree against the B+tree invariants: keys strictly ascending within every
 * page and across leaves, every key inside the bounds its parent's separators give, all leaves
 * at the same depth, no empty page below the root, cells inside their page and clear of the
 * slot array, and the entry and overflow-page counts the meta page records. Throws
 * {@link IllegalStateException} naming the page on the first violation.
 */
final class TreeChecker {
    /** What the check saw. */
    record Report(long entries, int depth, int leaves, int branches, long overflowPages, double averageLeafFill) {
    }

    private final TreeReader reader;
    private final Meta meta;
    private long entries;
    private int leaves;
    private int branches;
    private long overflowPages;
    private long leafBytes;
    private byte[] lastKey;

    TreeChecker(TreeReader reader, Meta meta) {
        this.reader = reader;
        this.meta = meta;
    }

    Report run() {
        if (meta.root() != 0) {
            visit(meta.root(), meta.rootTxn(), 0, null, null);
        } else if (meta.depth() != 0 || meta.entries() != 0) {
            throw new IllegalStateException("empty tree with depth " + meta.depth() + " and " + meta.entries() + " entries");
        }
        if (entries != meta.entries()) {
            throw new IllegalStateException("tree holds " + entries + " keys but its meta page says " + meta.entries());
        }
        if (overflowPages != meta.overflowPages()) {
            throw new IllegalStateException("tree reaches " + overflowPages + " overflow pages but its meta page says "
                    + meta.overflowPages());
        }
        int usable = reader.file.pageSize - HEADER_BYTES;
        return new Report(entries, meta.depth(), leaves, branches, overflowPages,
                leaves == 0 ? 0 : 100.0 * leafBytes / ((double) leaves * usable));
    }

    private void visit(int page, long txn, int level, byte[] low, byte[] high) {
        MemorySegment seg = reader.open(page, txn, meta);
        long base = reader.file.offsetInChunk(page);
        boolean leaf = TreeReader.isLeaf(seg, base);
        int count = TreeReader.count(seg, base);
        int pageSize = reader.file.pageSize;
        if (leaf != (level == meta.depth() - 1)) {
            throw new IllegalStateException("page " + page + ": " + (leaf ? "leaf" : "branch") + " at level " + level + " of depth "
                    + meta.depth());
        }
        if (leaf && count == 0 && level > 0) {
            throw new IllegalStateException("page " + page + ": empty leaf below the root");
        }
        int slotsEnd = HEADER_BYTES + 2 * count;
        byte[] prev = null;
        long used = 0;
        for (int i = 0; i < count; i++) {
            long cell = TreeReader.cell(seg, base, i);
            if (cell - base < slotsEnd || cell - base >= pageSize) {
                throw new IllegalStateException("page " + page + ": cell " + i + " at offset " + (cell - base) + " is outside the cell area");
            }
            byte[] key = reader.key(seg, cell, leaf, meta);
            if (prev != null && Arrays.compareUnsigned(prev, key) >= 0) {
                throw new IllegalStateException("page " + page + ": key " + i + " " + Bytes.toDisplay(key) + " is not above "
                        + Bytes.toDisplay(prev));
            }
            if (low != null && Arrays.compareUnsigned(key, low) < 0 || high != null && Arrays.compareUnsigned(key, high) >= 0) {
                throw new IllegalStateException("page " + page + ": key " + Bytes.toDisplay(key) + " lies outside its parent's bounds");
            }
            int flags = seg.get(U8, cell + 2);
            boolean kovf = (flags & FLAG_KEY_OVERFLOW) != 0;
            if (kovf) {
                overflowPages += WriteTransaction.chainPages(key.length, pageSize);
            }
            if (leaf) {
                boolean vovf = (flags & FLAG_VALUE_OVERFLOW) != 0;
                int vlen = seg.get(U32, cell + 3);
                if (vovf) {
                    overflowPages += WriteTransaction.chainPages(vlen, pageSize);
                }
                used += leafCellBytes(key.length, kovf, vlen, vovf);
                reader.value(seg, cell, meta); // reads and checks any overflow chain
                if (lastKey != null && Arrays.compareUnsigned(lastKey, key) >= 0) {
                    throw new IllegalStateException("page " + page + ": leaf key " + Bytes.toDisplay(key) + " is not above the previous leaf's last key");
                }
                lastKey = key;
                entries++;
            }
            prev = key;
        }
        if (leaf) {
            leaves++;
            leafBytes += used;
            return;
        }
        branches++;
        for (int ci = 0; ci <= count; ci++) {
            byte[] lo = ci == 0 ? low : reader.key(seg, TreeReader.cell(seg, base, ci - 1), false, meta);
            byte[] hi = ci == count ? high : reader.key(seg, TreeReader.cell(seg, base, ci), false, meta);
            visit(TreeReader.childPage(seg, base, ci), TreeReader.childTxn(seg, base, ci), level + 1, lo, hi);
        }
    }
}
