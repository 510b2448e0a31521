package io.kvkit.engine.bplustree;

import java.util.ArrayDeque;
import java.util.BitSet;

/**
 * Which pages the writer may reuse. A page freed by checkpoint transaction T was part of the tree
 * before T, so it stays untouched while a reader pins a tree older than T, and while that tree is
 * the fallback of a meta page write in progress; after that it is reusable. The writer
 * takes the lowest reusable page first, which keeps the file dense and its tail free.
 * Writer-thread only.
 */
final class FreeSpace {
    private record Freed(long txn, int[] pages) {
    }

    private final BitSet reusable = new BitSet();
    private final ArrayDeque<Freed> pending = new ArrayDeque<>();
    private int searchFrom;
    private int reusableCount;
    private long pendingCount;
    private int highWater;

    FreeSpace(int highWater) {
        this.highWater = highWater;
    }

    int highWater() {
        return highWater;
    }

    int reusableCount() {
        return reusableCount;
    }

    long pendingCount() {
        return pendingCount;
    }

    /** The txn of the oldest commit whose freed pages still wait, or Long.MAX_VALUE. */
    long oldestPendingTxn() {
        Freed f = pending.peekFirst();
        return f == null ? Long.MAX_VALUE : f.txn;
    }

    /** A page for the writer: the lowest reusable one, else a new one at the end of the file. */
    int allocate() {
        if (reusableCount > 0) {
            int p = reusable.nextSetBit(searchFrom);
            reusable.clear(p);
            reusableCount--;
            searchFrom = p + 1;
            return p;
        }
        return highWater++;
    }

    /** Returns a page nobody can see (allocated by the running transaction) for immediate reuse. */
    void release(int page) {
        if (!reusable.get(page)) {
            reusable.set(page);
            reusableCount++;
            searchFrom = Math.min(searchFrom, page);
        }
    }

    /** Records the pages commit {@code txn} freed; they wait until {@link #reclaim} lets them go. */
    void freedBy(long txn, int[] pages) {
        if (pages.length > 0) {
            pending.addLast(new Freed(txn, pages));
            pendingCount += pages.length;
        }
    }

    /** Makes the pages freed by commits up to {@code txn} reusable. */
    void reclaim(long txn) {
        while (!pending.isEmpty() && pending.peekFirst().txn <= txn) {
            Freed f = pending.removeFirst();
            pendingCount -= f.pages.length;
            for (int p : f.pages) {
                release(p);
            }
        }
    }

    /** Reusable pages below page {@code limit}. */
    long reusableBelow(int limit) {
        return reusable.get(0, limit).cardinality();
    }

    /**
     * Lowers the high-water mark past the reusable pages at the top of the file (after a compaction
     * moved the tree out of them) and returns the new mark. Pages still waiting for readers stay.
     */
    int shrink() {
        while (highWater > Meta.FIRST_DATA_PAGE && reusable.get(highWater - 1)) {
            reusable.clear(highWater - 1);
            reusableCount--;
            highWater--;
        }
        searchFrom = Math.min(searchFrom, highWater);
        return highWater;
    }

    boolean isReusable(int page) {
        return reusable.get(page);
    }
}
