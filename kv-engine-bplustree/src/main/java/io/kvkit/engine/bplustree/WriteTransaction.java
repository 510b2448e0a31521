package io.kvkit.engine.bplustree;

import io.kvkit.engine.api.CorruptionException;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;

import static io.kvkit.engine.bplustree.PageFormat.*;

/**
 * One write transaction: copy-on-write changes to the tree of a committed {@link Meta}. Every page
 * on the path to a change is copied to a new page (decoded into a {@link Node}); the old page is
 * freed as of this transaction. Pages allocated and freed within the transaction are reused at
 * once. {@link #writePages} encodes and writes the new pages; the caller then writes the meta page.
 * Writer-thread only; a failed transaction leaves the engine halted (the caller's rule).
 */
final class WriteTransaction {
    private final PageFile file;
    private final TreeReader reader;
    private final FreeSpace free;
    private final Meta base;
    final long txn;
    private final int pageSize;
    private final int capacity;

    private int root;
    private long rootTxn;
    private int depth;
    private long entries;
    private long overflowPages;

    private final HashMap<Integer, Node> dirty = new HashMap<>();
    private final HashMap<Integer, byte[]> rawPages = new HashMap<>();
    private final HashSet<Integer> fresh = new HashSet<>();
    private int[] freedCommitted = new int[16];
    private int freedCount;

    /** The leaf the last operation changed: once an operation lands elsewhere, it is written out. */
    private Node lastLeaf;
    private Node[] pathNodes = new Node[16];
    private int[] pathIndex = new int[16];

    WriteTransaction(PageFile file, TreeReader reader, FreeSpace free, Meta base, long txn) {
        this.file = file;
        this.reader = reader;
        this.free = free;
        this.base = base;
        this.txn = txn;
        this.pageSize = file.pageSize;
        this.capacity = pageSize - HEADER_BYTES;
        this.root = base.root();
        this.rootTxn = base.rootTxn();
        this.depth = base.depth();
        this.entries = base.entries();
        this.overflowPages = base.overflowPages();
    }

    boolean isEmpty() {
        return dirty.isEmpty() && rawPages.isEmpty() && freedCount == 0 && root == base.root();
    }

    // ---- pages ----

    private int allocate() {
        int p = free.allocate();
        fresh.add(p);
        return p;
    }

    private void freePage(int page) {
        if (fresh.remove(page)) {
            rawPages.remove(page);
            free.release(page);
        } else {
            if (freedCount == freedCommitted.length) {
                freedCommitted = Arrays.copyOf(freedCommitted, freedCount * 2);
            }
            freedCommitted[freedCount++] = page;
        }
    }

    private void freeNode(Node n) {
        dirty.remove(n.page);
        freePage(n.page);
    }

    /** The node of a page as this transaction sees it, without copying it. */
    private Node peek(int page, long expectedTxn) {
        Node n = dirty.get(page);
        return n != null ? n : decode(page, expectedTxn);
    }

    /** The node of a page, made writable: committed pages are copied to a new page number. */
    private Node touch(int page, long expectedTxn) {
        Node n = dirty.get(page);
        if (n != null) {
            return n;
        }
        n = decode(page, expectedTxn);
        freePage(page);
        n.page = allocate();
        dirty.put(n.page, n);
        return n;
    }

    /** The base tree's meta with this transaction's high-water mark: pages it already wrote are in range. */
    private Meta bounds() {
        int hw = free.highWater();
        return hw == base.highWater() ? base
                : new Meta(base.txn(), base.root(), base.rootTxn(), base.depth(), hw, base.entries(), base.overflowPages(), base.foldedSeq());
    }

