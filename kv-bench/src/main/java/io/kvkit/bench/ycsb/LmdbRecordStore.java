package io.kvkit.bench.ycsb;

import io.kvkit.ycsb.RecordStore;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.GetOp;
import org.lmdbjava.Txn;

import java.nio.ByteBuffer;
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
 * renewed around each read.
 */
final class LmdbRecordStore implements RecordStore {
    static final long MIN_MAP_BYTES = 1L << 30;
    /** Map size over raw data: B+tree page fill, copy-on-write pages and the free list. */
    static final long MAP_SIZE_FACTOR = 4;

    private final Path directory;
    private final Env<ByteBuffer> env;
    private final Dbi<ByteBuffer> dbi;
    private final Object writeLock = new Object();
    private final ThreadLocal<Buffers> buffers = ThreadLocal.withInitial(Buffers::new);
    private final ThreadLocal<Txn<ByteBuffer>> readTxn;
    private final List<Txn<ByteBuffer>> allReadTxns = new ArrayList<>();

    LmdbRecordStore(Path directory, long expectedBytes) {
        this.directory = directory;
        long mapBytes = Math.max(MIN_MAP_BYTES, MAP_SIZE_FACTOR * expectedBytes);
        env = Env.create().setMapSize(mapBytes).setMaxDbs(1).setMaxReaders(126)
                .open(directory.toFile(), EnvFlags.MDB_NOTLS, EnvFlags.MDB_NOSYNC);
        dbi = env.openDbi("ycsb", DbiFlags.MDB_CREATE);
        readTxn = ThreadLocal.withInitial(() -> {
            Txn<ByteBuffer> t = env.txnRead();
            t.reset();
            synchronized (allReadTxns) {
                allReadTxns.add(t);
            }
            return t;
        });
    }

    static String settings() {
        return "lmdbjava 0.9.1 (bundled liblmdb): MDB_NOTLS, MDB_NOSYNC, one write transaction per YCSB write (serialized), "
                + "map " + MAP_SIZE_FACTOR + "x the raw data (at least 1 GiB), one reset/renewed read transaction per thread";
    }

    /** Direct buffers of one thread, grown as needed (LMDB reads and writes through direct memory). */
    private static final class Buffers {
        ByteBuffer key = ByteBuffer.allocateDirect(512);
        ByteBuffer value = ByteBuffer.allocateDirect(4096);

        ByteBuffer key(byte[] k) {
            if (key.capacity() < k.length) {
                key = ByteBuffer.allocateDirect(k.length);
            }
            key.clear();
            key.put(k).flip();
            return key;
        }

        ByteBuffer value(byte[] v) {
            if (value.capacity() < v.length) {
                value = ByteBuffer.allocateDirect(Math.max(v.length, value.capacity() * 2));
            }
            value.clear();
            value.put(v).flip();
            return value;
        }
    }

    private static byte[] copy(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @Override
    public String describe() {
        return "lmdb in " + directory;
    }

    @Override
    public byte[] get(byte[] key) {
        Txn<ByteBuffer> txn = readTxn.get();
        txn.renew();
        try {
            ByteBuffer v = dbi.get(txn, buffers.get().key(key));
            return v == null ? null : copy(v);
        } finally {
            txn.reset();
        }
    }

    @Override
    public void put(byte[] key, byte[] value) {
        Buffers b = buffers.get();
        synchronized (writeLock) {
            try (Txn<ByteBuffer> txn = env.txnWrite()) {
                dbi.put(txn, b.key(key), b.value(value));
                txn.commit();
            }
        }
    }

    @Override
    public void delete(byte[] key) {
        Buffers b = buffers.get();
        synchronized (writeLock) {
            try (Txn<ByteBuffer> txn = env.txnWrite()) {
                dbi.delete(txn, b.key(key));
                txn.commit();
            }
        }
    }

    @Override
    public boolean update(byte[] key, UnaryOperator<byte[]> change) {
        Buffers b = buffers.get();
        synchronized (writeLock) {
            try (Txn<ByteBuffer> txn = env.txnWrite()) {
                ByteBuffer k = b.key(key);
                ByteBuffer old = dbi.get(txn, k);
                if (old == null) {
                    txn.abort();
                    return false;
                }
                dbi.put(txn, k, b.value(change.apply(copy(old))));
                txn.commit();
                return true;
            }
        }
    }

    @Override
    public void scan(byte[] startKey, byte[] endKey, int limit, BiConsumer<byte[], byte[]> sink) {
        Txn<ByteBuffer> txn = readTxn.get();
        txn.renew();
        try (Cursor<ByteBuffer> c = dbi.openCursor(txn)) {
            int n = 0;
            boolean ok = c.get(buffers.get().key(startKey), GetOp.MDB_SET_RANGE);
            while (ok && n < limit) {
                byte[] k = copy(c.key());
                if (endKey != null && Arrays.compareUnsigned(k, endKey) >= 0) {
                    break;
                }
                sink.accept(k, copy(c.val()));
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
            for (Txn<ByteBuffer> t : allReadTxns) {
                t.close();
            }
            allReadTxns.clear();
        }
        dbi.close();
        env.close();
    }
}
