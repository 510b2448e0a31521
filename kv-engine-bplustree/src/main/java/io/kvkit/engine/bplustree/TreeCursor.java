package io.kvkit.engine.bplustree;

import io.kvkit.engine.api.CorruptionException;
import io.kvkit.engine.api.Cursor;
import io.kvkit.engine.api.EngineClosedException;
import io.kvkit.engine.api.KeyRange;

import java.lang.foreign.MemorySegment;

/**
 * An ordered cursor over one committed tree (a pinned {@link Meta}): a stack of (page, index)
 * from the root to the current leaf, moved forward or backward one cell at a time. Keys outside
 * the range end the scan. Reads pages in place; only the key and value handed out are copied.
 */
final class TreeCursor implements Cursor {
    private final BPlusTreeEngine engine;
    private final TreeReader reader;
    private final Meta at;
    private final KeyRange range;
    private final boolean reverse;
    private final int depth;
    private final int[] pages;
    private final long[] txns;
    private final int[] index;
    private Runnable release;
    private MemorySegment leaf;
    private long leafBase;
    private long cell;
    private boolean started;
    private boolean done;
    private byte[] key;
    private byte[] value;

    TreeCursor(BPlusTreeEngine engine, TreeReader reader, Meta at, KeyRange range, boolean reverse, Runnable release) {
        this.engine = engine;
        this.reader = reader;
        this.at = at;
        this.range = range;
        this.reverse = reverse;
        this.depth = at.depth();
        this.pages = new int[Math.max(depth, 1)];
        this.txns = new long[Math.max(depth, 1)];
        this.index = new int[Math.max(depth, 1)];
        this.release = release;
        this.done = at.root() == 0 || range.isEmpty();
    }

    @Override
    public boolean next() {
        if (release == null && !done) {
            throw new EngineClosedException("cursor is closed");
        }
        if (done) {
            return false;
        }
        try {
            boolean found = started ? (reverse ? backward() : forward()) : seek();
            started = true;
            if (!found) {
                finish();
                return false;
            }
            key = reader.key(leaf, cell, true, at);
            value = null;
            if (reverse ? range.isBeforeStart(key) : range.isPastEnd(key)) {
                finish();
                return false;
            }
            return true;
        } catch (IllegalStateException e) {
            throw engine.translateClosed(e);
        }
    }

    @Override
    public byte[] key() {
        if (key == null) {
            throw new IllegalStateException("no current pair: call next() first and check that it returned true");
        }
        return key;
    }

    @Override
    public byte[] value() {
        if (key == null) {
            throw new IllegalStateException("no current pair: call next() first and check that it returned true");
        }
        if (value == null) {
            try {
                value = reader.value(leaf, cell, at);
            } catch (IllegalStateException e) {
                throw engine.translateClosed(e);
            }
        }
        return value;
    }

    @Override
    public void close() {
        done = true;
        Runnable r = release;
        release = null;
        if (r != null) {
            r.run();
        }
    }

    private void finish() {
        done = true;
        key = null;
        leaf = null;
        Runnable r = release;
        if (r != null) {
            release = null;
            r.run();
        }
    }

    private MemorySegment load(int level, int page, long txn) {
        MemorySegment seg = reader.open(page, txn, at);
        long base = reader.file.offsetInChunk(page);
        boolean isLeaf = TreeReader.isLeaf(seg, base);
        if (isLeaf != (level == depth - 1)) {
            throw new CorruptionException(reader.file.path, (long) page << reader.file.pageShift, "page " + page + " is a "
                    + (isLeaf ? "leaf" : "branch") + " at level " + level + " of a tree of depth " + depth);
        }
        pages[level] = page;
        txns[level] = txn;
        if (isLeaf) {
            leaf = seg;
            leafBase = base;
        }
        return seg;
    }

    /** Positions on the first pair of the scan. */
    private boolean seek() {
        byte[] bound = reverse ? range.end() : range.start();
        MemorySegment keySeg = bound == null ? null : MemorySegment.ofArray(bound);
        int page = at.root();
        long txn = at.rootTxn();
        for (int level = 0; level < depth; level++) {
            MemorySegment seg = load(level, page, txn);
            long base = reader.file.offsetInChunk(page);
            int count = TreeReader.count(seg, base);
            if (level == depth - 1) {
                if (bound == null) {
                    index[level] = reverse ? count - 1 : 0;
                } else {
                    int i = reader.lowerBound(bound, keySeg, seg, base, at);
                    int first = i < 0 ? ~i : i; // first key >= bound
                    index[level] = reverse ? first - 1 : first;
                }
            } else {
                int ci = bound == null ? (reverse ? count : 0) : reader.childIndex(bound, keySeg, seg, base, at);
                index[level] = ci;
                page = TreeReader.childPage(seg, base, ci);
                txn = TreeReader.childTxn(seg, base, ci);
            }
        }
        return reverse ? backward() : forward();
    }

    private boolean forward() {
        int leafLevel = depth - 1;
        while (true) {
            int i = index[leafLevel];
            if (i < TreeReader.count(leaf, leafBase)) {
                cell = TreeReader.cell(leaf, leafBase, i);
                index[leafLevel] = i + 1;
                return true;
            }
            int level = leafLevel - 1;
            while (level >= 0) {
                MemorySegment seg = reader.file.chunkOf(pages[level]);
                long base = reader.file.offsetInChunk(pages[level]);
                if (index[level] < TreeReader.count(seg, base)) {
                    index[level]++;
                    break;
                }
                level--;
            }
            if (level < 0) {
                return false;
            }
            for (int l = level; l < leafLevel; l++) {
                MemorySegment seg = reader.file.chunkOf(pages[l]);
                long base = reader.file.offsetInChunk(pages[l]);
                int ci = index[l];
                load(l + 1, TreeReader.childPage(seg, base, ci), TreeReader.childTxn(seg, base, ci));
                index[l + 1] = 0;
            }
        }
    }

    private boolean backward() {
        int leafLevel = depth - 1;
        while (true) {
            int i = index[leafLevel];
            if (i >= 0 && i < TreeReader.count(leaf, leafBase)) {
                cell = TreeReader.cell(leaf, leafBase, i);
                index[leafLevel] = i - 1;
                return true;
            }
            int level = leafLevel - 1;
            while (level >= 0) {
                if (index[level] > 0) {
                    index[level]--;
                    break;
                }
                level--;
            }
            if (level < 0) {
                return false;
            }
            for (int l = level; l < leafLevel; l++) {
                MemorySegment seg = reader.file.chunkOf(pages[l]);
                long base = reader.file.offsetInChunk(pages[l]);
                int ci = index[l];
                MemorySegment child = load(l + 1, TreeReader.childPage(seg, base, ci), TreeReader.childTxn(seg, base, ci));
                int count = TreeReader.count(child, reader.file.offsetInChunk(pages[l + 1]));
                index[l + 1] = (l + 1 == leafLevel) ? count - 1 : count;
            }
        }
    }
}
