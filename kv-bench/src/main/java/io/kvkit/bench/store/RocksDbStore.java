package io.kvkit.bench.store;

import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompressionType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * RocksDB through rocksdbjni, set up as a RocksDB user tunes it for this machine: a 64 MiB
 * write buffer, a 256 MiB LRU block cache (RocksJava's default is only 8 MiB), LZ4, a 10
 * bits/key Bloom filter, 2 background jobs, and the WAL on (synced only for sync writes).
 */
public final class RocksDbStore implements BenchStore {
    public static final String NAME = "rocksdb";
    static final long WRITE_BUFFER_BYTES = 64L << 20;
    static final long BLOCK_CACHE_BYTES = 256L << 20;
    static final double BLOOM_BITS_PER_KEY = 10;
    static final int BACKGROUND_JOBS = 2;

    private final Options options;
    private final LRUCache cache;
    private final BloomFilter filter;
    private final RocksDB db;
    private final WriteOptions unsynced;
    private final WriteOptions synced;

    private RocksDbStore(StoreOptions o) {
        RocksDB.loadLibrary(); // only in the child JVM: the parent never loads native code
        unsynced = new WriteOptions().setSync(false);
        synced = new WriteOptions().setSync(true);
        cache = new LRUCache(BLOCK_CACHE_BYTES);
        filter = new BloomFilter(BLOOM_BITS_PER_KEY, false);
        BlockBasedTableConfig table = new BlockBasedTableConfig().setBlockCache(cache).setFilterPolicy(filter);
        options = new Options()
                .setCreateIfMissing(true)
                .setWriteBufferSize(WRITE_BUFFER_BYTES)
                .setMaxBackgroundJobs(BACKGROUND_JOBS)
                .setCompressionType(CompressionType.LZ4_COMPRESSION)
                .setTableFormatConfig(table);
        try {
            db = RocksDB.open(options, o.directory().toString());
        } catch (RocksDBException e) {
            throw new IllegalStateException("cannot open RocksDB in " + o.directory() + ": " + e.getMessage(), e);
        }
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
                RocksDB.loadLibrary();
                return "rocksdbjni (RocksDB " + RocksDB.rocksdbVersion() + ")";
            }

            @Override
            public boolean durable() {
                return true;
            }

            @Override
            public String durability() {
                return "every write goes to the WAL (write() to the OS: survives kill -9); sync writes fsync the WAL";
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
                s.put("write_buffer_size", "64 MiB");
                s.put("block_cache", "LRU 256 MiB");
                s.put("compression", "LZ4");
                s.put("filter_policy", "bloom 10 bits/key");
                s.put("max_background_jobs", String.valueOf(BACKGROUND_JOBS));
                s.put("wal", "on (sync=false, except fillsync: sync=true)");
                s.put("writes", "one Put per op, no batching (db_bench --batch_size=1)");
                s.put("seek", "a new iterator per seek, as db_bench");
                return s;
            }

            @Override
            public BenchStore open(StoreOptions options) {
                return new RocksDbStore(options);
            }
        };
    }

    @Override
    public void put(byte[] key, byte[] value, boolean sync) {
        try {
            db.put(sync ? synced : unsynced, key, value);
        } catch (RocksDBException e) {
            throw new IllegalStateException("RocksDB put failed: " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] get(byte[] key) {
        try {
            return db.get(key);
        } catch (RocksDBException e) {
            throw new IllegalStateException("RocksDB get failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void delete(byte[] key) {
        try {
            db.delete(unsynced, key);
        } catch (RocksDBException e) {
            throw new IllegalStateException("RocksDB delete failed: " + e.getMessage(), e);
        }
    }

    @Override
    public int seekAndRead(byte[] key, int entries) {
        int read = 0;
        try (RocksIterator it = db.newIterator()) {
            for (it.seek(key); it.isValid() && read < entries; it.next()) {
                it.key();
                it.value();
                read++;
            }
        }
        return read;
    }

    @Override
    public void finishWrites() {
        // nothing buffered in the process: every Put is already in the WAL and memtable
    }

    @Override
    public void sync() {
        try {
            db.flushWal(true);
        } catch (RocksDBException e) {
            throw new IllegalStateException("RocksDB WAL sync failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        db.close();
        options.close();
        cache.close();
        filter.close();
        unsynced.close();
        synced.close();
    }
}