    private Node decode(int page, long expectedTxn) {
        Meta at = bounds();
        MemorySegment seg = reader.open(page, expectedTxn, at);
        long b = file.offsetInChunk(page);
        boolean leaf = TreeReader.isLeaf(seg, b);
        int count = TreeReader.count(seg, b);
        if (HEADER_BYTES + 2 * count > pageSize) {
            throw new CorruptionException(file.path, (long) page << file.pageShift, "page " + page + " claims " + count + " cells");
        }
        Node n = new Node(leaf);
        n.page = page;
        if (!leaf) {
            n.appendChild(TreeReader.childPage(seg, b, 0), TreeReader.childTxn(seg, b, 0));
        }
        for (int i = 0; i < count; i++) {
            long cell = TreeReader.cell(seg, b, i);
            int flags = seg.get(U8, cell + 2);
            if ((flags & FLAG_KEY_OVERFLOW) != 0) {
                long lenAt = cell + (leaf ? LEAF_CELL_FIXED : BRANCH_CELL_FIXED);
                Node.Chain kc = new Node.Chain(seg.get(U32, lenAt + 4), seg.get(U32, lenAt));
                // the chain may be one this transaction made and has not written yet (a leaf
                // written early and read back): read it through the transaction
                n.keys.add(readChain(kc));
                n.keyChains.add(kc);
            } else {
                n.keys.add(reader.key(seg, cell, leaf, at));
                n.keyChains.add(null);
            }
            if (leaf) {
                if ((flags & FLAG_VALUE_OVERFLOW) != 0) {
                    long vAt = cell + LEAF_CELL_FIXED + ((flags & FLAG_KEY_OVERFLOW) != 0 ? 8 : 0);
                    n.values.add(new Node.Chain(seg.get(U32, vAt), seg.get(U32, cell + 3)));
                } else {
                    n.values.add(reader.value(seg, cell, at));
                }
            } else {
                n.appendChild(seg.get(U32, cell + 3), seg.get(U64, cell + 7));
            }
        }
        n.recomputeUsed(pageSize);
        return n;
    }

    private Node.Chain writeChain(byte[] data) {
        int payload = overflowPayload(pageSize);
        int n = Math.max(1, (data.length + payload - 1) / payload);
        int[] pages = new int[n];
        for (int i = 0; i < n; i++) {
            pages[i] = allocate();
        }
        for (int i = 0; i < n; i++) {
            rawPages.put(pages[i], overflowPage(data, i, i + 1 < n ? pages[i + 1] : 0, txn, pageSize));
        }
        overflowPages += n;
        return new Node.Chain(pages[0], data.length);
    }

    /** Page {@code i} of the overflow chain of {@code data} (unsealed). */
    static byte[] overflowPage(byte[] data, int i, int next, long txn, int pageSize) {
        int payload = overflowPayload(pageSize);
        byte[] page = new byte[pageSize];
        MemorySegment s = MemorySegment.ofArray(page);
        int from = i * payload;
        int len = Math.min(payload, data.length - from);
        s.set(U8, OFF_TYPE, TYPE_OVERFLOW);
        s.set(U64, OFF_TXN, txn);
        s.set(U32, OFF_A, next);
        s.set(U32, OFF_B, len);
        System.arraycopy(data, from, page, HEADER_BYTES, len);
        return page;
    }

    static int chainPages(int length, int pageSize) {
        int payload = overflowPayload(pageSize);
        return Math.max(1, (length + payload - 1) / payload);
    }

    /** The bytes of a chain, from this transaction's unwritten pages or from the file. */
    private byte[] readChain(Node.Chain chain) {
        byte[] out = new byte[chain.length()];
        int done = 0;
        int page = chain.head();
        while (done < out.length) {
            byte[] raw = rawPages.get(page);
            MemorySegment s;
            long b;
            if (raw != null) {
                s = MemorySegment.ofArray(raw);
                b = 0;
            } else {
                if (page < Meta.FIRST_DATA_PAGE || page >= free.highWater()) {
                    throw new CorruptionException(file.path, (long) page << file.pageShift, "overflow chain points to page " + page);
                }
                s = file.chunkOf(page);
                b = file.offsetInChunk(page);
            }
            int used = s.get(U32, b + OFF_B);
            if (s.get(U8, b + OFF_TYPE) != TYPE_OVERFLOW || used <= 0 || used > out.length - done) {
                throw new CorruptionException(file.path, (long) page << file.pageShift, "page " + page
                        + " is not a valid overflow page of a " + out.length + "-byte chain");
            }
            MemorySegment.copy(s, U8, b + HEADER_BYTES, out, done, used);
            done += used;
            page = s.get(U32, b + OFF_A);
        }
        return out;
    }

