package io.kvkit.bench.ycsb;

import io.kvkit.ycsb.RecordStore;
import org.lmdbjava.Cursor;
import org.lmdbjava.ByteArrayProxy;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.GetOp;
import org.lmdbjava.Txn;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;

/**
 * LMDB as a YCSB {@link RecordStore}, with kv-bench's {@code LmdbStore} environment flags
 * ({@code MDB_NOTLS}, {@code MDB_NOSYNC}: a commit is in the OS page cache, not fsynced). LMDB
 * allows one write transaction at a time; YCSB's client threads write concurrently, so every
 * write takes {@link #writeLock} and runs as its own write transaction, committed before the
 * call returns (a YCSB operation must be visible when it is acknowledged, so writes cannot be
 * grouped as the engine runner's bulk loads are). A partial update reads and writes inside one
 * transaction, which makes it atomic. Readers keep one read transaction per thread, reset and
 * renewed around each read. Keys and values cross through lmdbjava's {@code byte[]} proxy, which
 * copies (as the {@code ByteBuffer} proxy plus a copy out would) and needs no reflective access to
 * {@code java.nio} internals.
 */
final class LmdbRecordStore implements RecordStore {
    static final long MIN_MAP_BYTES = 1L << 30;
    /** Map size over raw data: B+tree page fill, copy-on-write pages and the free list. */
    static final long MAP_SIZE_FACTOR = 4;

    private final Path directory;
    private final Env<byte[]> env;
    private final Dbi<byte[]> dbi;
    private final Object writeLock = new Object();
    private final ThreadLocal<Txn<byte[]>> readTxn;
    private final List<Txn<byte[]>> allReadTxns = new ArrayList<>();

    LmdbRecordStore(Path directory, long expectedBytes) {
        this.directory = directory;
        long mapBytes = Math.max(MIN_MAP_BYTES, MAP_SIZE_FACTOR * expectedBytes);
        env = Env.create(ByteArrayProxy.PROXY_BA).setMapSize(mapBytes).setMaxDbs(1).setMaxReaders(126)
                .open(directory.toFile(), EnvFlags.MDB_NOTLS, EnvFlags.MDB_NOSYNC);
        dbi = env.openDbi("ycsb", DbiFlags.MDB_CREATE);
        readTxn = ThreadLocal.withInitial(() -> {
            Txn<byte[]> t = env.txnRead();
            t.reset();
            synchronized (allReadTxns) {
                allReadTxns.add(t);
            }
            return t;
        });
    }

    static String settings() {
        return "lmdbjava 0.9.1 (bundled liblmdb): MDB_NOTLS, MDB_NOSYNC, one write transaction per YCSB write (serialized), "
                + "map " + MAP_SIZE_FACTOR + "x the raw data (at least 1 GiB), one reset/renewed read transaction per thread, byte[] buffer proxy (values copied out of the map)";
    }

    @Override
    public String describe() {
        return "lmdb in " + directory;
    }

    @Override
    public byte[] get(byte[] key) {
        Txn<byte[]> txn = readTxn.get();
        txn.renew();
        try {
            byte[] v = dbi.get(txn, key);
            return v;
        } finally {
            txn.reset();
        }
    }

    @Override
    public void put(byte[] key, byte[] value) {
        synchronized (writeLock) {
            try (Txn<byte[]> txn = env.txnWrite()) {
                dbi.put(txn, key, value);
                txn.commit();
            }
        }
    }

    @Override
    public void delete(byte[] key) {
        synchronized (writeLock) {
            try (Txn<byte[]> txn = env.txnWrite()) {
                dbi.delete(txn, key);
                txn.commit();
            }
        }
    }

    @Override
    public boolean update(byte[] key, UnaryOperator<byte[]> change) {
        synchronized (writeLock) {
            try (Txn<byte[]> txn = env.txnWrite()) {
                byte[] old = dbi.get(txn, key);
                if (old == null) {
                    txn.abort();
                    return false;
                }
                dbi.put(txn, key, change.apply(old));
                txn.commit();
                return true;
            }
        }
    }

    @Override
    public void scan(byte[] startKey, byte[] endKey, int limit, BiConsumer<byte[], byte[]> sink) {
        Txn<byte[]> txn = readTxn.get();
        txn.renew();
        try (Cursor<byte[]> c = dbi.openCursor(txn)) {
            int n = 0;
            boolean ok = c.get(startKey, GetOp.MDB_SET_RANGE);
            while (ok && n < limit) {
                byte[] k = c.key();
                if (endKey != null && Arrays.compareUnsigned(k, endKey) >= 0) {
                    break;
                }
                sink.accept(k, c.val());
                n++;
                ok = c.next();
            }
        } finally {
            txn.reset();
        }
    }

    @Override
    public Optional<String> scanUnsupportedReason() {
        return Optional.empty();
    }

    @Override
    public void close() {
        synchronized (allReadTxns) {
            for (Txn<byte[]> t : allReadTxns) {
                t.close();
            }
            allReadTxns.clear();
        }
        dbi.close();
        env.close();
    }
}
