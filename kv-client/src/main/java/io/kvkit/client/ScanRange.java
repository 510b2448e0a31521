package io.kvkit.client;

import java.util.Arrays;

/**
 * What to scan: keys in {@code [start, end)} (null = unbounded), at most {@code limit} entries
 * per page, ascending or descending, with or without values. A page's {@link ScanPage#next()}
 * continues after its last key.
 *
 * @param start    inclusive lower bound, null for the first key
 * @param end      exclusive upper bound, null for past the last key
 * @param limit    entries per page, at least 1, at most the server's max_scan_limit
 * @param reverse  descending from {@code end}
 * @param keysOnly values left empty
 */
public record ScanRange(byte[] start, byte[] end, int limit, boolean reverse, boolean keysOnly) {
    public ScanRange {
        if (limit < 1) {
            throw new IllegalArgumentException("scan limit must be >= 1, got " + limit);
        }
        if (start != null && end != null && Arrays.compareUnsigned(start, end) > 0) {
            throw new IllegalArgumentException("scan start is after its end (keys compare as unsigned bytes)");
        }
    }

    /** Every key, ascending, {@code limit} per page. */
    public static ScanRange all(int limit) {
        return new ScanRange(null, null, limit, false, false);
    }

    /** Keys in {@code [start, end)}, ascending, {@code limit} per page. */
    public static ScanRange of(byte[] start, byte[] end, int limit) {
        return new ScanRange(start, end, limit, false, false);
    }

    public ScanRange reversed() {
        return new ScanRange(start, end, limit, !reverse, keysOnly);
    }

    public ScanRange withKeysOnly() {
        return new ScanRange(start, end, limit, reverse, true);
    }

    public ScanRange withLimit(int newLimit) {
        return new ScanRange(start, end, newLimit, reverse, keysOnly);
    }

    /** Whether {@code key} lies in {@code [start, end)}. */
    boolean contains(byte[] key) {
        return (start == null || Arrays.compareUnsigned(key, start) >= 0) && (end == null || Arrays.compareUnsigned(key, end) < 0);
    }

    /**
     * The rest of this range after {@code lastKey} in scan order: ascending, from
     * {@code lastKey + 0x00} (the next possible key); descending, up to {@code lastKey} exclusive.
     */
    ScanRange after(byte[] lastKey) {
        if (reverse) {
            return new ScanRange(start, lastKey, limit, true, keysOnly);
        }
        byte[] next = Arrays.copyOf(lastKey, lastKey.length + 1);
        return new ScanRange(next, end, limit, false, keysOnly);
    }
}
