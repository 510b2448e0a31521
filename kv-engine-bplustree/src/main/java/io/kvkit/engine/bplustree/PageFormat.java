package io.kvkit.engine.bplustree;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The on-disk layout of every page (see the module README for the drawing). All integers are
 * little-endian. Every page starts with a 32-byte header:
 *
 * <pre>
 *  0  u32 crc32c     over the page number (u32) and bytes 4..pageSize (meta pages: 4..META_BYTES)
 *  4  u8  type       1 meta, 2 branch, 3 leaf, 4 overflow
 *  5  u8  flags      0
 *  6  u16 count      cells in the page (branch: separators; children = count + 1)
 *  8  u64 txn        the transaction that wrote the page; a parent names the txn it expects
 * 16  u32 a          branch: leftmost child page; overflow: next page of the chain (0 = last)
 * 20  u32 b          overflow: payload bytes in this page
 * 24  u64 c          branch: txn of the leftmost child
 * 32  u16 slot[count]  cell offsets, in key order; cells are packed at the end of the page
 * </pre>
 */
final class PageFormat {
    static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static final int HEADER_BYTES = 32;
    static final int OFF_CRC = 0;
    static final int OFF_TYPE = 4;
    static final int OFF_COUNT = 6;
    static final int OFF_TXN = 8;
    static final int OFF_A = 16;
    static final int OFF_B = 20;
    static final int OFF_C = 24;

    static final byte TYPE_META = 1;
    static final byte TYPE_BRANCH = 2;
    static final byte TYPE_LEAF = 3;
    static final byte TYPE_OVERFLOW = 4;

    /** Cell flag: the key continues in an overflow chain; the cell holds its first {@link #KEY_PREFIX_BYTES}. */
    static final int FLAG_KEY_OVERFLOW = 1;
    /** Cell flag (leaf): the value lives in an overflow chain. */
    static final int FLAG_VALUE_OVERFLOW = 2;

    /** Leaf cell: u16 keyInlineLen, u8 flags, u32 valueLen, [u32 keyLen, u32 keyPage], [u32 valuePage], key, [value]. */
    static final int LEAF_CELL_FIXED = 7;
    /** Branch cell: u16 keyInlineLen, u8 flags, u32 child, u64 childTxn, [u32 keyLen, u32 keyPage], key. */
    static final int BRANCH_CELL_FIXED = 15;
    static final int KEY_PREFIX_BYTES = 64;

    /** Meta page body, after the header. */
    static final int META_MAGIC = 0x5442564B; // "KVBT"
    static final int META_FORMAT_VERSION = 1;
    static final int META_OFF_MAGIC = 32;
    static final int META_OFF_VERSION = 36;
    static final int META_OFF_PAGE_SIZE = 40;
    static final int META_OFF_ROOT = 44;
    static final int META_OFF_ROOT_TXN = 48;
    static final int META_OFF_DEPTH = 56;
    static final int META_OFF_HIGH_WATER = 60;
    static final int META_OFF_ENTRIES = 64;
    static final int META_OFF_OVERFLOW_PAGES = 72;
    static final int META_OFF_FOLDED_SEQ = 80;
    /** A meta page's checksum covers only its first bytes, so that it fits one OS page write. */
    static final int META_BYTES = 128;

    private PageFormat() {
    }

    /** Largest cell (slot included) a page takes inline: a quarter of the usable space, so that any split fits. */
    static int maxCellBytes(int pageSize) {
        return (pageSize - HEADER_BYTES) / 4;
    }

    static int leafCellBytes(int keyLen, boolean keyOverflow, int valueLen, boolean valueOverflow) {
        return 2 + LEAF_CELL_FIXED + (keyOverflow ? 8 + KEY_PREFIX_BYTES : keyLen) + (valueOverflow ? 4 : valueLen);
    }

    static int branchCellBytes(int keyLen, boolean keyOverflow) {
        return 2 + BRANCH_CELL_FIXED + (keyOverflow ? 8 + KEY_PREFIX_BYTES : keyLen);
    }

    static boolean leafKeyOverflows(int pageSize, int keyLen) {
        return leafCellBytes(keyLen, false, 0, true) > maxCellBytes(pageSize);
    }

    static boolean branchKeyOverflows(int pageSize, int keyLen) {
        return branchCellBytes(keyLen, false) > maxCellBytes(pageSize);
    }

    static int overflowPayload(int pageSize) {
        return pageSize - HEADER_BYTES;
    }

    /** The checksum of a page held in a heap array. */
    static int checksum(int pageNo, byte[] page, int length) {
        CRC32C crc = new CRC32C();
        crc.update(pageNo & 0xFF);
        crc.update((pageNo >>> 8) & 0xFF);
        crc.update((pageNo >>> 16) & 0xFF);
        crc.update((pageNo >>> 24) & 0xFF);
        crc.update(page, 4, length - 4);
        return (int) crc.getValue();
    }

    static int checksumLength(byte type, int pageSize) {
        return type == TYPE_META ? META_BYTES : pageSize;
    }

    static void seal(int pageNo, byte[] page) {
        MemorySegment s = MemorySegment.ofArray(page);
        s.set(U32, OFF_CRC, checksum(pageNo, page, checksumLength(page[OFF_TYPE], page.length)));
    }

    static String typeName(int type) {
        return switch (type) {
            case TYPE_META -> "meta";
            case TYPE_BRANCH -> "branch";
            case TYPE_LEAF -> "leaf";
            case TYPE_OVERFLOW -> "overflow";
            default -> "unknown type " + type;
        };
    }
}
