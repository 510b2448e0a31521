package io.kvkit.engine.bplustree;

import io.kvkit.engine.api.StoreDirectory;

import io.kvkit.engine.api.InvalidArgumentException;
import io.kvkit.engine.api.KvException;
import io.kvkit.engine.api.StorageIOException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;

import static io.kvkit.engine.bplustree.PageFormat.*;

/**
 * Builds a new store from keys in ascending order, bottom-up: leaves are filled to the given
 * fill factor and written one after another, each level of branches is built as its children
 * complete. No page is written twice, nothing is read back, and the file comes out dense, so
 * this is how checkpoints are written and how a store is restored or compacted fast.
 *
 * <pre>{@code
 * try (BulkLoader loader = BulkLoader.create(dir, 4096, 100)) {
 *     for (...) loader.add(key, value);   // strictly ascending keys
 *     loader.finish();                     // durable when this returns
 * }
 * }</pre>
 */
public final class BulkLoader implements AutoCloseable {
    static final long TXN = 2;

    private final Path dir;
    private final Path tmp;
    private final FileChannel channel;
    private final int pageSize;
    private final int leafLimit;
    private final int capacity;
    private final ArrayList<Level> levels = new ArrayList<>();
    private final ByteBuffer out;
    private long outPosition;
    private int nextPage = Meta.FIRST_DATA_PAGE;
    private byte[] lastKey;
    private long entries;
    private long overflowPages;
    private boolean finished;

    /** An open node of one level, with the separator that goes before it in its parent. */
    private static final class Level {
        Node node;
        byte[] firstSep;
        int finishedNodes;
    }