    private void freeChain(Node.Chain chain) {
        int page = chain.head();
        int remaining = chain.length();
        int n = 0;
        while (remaining > 0 || n == 0) {
            byte[] raw = rawPages.get(page);
            int next;
            int used;
            if (raw != null) {
                MemorySegment s = MemorySegment.ofArray(raw);
                next = s.get(U32, OFF_A);
                used = s.get(U32, OFF_B);
            } else {
                if (page < Meta.FIRST_DATA_PAGE || page >= free.highWater()) {
                    throw new CorruptionException(file.path, (long) page << file.pageShift, "overflow chain points to page " + page);
                }
                MemorySegment s = file.chunkOf(page);
                long b = file.offsetInChunk(page);
                if (s.get(U8, b + OFF_TYPE) != TYPE_OVERFLOW) {
                    throw new CorruptionException(file.path, (long) page << file.pageShift, "page " + page + " is not an overflow page");
                }
                next = s.get(U32, b + OFF_A);
                used = s.get(U32, b + OFF_B);
            }
            if (used <= 0 || used > remaining) {
                throw new CorruptionException(file.path, (long) page << file.pageShift, "overflow page " + page + " holds " + used
                        + " bytes of " + remaining + " remaining");
            }
            freePage(page);
            n++;
            remaining -= used;
            page = next;
        }
        overflowPages -= n;
    }

    // ---- operations ----

    /** Descends to the leaf for {@code key}, copying the path; fills pathNodes/pathIndex. */
    private Node descendForWrite(byte[] key) {
        if (pathNodes.length < depth) {
            pathNodes = new Node[depth * 2];
            pathIndex = new int[depth * 2];
        }
        Node n = touch(root, rootTxn);
        root = n.page;
        rootTxn = txn;
        for (int level = 0; level < depth - 1; level++) {
            if (n.leaf) {
                throw corruptShape(n, level);
            }
            int ci = n.childIndex(key);
            Node c = touch(n.child(ci), n.childTxn(ci));
            n.setChild(ci, c.page, txn);
            pathNodes[level] = n;
            pathIndex[level] = ci;
            n = c;
        }
        if (!n.leaf) {
            throw corruptShape(n, depth - 1);
        }
        return n;
    }

    private CorruptionException corruptShape(Node n, int level) {
        return new CorruptionException(file.path, 0, "tree shape: a " + (n.leaf ? "leaf" : "branch") + " at level " + level
                + " of a tree of depth " + depth);
    }

    private Object leafValue(byte[] key, byte[] value) {
        boolean kovf = leafKeyOverflows(pageSize, key.length);
        if (leafCellBytes(key.length, kovf, value.length, false) > maxCellBytes(pageSize)) {
            return writeChain(value);
        }
        return value; // the caller hands over arrays it owns (the overlay's private copies)
    }

    /** Puts {@code key}; the arrays become the transaction's (callers pass private copies). */
    void put(byte[] key, byte[] value) {
        if (root == 0) {
            Node leaf = new Node(true);
            leaf.page = allocate();
            dirty.put(leaf.page, leaf);
            insertLeafEntry(leaf, 0, key, value);
            root = leaf.page;
            rootTxn = txn;
            depth = 1;
            entries++;
            return;
        }
        Node leaf = descendForWrite(key);
        int i = leaf.search(key);
        if (i >= 0) {
            Object old = leaf.values.get(i);
            if (old instanceof Node.Chain c) {
                freeChain(c);
            }
            int before = leaf.entryBytes(pageSize, i);
            leaf.values.set(i, leafValue(key, value));
            leaf.used += leaf.entryBytes(pageSize, i) - before;
        } else {
            i = ~i;
            insertLeafEntry(leaf, i, key, value);
            entries++;
        }
        if (leaf.used > capacity) {
            split(depth - 1, leaf, i);
        }
        leafDone(leaf);
    }

