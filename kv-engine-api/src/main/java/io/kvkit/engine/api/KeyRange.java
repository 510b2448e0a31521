package io.kvkit.engine.api;

import java.util.Arrays;

/**
 * A range of keys in unsigned lexicographic order: {@code start} inclusive, {@code end}
 * exclusive; a null bound is unbounded on that side. A range whose start is not below its end
 * is empty.
 */
public record KeyRange(byte[] start, byte[] end) {
    public static final KeyRange ALL = new KeyRange(null, null);

    public KeyRange {
        if (start != null && start.length == 0) {
            start = null; // the empty key sorts first: an empty start bound is no bound
        }
        if (end != null && end.length == 0) {
            throw new InvalidArgumentException("an empty end key would make every range empty; use null for unbounded");
        }
    }

    /** Keys in {@code [start, end)}. */
    public static KeyRange of(byte[] start, byte[] end) {
        return new KeyRange(start, end);
    }

    /** Keys at or after {@code start}. */
    public static KeyRange from(byte[] start) {
        return new KeyRange(start, null);
    }

    /** Keys before {@code end}. */
    public static KeyRange until(byte[] end) {
        return new KeyRange(null, end);
    }

    /** Keys that begin with {@code prefix}. */
    public static KeyRange prefix(byte[] prefix) {
        if (prefix == null || prefix.length == 0) {
            return ALL;
        }
        return new KeyRange(prefix.clone(), prefixSuccessor(prefix));
    }

    /**
     * The smallest key greater than every key with this prefix, or null if there is none (the
     * prefix is all 0xFF bytes).
     */
    public static byte[] prefixSuccessor(byte[] prefix) {
        int i = prefix.length - 1;
        while (i >= 0 && prefix[i] == (byte) 0xFF) {
            i--;
        }
        if (i < 0) {
            return null;
        }
        byte[] next = Arrays.copyOf(prefix, i + 1);
        next[i]++;
        return next;
    }

    /** Whether {@code key} lies in this range. */
    public boolean contains(byte[] key) {
        return (start == null || Arrays.compareUnsigned(key, start) >= 0)
                && (end == null || Arrays.compareUnsigned(key, end) < 0);
    }

    /** Whether no key can lie in this range. */
    public boolean isEmpty() {
        return start != null && end != null && Arrays.compareUnsigned(start, end) >= 0;
    }

    /** Whether {@code key} is at or past the end bound (useful to stop a forward scan). */
    public boolean isPastEnd(byte[] key) {
        return end != null && Arrays.compareUnsigned(key, end) >= 0;
    }

    /** Whether {@code key} is before the start bound (useful to stop a reverse scan). */
    public boolean isBeforeStart(byte[] key) {
        return start != null && Arrays.compareUnsigned(key, start) < 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyRange r && Arrays.equals(start, r.start) && Arrays.equals(end, r.end);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(start) + Arrays.hashCode(end);
    }

    @Override
    public String toString() {
        return "[" + (start == null ? "-inf" : Bytes.toDisplay(start)) + ", " + (end == null ? "+inf" : Bytes.toDisplay(end)) + ")";
    }
}
