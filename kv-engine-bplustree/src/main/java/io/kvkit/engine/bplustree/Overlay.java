package io.kvkit.engine.bplustree;

import java.util.Arrays;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Writes committed since the last tree checkpoint, as version chains by sequence number (a null
 * value is a delete). Readers look here first, at their sequence number, then in the tree. The
 * writer adds versions; a checkpoint folds the latest version of every key into the tree and
 * starts a new, empty overlay, while readers that still hold this one keep reading it.
 */
final class Overlay {
    /** One value of a key, newest first. */
    record Version(long seq, byte[] value, Version older) {
        Version visibleAt(long readSeq) {
            Version v = this;
            while (v != null && v.seq > readSeq) {
                v = v.older;
            }
            return v;
        }
    }

    final ConcurrentSkipListMap<byte[], Version> map = new ConcurrentSkipListMap<>(Arrays::compareUnsigned);
    private long ops;
    private long bytes;

    /** Writer only: records a put (value) or delete (null) at {@code seq}. The key is copied. */
    void apply(long seq, byte[] key, byte[] value) {
        byte[] v = value == null ? null : value.clone();
        map.compute(key.clone(), (k, head) -> new Version(seq, v, head));
        ops++;
        bytes += key.length + (value == null ? 0 : value.length) + 64;
    }

    long ops() {
        return ops;
    }

    long bytes() {
        return bytes;
    }

    boolean isEmpty() {
        return map.isEmpty();
    }
}