    /**
     * Checkpoints apply keys in ascending order, so a leaf the previous operation changed and this
     * one did not is finished: it is encoded and written now and dropped from memory, which keeps
     * the transaction's live set to the branches and one leaf. Should a later merge need it again,
     * it is read back from the file like any page of this transaction.
     */
    private void leafDone(Node current) {
        Node previous = lastLeaf;
        lastLeaf = current != null && dirty.get(current.page) == current ? current : null;
        if (previous == null || previous == current || dirty.get(previous.page) != previous) {
            return;
        }
        try {
            byte[] page = encode(previous, txn, pageSize, this::writeChain);
            PageFormat.seal(previous.page, page);
            file.ensureMapped(free.highWater());
            file.writePages(new int[]{previous.page}, new byte[][]{page}, 1);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("writing page " + previous.page + " of a checkpoint failed", e);
        }
        dirty.remove(previous.page);
    }

    private void insertLeafEntry(Node leaf, int i, byte[] key, byte[] value) {
        byte[] k = key;
        leaf.keys.add(i, k);
        leaf.keyChains.add(i, leafKeyOverflows(pageSize, k.length) ? writeChain(k) : null);
        leaf.values.add(i, leafValue(k, value));
        leaf.used += leaf.entryBytes(pageSize, i);
    }

    void delete(byte[] key) {
        if (root == 0 || !contains(key)) {
            return;
        }
        Node leaf = descendForWrite(key);
        int i = leaf.search(key);
        if (i < 0) {
            throw new IllegalStateException("key vanished between lookup and delete");
        }
        leaf.used -= leaf.entryBytes(pageSize, i);
        Node.Chain kc = leaf.keyChains.remove(i);
        if (kc != null) {
            freeChain(kc);
        }
        if (leaf.values.remove(i) instanceof Node.Chain vc) {
            freeChain(vc);
        }
        leaf.keys.remove(i);
        entries--;
        rebalance(depth - 1, leaf);
        leafDone(leaf);
    }

    private boolean contains(byte[] key) {
        int page = root;
        long t = rootTxn;
        for (int level = 0; level < depth; level++) {
            Node n = peek(page, t);
            if (n.leaf) {
                return n.search(key) >= 0;
            }
            int ci = n.childIndex(key);
            page = n.child(ci);
            t = n.childTxn(ci);
        }
        return false;
    }

    private void split(int level, Node node, int pos) {
        int n = node.size();
        int splitAt;
        if (node.leaf) {
            if (pos == n - 1) {
                splitAt = n - 1; // appending: keep the left page full (sequential inserts fill pages)
            } else if (pos == 0) {
                splitAt = 1;
            } else {
                splitAt = midpoint(node, 1, n - 1);
            }
        } else {
            if (pos >= n - 1) {
                splitAt = n - 2;
            } else if (pos == 0) {
                splitAt = 1;
            } else {
                splitAt = midpoint(node, 1, n - 2);
            }
        }
        Node right = new Node(node.leaf);
        right.page = allocate();
        dirty.put(right.page, right);
        byte[] sep;
        Node.Chain sepChain;
        if (node.leaf) {
            moveTail(node.keys, right.keys, splitAt);
            moveTail(node.keyChains, right.keyChains, splitAt);
            moveTail(node.values, right.values, splitAt);
            sep = shortestSeparator(node.keys.get(node.size() - 1), right.keys.get(0));
            sepChain = null;
        } else {
            sep = node.keys.get(splitAt);
            sepChain = node.keyChains.get(splitAt);
            moveTail(node.keys, right.keys, splitAt + 1);
            moveTail(node.keyChains, right.keyChains, splitAt + 1);
            node.keys.remove(splitAt);
            node.keyChains.remove(splitAt);
            for (int c = splitAt + 1; c < node.childCount; c++) {
                right.appendChild(node.child(c), node.childTxn(c));
            }
            node.childCount = splitAt + 1;
        }
        node.recomputeUsed(pageSize);
        right.recomputeUsed(pageSize);
        assert node.used <= capacity && right.used <= capacity : "split left " + node.used + " / " + right.used;
        if (level == 0) {
            Node newRoot = new Node(false);
            newRoot.page = allocate();
            dirty.put(newRoot.page, newRoot);
            newRoot.appendChild(node.page, txn);
            newRoot.appendChild(right.page, txn);
            newRoot.keys.add(sep);
            newRoot.keyChains.add(sepChain);
            newRoot.recomputeUsed(pageSize);
            root = newRoot.page;
            rootTxn = txn;
            depth++;
            return;
        }
        Node parent = pathNodes[level - 1];
        int ci = pathIndex[level - 1];
        parent.keys.add(ci, sep);
        parent.keyChains.add(ci, sepChain);
        parent.insertChild(ci + 1, right.page, txn);
        parent.used += Node.branchEntryBytes(pageSize, sep);
        if (parent.used > capacity) {
            split(level - 1, parent, ci);
        }
    }

