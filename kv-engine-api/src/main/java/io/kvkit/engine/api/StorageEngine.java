package io.kvkit.engine.api;

import java.nio.file.Path;

/**
 * An embedded key-value store: the storage SPI of kvkit (DESIGN.md).
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Keys are non-empty byte strings ordered as unsigned bytes, lexicographically; keys and
 *       values are bounded by the engine's {@link KeyValueLimits}. A violation throws
 *       {@link InvalidArgumentException} and writes nothing.</li>
 *   <li>Every method is safe to call from many threads at once. A batch is atomic: readers see
 *       all of it or none of it, and so does the store after a crash.</li>
 *   <li>Durability: a write acknowledged with {@code sync=true} survives {@code kill -9} and
 *       power loss; with {@code sync=false} it survives {@code kill -9} once the call returns,
 *       unless {@link EngineCapabilities#unsyncedWritesSurviveProcessCrash()} is false. After a
 *       crash the store opens to a state that holds every synced write and is a prefix of the
 *       write order: no torn batch, no resurrected delete.</li>
 *   <li>Corruption is never silent: a failed checksum is a {@link CorruptionException} naming
 *       the file and offset.</li>
 *   <li>Cursors and snapshots read a consistent point in time; writes after it are not seen.</li>
 *   <li>Arrays passed in are not retained after the call returns (except by a {@link WriteBatch}
 *       until it is written); arrays returned belong to the caller.</li>
 * </ul>
 * Engines are found by name through {@link StorageEngines}.
 */
public interface StorageEngine extends AutoCloseable {

    /** The engine's registered name ("lsm", "hash", "bplustree", ...). */
    String name();

    EngineCapabilities capabilities();

    /** The value stored under {@code key}, or null if there is none. */
    byte[] get(ReadOptions options, byte[] key);

    default byte[] get(byte[] key) {
        return get(ReadOptions.DEFAULT, key);
    }

    default void put(WriteOptions options, byte[] key, byte[] value) {
        write(options, new WriteBatch().put(key, value));
    }

    default void put(byte[] key, byte[] value) {
        put(WriteOptions.DEFAULT, key, value);
    }

    /** Removes {@code key}; removing a missing key is not an error. */
    default void delete(WriteOptions options, byte[] key) {
        write(options, new WriteBatch().delete(key));
    }

    default void delete(byte[] key) {
        delete(WriteOptions.DEFAULT, key);
    }

    /** Applies every operation of the batch, atomically and in order. */
    void write(WriteOptions options, WriteBatch batch);

    default void write(WriteBatch batch) {
        write(WriteOptions.DEFAULT, batch);
    }

    /**
     * The pairs with keys in {@code range}, in ascending key order.
     *
     * @throws UnsupportedFeatureException if the engine does not keep keys in order
     */
    Cursor scan(ReadOptions options, KeyRange range);

    default Cursor scan(KeyRange range) {
        return scan(ReadOptions.DEFAULT, range);
    }

    /**
     * The pairs with keys in {@code range}, in descending key order.
     *
     * @throws UnsupportedFeatureException if the engine cannot
     */
    default Cursor scanReverse(ReadOptions options, KeyRange range) {
        throw UnsupportedFeatureException.reverseScan(name());
    }

    /** Every live pair exactly once, in an order of the engine's choosing. */
    Cursor iterate(ReadOptions options);

    default Cursor iterate() {
        return iterate(ReadOptions.DEFAULT);
    }

    /** A point-in-time view to read at through {@link ReadOptions#at}. */
    Snapshot snapshot();

    /**
     * Writes a consistent copy of the store, as of one point in time, into {@code dir} (which must
     * not exist or be empty), such that {@link StorageEngines#open} accepts it. The copy is
     * durable when the call returns. This is how Raft snapshots are made.
     */
    void checkpoint(Path dir);

    /** Makes every write acknowledged so far durable, as if it had been written with {@code sync=true}. */
    void sync();

    EngineStats stats();

    /** Releases everything. Idempotent. Operations after close throw {@link EngineClosedException}. */
    @Override
    void close();
}