    private BulkLoader(Path dir, int pageSize, int fillPercent) throws IOException {
        this.dir = dir;
        this.pageSize = pageSize;
        this.capacity = pageSize - HEADER_BYTES;
        this.leafLimit = Math.max(capacity * fillPercent / 100, maxCellBytes(pageSize));
        Files.createDirectories(dir);
        this.tmp = dir.resolve(BPlusTreeEngine.DATA_FILE + ".loading");
        this.channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE, StandardOpenOption.READ);
        this.out = ByteBuffer.allocateDirect(pageSize * 256);
        this.outPosition = (long) Meta.FIRST_DATA_PAGE * pageSize;
    }

    /**
     * Starts a store in {@code dir} (which must not hold one) with pages of {@code pageSize} bytes,
     * leaves filled to {@code fillPercent} (50..100) of a page.
     */
    public static BulkLoader create(Path dir, int pageSize, int fillPercent) {
        if (Integer.bitCount(pageSize) != 1 || pageSize < 1024 || pageSize > 32768) {
            throw new InvalidArgumentException("page size " + pageSize + " is not allowed; allowed: a power of two in 1024..32768");
        }
        if (fillPercent < 50 || fillPercent > 100) {
            throw new InvalidArgumentException("fill " + fillPercent + "% is not allowed; allowed: 50..100");
        }
        if (Files.exists(dir.resolve(BPlusTreeEngine.DATA_FILE))) {
            throw new InvalidArgumentException("a store already exists in " + dir);
        }
        try {
            return new BulkLoader(dir, pageSize, fillPercent);
        } catch (IOException e) {
            throw new StorageIOException("cannot start a bulk load in " + dir, e);
        }
    }

    /** Adds the next pair; keys must be strictly ascending (unsigned bytes). */
    public void add(byte[] key, byte[] value) {
        if (finished) {
            throw new IllegalStateException("the bulk load is finished");
        }
        if (key == null || key.length == 0 || value == null) {
            throw new InvalidArgumentException("bulk load: keys must be non-empty and values non-null");
        }
        if (lastKey != null && Arrays.compareUnsigned(lastKey, key) >= 0) {
            throw new InvalidArgumentException("bulk load: keys must be strictly ascending, but a key followed one that is not below it");
        }
        try {
            Object v = value;
            boolean kovf = leafKeyOverflows(pageSize, key.length);
            if (leafCellBytes(key.length, kovf, value.length, false) > maxCellBytes(pageSize)) {
                v = writeChain(value);
            }
            Node.Chain kc = kovf ? writeChain(key) : null;
            int bytes = Node.leafEntryBytes(pageSize, key, v);
            Level leaves = level(0);
            if (leaves.node != null && leaves.node.used + bytes > leafLimit) {
                finishNode(0);
            }
            if (leaves.node == null) {
                leaves.node = new Node(true);
                leaves.firstSep = lastKey == null ? null : WriteTransaction.shortestSeparator(lastKey, key);
            }
            Node leaf = leaves.node;
            leaf.keys.add(key.clone());
            leaf.keyChains.add(kc);
            leaf.values.add(v instanceof byte[] b ? b.clone() : v);
            leaf.used += bytes;
            lastKey = key.clone();
            entries++;
        } catch (IOException e) {
            throw new StorageIOException("bulk load into " + dir + " failed", e);
        }
    }

    /** Writes the last pages and the meta page, syncs, and makes the store visible under its final name. */
    public void finish() {
        if (finished) {
            return;
        }
        finished = true;
        try {
            int root = 0;
            int depth = 0;
            if (!levels.isEmpty() && levels.get(0).node != null) {
                for (int l = 0; ; l++) {
                    Level lv = levels.get(l);
                    boolean top = l + 1 >= levels.size() || levels.get(l + 1).node == null;
                    if (top && lv.finishedNodes == 0) {
                        if (!lv.node.leaf && lv.node.childCount == 1) {
                            root = lv.node.child(0);
                            depth = l;
                        } else {
                            root = writeNode(lv.node);
                            depth = l + 1;
                        }
                        break;
                    }
                    finishNode(l);
                }
            }
            flush();
            Meta meta = new Meta(TXN, root, root == 0 ? 0 : TXN, depth, nextPage, entries, overflowPages, TXN);
            writeFully(ByteBuffer.wrap(meta.encode(pageSize, 0)), 0);
            writeFully(ByteBuffer.wrap(new byte[pageSize]), pageSize);
            channel.force(true);
            channel.close();
            Files.move(tmp, dir.resolve(BPlusTreeEngine.DATA_FILE), StandardCopyOption.ATOMIC_MOVE);
            StoreDirectory.syncDirectory(dir);
        } catch (IOException e) {
            throw new StorageIOException("cannot finish the bulk load into " + dir, e);
        }
    }

    /** Abandons an unfinished load (its temporary file is removed). */
    @Override
    public void close() {
        try {
            if (channel.isOpen()) {
                channel.close();
            }
            Files.deleteIfExists(tmp);
        } catch (IOException e) {
            throw new KvException("cannot clean up the bulk load in " + dir, e);
        }
    }

    private Level level(int l) {
        while (levels.size() <= l) {
            levels.add(new Level());
        }
        return levels.get(l);
    }

    private void finishNode(int l) throws IOException {
        Level lv = level(l);
        int page = writeNode(lv.node);
        byte[] sep = lv.firstSep;
        lv.node = null;
        lv.finishedNodes++;
        addChild(l + 1, page, sep);
    }

    private void addChild(int l, int page, byte[] sepBefore) throws IOException {
        Level lv = level(l);
        if (lv.node != null && lv.node.used + Node.branchEntryBytes(pageSize, sepBefore) > capacity) {
            finishNode(l);
        }
        if (lv.node == null) {
            lv.node = new Node(false);
            lv.node.appendChild(page, TXN);
            lv.firstSep = sepBefore;
            return;
        }
        lv.node.keys.add(sepBefore);
        lv.node.keyChains.add(null);
        lv.node.appendChild(page, TXN);
        lv.node.used += Node.branchEntryBytes(pageSize, sepBefore);
    }

    private int writeNode(Node n) throws IOException {
        // chains of long branch keys are written first, so the node's page number comes after them
        byte[] page = WriteTransaction.encode(n, TXN, pageSize, this::writeChainUnchecked);
        int p = nextPage++;
        n.page = p;
        PageFormat.seal(p, page);
        append(page);
        return p;
    }

    private Node.Chain writeChainUnchecked(byte[] data) {
        try {
            return writeChain(data);
        } catch (IOException e) {
            throw new StorageIOException("bulk load into " + dir + " failed", e);
        }
    }

    private Node.Chain writeChain(byte[] data) throws IOException {
        int n = WriteTransaction.chainPages(data.length, pageSize);
        int head = nextPage;
        for (int i = 0; i < n; i++) {
            int p = nextPage++;
            byte[] page = WriteTransaction.overflowPage(data, i, i + 1 < n ? p + 1 : 0, TXN, pageSize);
            PageFormat.seal(p, page);
            append(page);
        }
        overflowPages += n;
        return new Node.Chain(head, data.length);
    }

    private void append(byte[] page) throws IOException {
        if (out.remaining() < page.length) {
            flush();
        }
        out.put(page);
    }

    private void flush() throws IOException {
        out.flip();
        long pos = outPosition;
        outPosition += out.remaining();
        writeFully(out, pos);
        out.clear();
    }

    private void writeFully(ByteBuffer b, long position) throws IOException {
        while (b.hasRemaining()) {
            position += channel.write(b, position);
        }
    }
}
