package io.kvkit.engine.bplustree;

import java.lang.foreign.MemorySegment;

import static io.kvkit.engine.bplustree.PageFormat.*;

/**
 * One committed state of the tree: what a meta page holds, and what readers pin. Immutable.
 *
 * @param txn           the transaction that committed this state (strictly increasing)
 * @param root          root page, 0 for an empty tree
 * @param rootTxn       txn that wrote the root page (checked when the root is read)
 * @param depth         levels, 0 for an empty tree, 1 for a single leaf
 * @param highWater     pages 0..highWater-1 exist in the file
 * @param entries       number of live keys
 * @param overflowPages pages in overflow chains reachable from this root
 * @param foldedSeq     the last log sequence number whose writes the tree holds (replay starts after it)
 */
record Meta(long txn, int root, long rootTxn, int depth, int highWater, long entries, long overflowPages, long foldedSeq) {

    static final int FIRST_DATA_PAGE = 2;

    static Meta empty() {
        return new Meta(1, 0, 0, 0, FIRST_DATA_PAGE, 0, 0, 1);
    }

    byte[] encode(int pageSize, int slot) {
        byte[] page = new byte[pageSize];
        MemorySegment s = MemorySegment.ofArray(page);
        s.set(U8, OFF_TYPE, TYPE_META);
        s.set(U64, OFF_TXN, txn);
        s.set(U32, META_OFF_MAGIC, META_MAGIC);
        s.set(U16, META_OFF_VERSION, (short) META_FORMAT_VERSION);
        s.set(U32, META_OFF_PAGE_SIZE, pageSize);
        s.set(U32, META_OFF_ROOT, root);
        s.set(U64, META_OFF_ROOT_TXN, rootTxn);
        s.set(U32, META_OFF_DEPTH, depth);
        s.set(U32, META_OFF_HIGH_WATER, highWater);
        s.set(U64, META_OFF_ENTRIES, entries);
        s.set(U64, META_OFF_OVERFLOW_PAGES, overflowPages);
        s.set(U64, META_OFF_FOLDED_SEQ, foldedSeq);
        PageFormat.seal(slot, page);
        return page;
    }

    /**
     * Decodes the meta page of {@code slot} from its first {@link PageFormat#META_BYTES} bytes, or
     * returns a reason why it is not a valid meta page (as a String).
     */
    static Object decode(byte[] bytes, int slot) {
        if (bytes.length < META_BYTES) {
            return "short read";
        }
        MemorySegment s = MemorySegment.ofArray(bytes);
        if (s.get(U32, META_OFF_MAGIC) != META_MAGIC) {
            return "bad magic";
        }
        int stored = s.get(U32, OFF_CRC);
        int computed = PageFormat.checksum(slot, bytes, META_BYTES);
        if (stored != computed) {
            return "checksum mismatch (stored " + Integer.toHexString(stored) + ", computed " + Integer.toHexString(computed) + ")";
        }
        if (s.get(U8, OFF_TYPE) != TYPE_META) {
            return "not a meta page";
        }
        int version = s.get(U16, META_OFF_VERSION);
        if (version != META_FORMAT_VERSION) {
            return "format version " + version + " is not supported (this build reads " + META_FORMAT_VERSION + ")";
        }
        return new Meta(s.get(U64, OFF_TXN), s.get(U32, META_OFF_ROOT), s.get(U64, META_OFF_ROOT_TXN), s.get(U32, META_OFF_DEPTH),
                s.get(U32, META_OFF_HIGH_WATER), s.get(U64, META_OFF_ENTRIES), s.get(U64, META_OFF_OVERFLOW_PAGES),
                s.get(U64, META_OFF_FOLDED_SEQ));
    }

    static int pageSizeOf(byte[] bytes) {
        return MemorySegment.ofArray(bytes).get(U32, META_OFF_PAGE_SIZE);
    }
}
