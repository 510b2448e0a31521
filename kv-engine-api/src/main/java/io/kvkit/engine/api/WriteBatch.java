package io.kvkit.engine.api;

import java.util.ArrayList;
import java.util.List;

/**
 * Puts and deletes applied atomically and in order by {@link StorageEngine#write}: after any
 * crash either all of a batch is visible or none of it, and readers never see part of it. A
 * later operation on the same key wins.
 *
 * <p>The batch keeps references to the arrays it is given; do not modify them until the batch
 * has been written. Not thread-safe.
 */
public final class WriteBatch {
    private final List<byte[]> keys = new ArrayList<>();
    private final List<byte[]> values = new ArrayList<>(); // null marks a delete
    private long payloadBytes;

    public WriteBatch put(byte[] key, byte[] value) {
        if (value == null) {
            throw new InvalidArgumentException("value must not be null (use delete to remove a key)");
        }
        keys.add(key);
        values.add(value);
        payloadBytes += (key == null ? 0 : key.length) + value.length;
        return this;
    }

    public WriteBatch delete(byte[] key) {
        keys.add(key);
        values.add(null);
        payloadBytes += key == null ? 0 : key.length;
        return this;
    }

    /** Number of operations. */
    public int size() {
        return keys.size();
    }

    public boolean isEmpty() {
        return keys.isEmpty();
    }

    /** Sum of key and value lengths: what a log record of this batch carries, before framing. */
    public long payloadBytes() {
        return payloadBytes;
    }

    public byte[] keyAt(int i) {
        return keys.get(i);
    }

    /** The value of operation {@code i}, or null if it is a delete. */
    public byte[] valueAt(int i) {
        return values.get(i);
    }

    public boolean isDeleteAt(int i) {
        return values.get(i) == null;
    }

    /** Calls the visitor for every operation in order. */
    public void forEach(Visitor visitor) {
        for (int i = 0; i < keys.size(); i++) {
            byte[] v = values.get(i);
            if (v == null) {
                visitor.delete(keys.get(i));
            } else {
                visitor.put(keys.get(i), v);
            }
        }
    }

    public void clear() {
        keys.clear();
        values.clear();
        payloadBytes = 0;
    }

    /** Receives a batch's operations in order. */
    public interface Visitor {
        void put(byte[] key, byte[] value);

        void delete(byte[] key);
    }
}
