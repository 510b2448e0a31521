package io.kvkit.engine.bplustree;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.kvkit.engine.bplustree.PageFormat.*;

/**
 * What {@link BPlusTreeEngine#compact} rewrites so that the tree leaves the pages at and above
 * {@code limit}: copy-on-write moves a page to the lowest free page, so re-putting one key of a
 * leaf moves that leaf and its whole path, and re-putting a key moves its value's overflow chain.
 * The keys come in ascending order, the order a write transaction handles best. Separator keys
 * long enough to have a chain of their own in a branch are not moved (they are rare); their
 * pages are counted, and the file cannot shrink below them.
 *
 * <p>A plan fits a budget: the free pages below the limit. Every page a move writes (the leaf,
 * each ancestor the first time the transaction copies it, a whole rewritten chain) takes one, so
 * a round never has to grow the file to move its tail; what does not fit waits for the next
 * round, when the pages this one frees have become reusable.
 */
final class TailRelocation {

    /**
     * @param keys        keys to re-put with their current values, ascending
     * @param pagesAbove  reachable pages at or above the limit before the move
     * @param stuckPages  of those, pages this plan cannot move (branch key chains)
     */
    record Plan(List<byte[]> keys, int pagesAbove, int stuckPages) {
    }

    private final PageFile file;
    private final TreeReader reader;
    private final Meta tree;
    private final int limit;
    private final List<byte[]> keys = new ArrayList<>();
    /** Whether the branch on the current path at each level is already copied by the plan. */
    private final boolean[] copied;
    private long budget;
    private int pagesAbove;
    private int stuck;

    private TailRelocation(PageFile file, TreeReader reader, Meta tree, int limit, long budget) {
        this.file = file;
        this.reader = reader;
        this.tree = tree;
        this.limit = limit;
        this.budget = budget;
        this.copied = new boolean[Math.max(1, tree.depth())];
    }

    /** @param budget free pages the moves may take (those below {@code limit}) */
    static Plan plan(PageFile file, TreeReader reader, Meta tree, int limit, long budget) {
        TailRelocation r = new TailRelocation(file, reader, tree, limit, budget);
        if (tree.root() != 0) {
            r.visit(tree.root(), tree.rootTxn(), 0, false);
        }
        return new Plan(r.keys, r.pagesAbove, r.stuck);
    }

    /**
     * Takes the pages a re-put costs from the budget (its chain; the leaf and every ancestor the
     * plan has not copied yet), or returns false if they do not fit.
     */
    private boolean fits(int level, boolean leafCopied, int chainPages) {
        int cost = chainPages;
        if (!leafCopied) {
            cost++;
            for (int l = 0; l < level; l++) {
                if (!copied[l]) {
                    cost++;
                }
            }
        }
        if (cost > budget) {
            return false;
        }
        budget -= cost;
        Arrays.fill(copied, 0, level, true);
        return true;
    }

    private void visit(int page, long txn, int level, boolean pathAbove) {
        boolean above = page >= limit;
        if (above) {
            pagesAbove++;
        }
        MemorySegment seg = reader.open(page, txn, tree);
        long base = file.offsetInChunk(page);
        boolean leaf = TreeReader.isLeaf(seg, base);
        int count = TreeReader.count(seg, base);
        if (leaf) {
            boolean leafMoves = above || pathAbove; // one re-put key moves the leaf and its path
            boolean leafCopied = false;
            for (int i = 0; i < count; i++) {
                long cell = TreeReader.cell(seg, base, i);
                int flags = seg.get(U8, cell + 2);
                if ((flags & FLAG_KEY_OVERFLOW) != 0) {
                    long lenAt = cell + LEAF_CELL_FIXED; // a long key keeps its chain on a re-put
                    int n = countAbove(seg.get(U32, lenAt + 4), seg.get(U32, lenAt));
                    pagesAbove += n;
                    stuck += n;
                }
                int chainPages = 0;
                boolean chainMoves = false;
                if ((flags & FLAG_VALUE_OVERFLOW) != 0) { // a re-put writes the value's chain anew
                    long at = cell + LEAF_CELL_FIXED + ((flags & FLAG_KEY_OVERFLOW) != 0 ? 8 : 0);
                    int n = countAbove(seg.get(U32, at), seg.get(U32, cell + 3));
                    pagesAbove += n;
                    chainMoves = n > 0;
                    chainPages = WriteTransaction.chainPages(seg.get(U32, cell + 3), file.pageSize);
                }
                boolean needed = chainMoves || (leafMoves && !leafCopied);
                if (needed && fits(level, leafCopied, chainMoves ? chainPages : 0)) {
                    keys.add(reader.key(seg, cell, true, tree));
                    leafCopied = true;
                }
            }
            return;
        }
        Arrays.fill(copied, level, copied.length, false); // a new branch at this level: not copied yet
        for (int i = 0; i < count; i++) {
            long cell = TreeReader.cell(seg, base, i);
            if ((seg.get(U8, cell + 2) & FLAG_KEY_OVERFLOW) != 0) {
                long lenAt = cell + BRANCH_CELL_FIXED;
                int n = countAbove(seg.get(U32, lenAt + 4), seg.get(U32, lenAt));
                pagesAbove += n;
                stuck += n;
            }
        }
        for (int ci = 0; ci <= count; ci++) {
            visit(TreeReader.childPage(seg, base, ci), TreeReader.childTxn(seg, base, ci), level + 1, above || pathAbove);
        }
    }

    /** Pages of an overflow chain at or above the limit. */
    private int countAbove(int head, int length) {
        int n = 0;
        int page = head;
        int remaining = length;
        while (remaining > 0) {
            if (page >= limit) {
                n++;
            }
            MemorySegment seg = file.chunkOf(page);
            long base = file.offsetInChunk(page);
            int used = seg.get(U32, base + OFF_B);
            if (used <= 0) {
                break; // a damaged chain: reading the value reports it with its page number
            }
            remaining -= used;
            page = seg.get(U32, base + OFF_A);
        }
        return n;
    }
}
