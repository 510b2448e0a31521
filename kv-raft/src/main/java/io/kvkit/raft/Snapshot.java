package io.kvkit.raft;

import java.util.Objects;

/**
 * A point-in-time image of the state machine covering the log up to {@code index}.
 *
 * @param index     last log index the image includes
 * @param term      term of the entry at {@code index}
 * @param confState membership as of {@code index}
 * @param data      the state machine's own snapshot bytes
 */
public record Snapshot(long index, long term, ConfState confState, byte[] data) {
    public static final Snapshot EMPTY = new Snapshot(0, 0, ConfState.EMPTY, new byte[0]);

    public Snapshot {
        Objects.requireNonNull(confState, "confState");
        Objects.requireNonNull(data, "data");
        if (index < 0 || term < 0) {
            throw new IllegalArgumentException("snapshot index and term must be >= 0");
        }
    }

    public boolean isEmpty() {
        return index == 0;
    }

    @Override
    public String toString() {
        return "Snapshot{index:" + index + " term:" + term + " " + confState + " " + data.length + " bytes}";
    }
}
