package io.kvkit.ycsb;

import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;

/**
 * The few operations {@link RecordStoreDB} needs from a store, on encoded keys and values. A
 * kvkit engine ({@link EngineRecordStore}), a peer (RocksDB, LMDB in kv-bench) or a remote
 * cluster ({@link ClientRecordStore}) each add one implementation; the record encoding and the
 * YCSB logic stay in {@link RecordStoreDB}. A failure the store can classify is a
 * {@link RecordStoreException}; anything else it throws is an ERROR to YCSB.
 *
 * <p>Threading: every method may be called from many YCSB client threads at once, writers
 * included. Arrays passed in are not kept after a call returns; arrays handed out belong to
 * the receiver.
 */
public interface RecordStore extends AutoCloseable {

    /** A short description for reports and errors ("kvkit lsm engine in /data/x", "rocksdb 10.10.1"). */
    String describe();

    /** The value under {@code key}, or null. */
    byte[] get(byte[] key);

    /** Stores {@code value} under {@code key}, replacing any value there. */
    void put(byte[] key, byte[] value);

    /** Removes {@code key}; a missing key is not an error. */
    void delete(byte[] key);

    /**
     * Replaces the value under {@code key} with {@code change.apply(current)}, atomically with
     * respect to every other write of {@code key} through this store (a remote store: by anyone):
     * no concurrent put, delete or update of the key is lost or lands in between. {@code change}
     * is called once per attempt (a store that retries on a conflict calls it again on the newer
     * value), must be a pure function of its argument and must not call back into the store.
     *
     * @return false if there is no value under {@code key}; then nothing is written ({@code change}
     *         may have been called if a racing writer deleted the key after the store read it)
     */
    boolean update(byte[] key, UnaryOperator<byte[]> change);

    /**
     * Hands {@code sink} up to {@code limit} pairs with {@code startKey <= key < endKey}
     * ({@code endKey} null: no upper bound), in ascending unsigned-byte key order.
     *
     * @throws UnsupportedOperationException if {@link #scanUnsupportedReason()} is not empty
     *         (a store that learns it only when it tries throws {@link RecordStoreException} of kind UNSUPPORTED)
     */
    void scan(byte[] startKey, byte[] endKey, int limit, BiConsumer<byte[], byte[]> sink);

    /** Why {@link #scan} cannot work on this store (the store keeps no key order), or empty if it can. */
    Optional<String> scanUnsupportedReason();

    /** Releases the store. Called once, when the last YCSB client thread using it is done. */
    @Override
    void close();
}
