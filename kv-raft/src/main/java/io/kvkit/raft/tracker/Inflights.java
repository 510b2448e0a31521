package io.kvkit.raft.tracker;

/**
 * The APPEND messages sent to one follower and not yet acknowledged, as a ring buffer of
 * (last index, bytes). Full when it holds {@code capacity} messages or {@code maxBytes} bytes
 * (0 = no byte limit): then the leader stops pipelining to that follower until acks free room.
 */
public final class Inflights {
    private final int capacity;
    private final long maxBytes;
    private final long[] lastIndexes;
    private final long[] sizes;
    private int start;
    private int count;
    private long bytes;

    public Inflights(int capacity, long maxBytes) {
        if (capacity <= 0 || maxBytes < 0) {
            throw new IllegalArgumentException("inflight capacity must be > 0 and maxBytes >= 0, got "
                    + capacity + ", " + maxBytes);
        }
        this.capacity = capacity;
        this.maxBytes = maxBytes;
        this.lastIndexes = new long[capacity];
        this.sizes = new long[capacity];
    }

    /** Records a message whose last entry is {@code lastIndex}. Indexes must increase. */
    public void add(long lastIndex, long messageBytes) {
        if (full()) {
            throw new IllegalStateException("cannot add to a full inflights window (" + count + " msgs, " + bytes + " bytes)");
        }
        if (count > 0 && lastIndexes[(start + count - 1) % capacity] >= lastIndex) {
            throw new IllegalStateException("inflight indexes must increase: " + lastIndex + " after "
                    + lastIndexes[(start + count - 1) % capacity]);
        }
        int slot = (start + count) % capacity;
        lastIndexes[slot] = lastIndex;
        sizes[slot] = messageBytes;
        count++;
        bytes += messageBytes;
    }

    /** Frees every message whose last index is ≤ {@code index} (they are acknowledged). */
    public void freeLE(long index) {
        while (count > 0 && lastIndexes[start] <= index) {
            bytes -= sizes[start];
            start = (start + 1) % capacity;
            count--;
        }
        if (count == 0) {
            start = 0;
        }
    }

    public boolean full() {
        return count == capacity || (maxBytes > 0 && bytes >= maxBytes);
    }

    public int count() {
        return count;
    }

    public long bytes() {
        return bytes;
    }

    public void reset() {
        start = 0;
        count = 0;
        bytes = 0;
    }
}
