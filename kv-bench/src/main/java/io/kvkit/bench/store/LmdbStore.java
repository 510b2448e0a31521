package io.kvkit.bench.store;

import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.GetOp;
import org.lmdbjava.Txn;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LMDB through lmdbjava, used as LMDB users run bulk writes: unsynced writes open the
 * environment with {@code MDB_NOSYNC} and group {@value #PUTS_PER_WRITE_TXN} operations per write
 * transaction; a phase of synced writes (fillsync) opens it without {@code MDB_NOSYNC} and
 * commits (and so syncs) every write on its own. Readers keep one read transaction per thread
 * and reset/renew it around each read ({@code MDB_NOTLS}), the usual way to read the latest data
 * without a transaction allocation per read.
 */
public final class LmdbStore implements BenchStore {
    public static final String NAME = "lmdb";
    /** Writes per write transaction for unsynced writes: large enough that the commit is amortised. */
    static final int PUTS_PER_WRITE_TXN = 1000;
    static final long MIN_MAP_BYTES = 1L << 30;

    private final Env<ByteBuffer> env;
    private final Dbi<ByteBuffer> dbi;
    private final boolean syncedEnv;
    private final int keyBytes;
    private final ThreadLocal<ByteBuffer> keyBuffer;
    private final ByteBuffer writeValue;
    private final ThreadLocal<Txn<ByteBuffer>> readTxn;
    private final List<Txn<ByteBuffer>> allReadTxns = new ArrayList<>();
    private Txn<ByteBuffer> writeTxn; // owned by the writer thread
    private int writesInTxn;

    private LmdbStore(StoreOptions o) {
        this.syncedEnv = o.syncEveryWrite();
        this.keyBytes = o.keyBytes();
        long mapBytes = Math.max(MIN_MAP_BYTES, mapBytes(o.keyBytes(), o.valueBytes(), o.expectedKeys()));
        EnvFlags[] flags = syncedEnv ? new EnvFlags[] {EnvFlags.MDB_NOTLS} : new EnvFlags[] {EnvFlags.MDB_NOTLS, EnvFlags.MDB_NOSYNC};
        env = Env.create().setMapSize(mapBytes).setMaxDbs(1).setMaxReaders(64).open(o.directory().toFile(), flags);
        dbi = env.openDbi("bench", DbiFlags.MDB_CREATE);
        keyBuffer = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(keyBytes));
        writeValue = ByteBuffer.allocateDirect(Math.max(1, o.valueBytes()));
        readTxn = ThreadLocal.withInitial(() -> {
            Txn<ByteBuffer> t = env.txnRead();
            t.reset();
            synchronized (allReadTxns) {
                allReadTxns.add(t);
            }
            return t;
        });
    }

    /** Map size: four times the raw data, for B+tree page overhead, copy-on-write and free pages. */
    static long mapBytes(int keyBytes, int valueBytes, long keys) {
        return 4L * keys * (keyBytes + valueBytes + 16);
    }

    public static StoreKind kind() {
        return new StoreKind() {
            @Override
            public String name() {
                return NAME;
            }

            @Override
            public String family() {
                return "peer";
            }

            @Override
            public String version() {
                return ArtifactVersion.of("org.lmdbjava", "lmdbjava") + " (bundled liblmdb)";
            }

            @Override
            public boolean durable() {
                return true;
            }

            @Override
            public String durability() {
                return "MDB_NOSYNC: a committed transaction is in the OS page cache (survives kill -9), not fsynced; fillsync: every commit fsyncs";
            }

            @Override
            public boolean orderedScan() {
                return true;
            }

            @Override
            public boolean syncWrites() {
                return true;
            }

            @Override
            public Map<String, String> settings(int keyBytes, int valueBytes, long expectedKeys) {
                Map<String, String> s = new LinkedHashMap<>();
                s.put("env_flags", "MDB_NOTLS, MDB_NOSYNC (fillsync: MDB_NOTLS only, sync on)");
                s.put("writes", PUTS_PER_WRITE_TXN + " puts/deletes per write transaction when unsynced; one per transaction when synced");
                s.put("map_size", (Math.max(MIN_MAP_BYTES, mapBytes(keyBytes, valueBytes, expectedKeys)) >> 20) + " MiB");
                s.put("reads", "one read transaction per thread, reset/renew around each get or seek");
                s.put("buffers", "direct ByteBuffers; values copied out to byte[]");
                return s;
            }

            @Override
            public BenchStore open(StoreOptions options) {
                return new LmdbStore(options);
            }
        };
    }

    private ByteBuffer key(byte[] key) {
        ByteBuffer b = keyBuffer.get();
        b.clear();
        b.put(key).flip();
        return b;
    }

    private Txn<ByteBuffer> writeTxn() {
        if (writeTxn == null) {
            writeTxn = env.txnWrite();
        }
        return writeTxn;
    }

    private void afterWrite(boolean commitNow) {
        if (commitNow || ++writesInTxn >= PUTS_PER_WRITE_TXN) {
            finishWrites();
        }
    }

    @Override
    public void put(byte[] key, byte[] value, boolean sync) {
        writeValue.clear();
        writeValue.put(value).flip();
        dbi.put(writeTxn(), key(key), writeValue);
        afterWrite(sync);
        if (sync && !syncedEnv) {
            env.sync(true); // a synced write in an environment opened for unsynced bulk writes
        }
    }

    @Override
    public void delete(byte[] key) {
        dbi.delete(writeTxn(), key(key));
        afterWrite(false);
    }

    @Override
    public byte[] get(byte[] key) {
        Txn<ByteBuffer> txn = readTxn.get();
        txn.renew();
        try {
            ByteBuffer v = dbi.get(txn, key(key));
            if (v == null) {
                return null;
            }
            byte[] out = new byte[v.remaining()];
            v.get(out);
            return out;
        } finally {
            txn.reset();
        }
    }

    @Override
    public int seekAndRead(byte[] key, int entries) {
        Txn<ByteBuffer> txn = readTxn.get();
        txn.renew();
        int read = 0;
        try (Cursor<ByteBuffer> c = dbi.openCursor(txn)) {
            boolean ok = c.get(key(key), GetOp.MDB_SET_RANGE);
            while (ok && read < entries) {
                ByteBuffer k = c.key();
                ByteBuffer v = c.val();
                byte[] kb = new byte[k.remaining()];
                byte[] vb = new byte[v.remaining()];
                k.get(kb);
                v.get(vb);
                read++;
                ok = c.next();
            }
        } finally {
            txn.reset();
        }
        return read;
    }

    @Override
    public void finishWrites() {
        if (writeTxn != null) {
            writeTxn.commit();
            writeTxn.close();
            writeTxn = null;
            writesInTxn = 0;
        }
    }

    @Override
    public void sync() {
        env.sync(true);
    }

    @Override
    public void close() {
        if (writeTxn != null) {
            writeTxn.abort();
            writeTxn.close();
            writeTxn = null;
        }
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
