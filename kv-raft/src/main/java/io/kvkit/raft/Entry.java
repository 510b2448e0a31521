package io.kvkit.raft;

import java.util.Arrays;
import java.util.Objects;

/**
 * One log entry. Immutable by convention: the {@code data} array is never modified after the
 * entry is created (the core neither copies nor mutates it).
 *
 * @param term  the leader term in which the entry was created (≥ 1)
 * @param index the position in the log (≥ 1)
 * @param type  what {@code data} holds
 * @param data  the command bytes; empty for the leader's no-op entry
 */
public record Entry(long term, long index, EntryType type, byte[] data) {

    /** Bytes an entry is charged for in flow control beyond its payload (term, index, type). */
    public static final int OVERHEAD_BYTES = 17;

    public Entry {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
        if (term < 0 || index < 0) {
            throw new IllegalArgumentException("entry term and index must be >= 0, got term=" + term + " index=" + index);
        }
    }

    public static Entry normal(long term, long index, byte[] data) {
        return new Entry(term, index, EntryType.NORMAL, data);
    }

    /** Size charged against message and in-flight byte limits. */
    public long sizeBytes() {
        return data.length + OVERHEAD_BYTES;
    }

    public Entry withTermAndIndex(long newTerm, long newIndex) {
        return new Entry(newTerm, newIndex, type, data);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Entry e && e.term == term && e.index == index && e.type == type
                && Arrays.equals(e.data, data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(term, index, type, Arrays.hashCode(data));
    }

    @Override
    public String toString() {
        return term + "/" + index + " " + type + (data.length == 0 ? "" : " " + Texts.printable(data));
    }
}