    private int midpoint(Node node, int min, int max) {
        int half = node.used / 2;
        int acc = 0;
        for (int i = 0; i < node.size(); i++) {
            acc += node.entryBytes(pageSize, i);
            if (acc >= half) {
                return Math.max(min, Math.min(max, i + 1));
            }
        }
        return max;
    }

    private static <T> void moveTail(ArrayList<T> from, ArrayList<T> to, int at) {
        to.addAll(from.subList(at, from.size()));
        from.subList(at, from.size()).clear();
    }

    /** The shortest key s with left < s <= right (suffix truncation keeps branch keys short). */
    static byte[] shortestSeparator(byte[] left, byte[] right) {
        int p = (int) Arrays.mismatch(left, right);
        return Arrays.copyOf(right, Math.min(right.length, p + 1));
    }

    private void rebalance(int level, Node n) {
        if (level == 0) {
            if (n.isEmpty()) {
                freeNode(n);
                root = 0;
                rootTxn = 0;
                depth = 0;
            } else if (!n.leaf && n.childCount == 1) {
                root = n.child(0);
                rootTxn = n.childTxn(0);
                freeNode(n);
                depth--;
            }
            return;
        }
        if (!n.isEmpty() && (n.used >= capacity / 4 && (n.leaf || n.size() > 0))) {
            return;
        }
        Node parent = pathNodes[level - 1];
        int ci = pathIndex[level - 1];
        if (n.isEmpty()) {
            removeChild(parent, ci, true);
            freeNode(n);
        } else {
            if (parent.childCount < 2) {
                return;
            }
            int si = ci > 0 ? ci - 1 : ci + 1;
            int leftIdx = Math.min(ci, si);
            Node sib = peek(parent.child(si), parent.childTxn(si));
            int sepBytes = n.leaf ? 0 : Node.branchEntryBytes(pageSize, parent.keys.get(leftIdx));
            if (n.used + sib.used + sepBytes > capacity) {
                return;
            }
            sib = touch(parent.child(si), parent.childTxn(si));
            parent.setChild(si, sib.page, txn);
            Node left = ci < si ? n : sib;
            Node right = ci < si ? sib : n;
            if (left.leaf) {
                left.keys.addAll(right.keys);
                left.keyChains.addAll(right.keyChains);
                left.values.addAll(right.values);
            } else {
                left.keys.add(parent.keys.get(leftIdx));
                left.keyChains.add(parent.keyChains.get(leftIdx));
                left.keys.addAll(right.keys);
                left.keyChains.addAll(right.keyChains);
                for (int c = 0; c < right.childCount; c++) {
                    left.appendChild(right.child(c), right.childTxn(c));
                }
            }
            left.recomputeUsed(pageSize);
            removeChild(parent, leftIdx + 1, left.leaf);
            freeNode(right);
        }
        parent.recomputeUsed(pageSize);
        rebalance(level - 1, parent);
    }

    /** Removes child {@code ci} of a branch with the separator beside it (freed if {@code freeKey}). */
    private void removeChild(Node parent, int ci, boolean freeKey) {
        int keyIdx = ci == 0 ? 0 : ci - 1;
        if (parent.size() > 0) {
            byte[] k = parent.keys.remove(keyIdx);
            Node.Chain c = parent.keyChains.remove(keyIdx);
            parent.used -= Node.branchEntryBytes(pageSize, k);
            if (c != null && freeKey) {
                freeChain(c);
            }
        }
        parent.removeChildAt(ci);
    }

    // ---- commit ----

    /** The state this transaction commits, once its pages are written. */
    Meta meta(int highWater, long foldedSeq) {
        return new Meta(txn, root, rootTxn, depth, highWater, entries, overflowPages, foldedSeq);
    }

    int[] freedCommitted() {
        return Arrays.copyOf(freedCommitted, freedCount);
    }

