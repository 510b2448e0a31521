package io.kvkit.engine.bplustree;

import java.util.ArrayList;
import java.util.Arrays;

/**
 * A tree page being rewritten by the writer, decoded into Java objects: a leaf holds keys and
 * values (inline arrays or {@link Chain}s), a branch holds separator keys and count + 1 child
 * pointers. Encoded back into a page at commit. Writer-thread only.
 */
final class Node {
    /** An overflow chain: its first page and the bytes it holds. */
    record Chain(int head, int length) {
    }

    final boolean leaf;
    int page;
    final ArrayList<byte[]> keys = new ArrayList<>();
    /** The overflow chain a long key already has, or null (leaf and branch). */
    final ArrayList<Chain> keyChains = new ArrayList<>();
    /** Leaf only: byte[] inline or {@link Chain}. */
    final ArrayList<Object> values;
    /** Branch only: child pages and the txn each child was written by. */
    int[] children;
    long[] childTxns;
    int childCount;
    /** Bytes of cells and slots, the header excluded. */
    int used;

    Node(boolean leaf) {
        this.leaf = leaf;
        this.values = leaf ? new ArrayList<>() : null;
        if (!leaf) {
            children = new int[8];
            childTxns = new long[8];
        }
    }

    int size() {
        return keys.size();
    }

    boolean isEmpty() {
        return leaf ? keys.isEmpty() : childCount == 0;
    }

    /** Leaf: index of {@code key}, or ~insertion point. */
    int search(byte[] key) {
        int lo = 0;
        int hi = keys.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = Arrays.compareUnsigned(keys.get(mid), key);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return ~lo;
    }

    /** Branch: the child to follow for {@code key} (number of separators at or below it). */
    int childIndex(byte[] key) {
        int lo = 0;
        int hi = keys.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Arrays.compareUnsigned(key, keys.get(mid)) >= 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    static int leafEntryBytes(int pageSize, byte[] key, Object value) {
        boolean kovf = PageFormat.leafKeyOverflows(pageSize, key.length);
        if (value instanceof Chain) {
            return PageFormat.leafCellBytes(key.length, kovf, 0, true);
        }
        return PageFormat.leafCellBytes(key.length, kovf, ((byte[]) value).length, false);
    }

    static int branchEntryBytes(int pageSize, byte[] key) {
        return PageFormat.branchCellBytes(key.length, PageFormat.branchKeyOverflows(pageSize, key.length));
    }

    int entryBytes(int pageSize, int i) {
        return leaf ? leafEntryBytes(pageSize, keys.get(i), values.get(i)) : branchEntryBytes(pageSize, keys.get(i));
    }

    void recomputeUsed(int pageSize) {
        int u = 0;
        for (int i = 0; i < keys.size(); i++) {
            u += entryBytes(pageSize, i);
        }
        used = u;
    }

    int child(int i) {
        return children[i];
    }

    long childTxn(int i) {
        return childTxns[i];
    }

    void setChild(int i, int page, long txn) {
        children[i] = page;
        childTxns[i] = txn;
    }

    void insertChild(int i, int page, long txn) {
        if (childCount == children.length) {
            children = Arrays.copyOf(children, childCount * 2);
            childTxns = Arrays.copyOf(childTxns, childCount * 2);
        }
        System.arraycopy(children, i, children, i + 1, childCount - i);
        System.arraycopy(childTxns, i, childTxns, i + 1, childCount - i);
        children[i] = page;
        childTxns[i] = txn;
        childCount++;
    }

    void removeChildAt(int i) {
        System.arraycopy(children, i + 1, children, i, childCount - i - 1);
        System.arraycopy(childTxns, i + 1, childTxns, i, childCount - i - 1);
        childCount--;
    }

    void appendChild(int page, long txn) {
        insertChild(childCount, page, txn);
    }
}
