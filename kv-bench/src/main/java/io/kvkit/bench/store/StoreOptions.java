package io.kvkit.bench.store;

import java.nio.file.Path;

/**
 * How to open a store for one phase of a run.
 *
 * @param directory      the store's own directory (exists, empty on a fresh open)
 * @param keyBytes       length of every key
 * @param valueBytes     length of every value
 * @param expectedKeys   how many keys the store will hold at most (stores that size up front use it)
 * @param syncEveryWrite the phase writes with sync=true only (fillsync): stores whose sync mode is
 *                       an open-time flag (LMDB) open in synced mode
 */
public record StoreOptions(Path directory, int keyBytes, int valueBytes, long expectedKeys, boolean syncEveryWrite) {
    public StoreOptions {
        if (keyBytes <= 0 || valueBytes < 0 || expectedKeys <= 0) {
            throw new IllegalArgumentException("keyBytes and expectedKeys must be positive and valueBytes non-negative: " + keyBytes
                    + ", " + valueBytes + ", " + expectedKeys);
        }
    }
}