    /** Encodes every new page, seals it and writes it to the file (not synced). */
    void writePages() throws IOException {
        ArrayList<Node> nodes = new ArrayList<>(dirty.values());
        HashMap<Integer, byte[]> encoded = new HashMap<>(nodes.size() * 2);
        for (Node n : nodes) {
            encoded.put(n.page, encode(n, txn, pageSize, this::writeChain)); // may add key chains to rawPages
        }
        encoded.putAll(rawPages);
        int[] pages = new int[encoded.size()];
        int k = 0;
        for (int p : encoded.keySet()) {
            pages[k++] = p;
        }
        Arrays.sort(pages);
        byte[][] contents = new byte[pages.length][];
        for (int i = 0; i < pages.length; i++) {
            contents[i] = encoded.get(pages[i]);
            PageFormat.seal(pages[i], contents[i]);
        }
        file.ensureMapped(free.highWater());
        file.writePages(pages, contents, pages.length);
    }

    /** Encodes a node as a page (unsealed); long branch keys without a chain get one from {@code chains}. */
    static byte[] encode(Node n, long txn, int pageSize, java.util.function.Function<byte[], Node.Chain> chains) {
        byte[] page = new byte[pageSize];
        MemorySegment s = MemorySegment.ofArray(page);
        int count = n.size();
        s.set(U8, OFF_TYPE, n.leaf ? TYPE_LEAF : TYPE_BRANCH);
        s.set(U16, OFF_COUNT, (short) count);
        s.set(U64, OFF_TXN, txn);
        if (!n.leaf) {
            if (n.childCount != count + 1) {
                throw new IllegalStateException("branch page " + n.page + " has " + count + " keys and " + n.childCount + " children");
            }
            s.set(U32, OFF_A, n.child(0));
            s.set(U64, OFF_C, n.childTxn(0));
        }
        int end = pageSize;
        for (int i = 0; i < count; i++) {
            byte[] key = n.keys.get(i);
            boolean kovf = n.leaf ? leafKeyOverflows(pageSize, key.length) : branchKeyOverflows(pageSize, key.length);
            Node.Chain kc = n.keyChains.get(i);
            if (kovf && kc == null) {
                kc = chains.apply(key);
                n.keyChains.set(i, kc);
            }
            int inline = kovf ? KEY_PREFIX_BYTES : key.length;
            int cellBytes = n.entryBytes(pageSize, i) - 2;
            end -= cellBytes;
            if (end < HEADER_BYTES + 2 * count) {
                throw new IllegalStateException("page " + n.page + " overflows while encoding (" + n.used + " bytes used)");
            }
            int c = end;
            s.set(U16, HEADER_BYTES + 2L * i, (short) c);
            s.set(U16, c, (short) inline);
            int at;
            if (n.leaf) {
                Object v = n.values.get(i);
                boolean vovf = v instanceof Node.Chain;
                s.set(U8, c + 2, (byte) ((kovf ? FLAG_KEY_OVERFLOW : 0) | (vovf ? FLAG_VALUE_OVERFLOW : 0)));
                s.set(U32, c + 3, vovf ? ((Node.Chain) v).length() : ((byte[]) v).length);
                at = c + LEAF_CELL_FIXED;
                if (kovf) {
                    s.set(U32, at, key.length);
                    s.set(U32, at + 4, kc.head());
                    at += 8;
                }
                if (vovf) {
                    s.set(U32, at, ((Node.Chain) v).head());
                    at += 4;
                }
                System.arraycopy(key, 0, page, at, inline);
                at += inline;
                if (!vovf) {
                    byte[] bytes = (byte[]) v;
                    System.arraycopy(bytes, 0, page, at, bytes.length);
                }
            } else {
                s.set(U8, c + 2, (byte) (kovf ? FLAG_KEY_OVERFLOW : 0));
                s.set(U32, c + 3, n.child(i + 1));
                s.set(U64, c + 7, n.childTxn(i + 1));
                at = c + BRANCH_CELL_FIXED;
                if (kovf) {
                    s.set(U32, at, key.length);
                    s.set(U32, at + 4, kc.head());
                    at += 8;
                }
                System.arraycopy(key, 0, page, at, inline);
            }
        }
        return page;
    }
}
