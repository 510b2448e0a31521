package io.kvkit.bench.ycsb;

import io.kvkit.ycsb.KeyLockStripes;
import io.kvkit.ycsb.RecordStore;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompressionType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteOptions;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;

/**
 * RocksDB as a YCSB {@link RecordStore}, tuned as kv-bench's {@code RocksDbStore} is (the same
 * settings, so YCSB and the engine runner measure the same RocksDB): 64 MiB write buffer, 256 MiB
 * LRU block cache, LZ4, Bloom filter 10 bits/key, 2 background jobs, WAL on and not synced.
 * RocksDB takes concurrent writers natively; writes of one key still go through a
 * {@link KeyLockStripes} stripe so that a partial update's read and write are not split by
 * another write of the key (RocksDB has no compare-and-set short of its transaction API).
 */
final class RocksDbRecordStore implements RecordStore {
    static final long WRITE_BUFFER_BYTES = 64L << 20;
    static final long BLOCK_CACHE_BYTES = 256L << 20;
    static final double BLOOM_BITS_PER_KEY = 10;
    static final int BACKGROUND_JOBS = 2;

    private final Path directory;
    private final Options options;
    private final LRUCache cache;
    private final BloomFilter filter;
    private final RocksDB db;
    private final WriteOptions writeOptions;
    private final KeyLockStripes locks = new KeyLockStripes(KeyLockStripes.DEFAULT_STRIPES);

    RocksDbRecordStore(Path directory) {
        RocksDB.loadLibrary();
        this.directory = directory;
        writeOptions = new WriteOptions().setSync(false);
        cache = new LRUCache(BLOCK_CACHE_BYTES);
        filter = new BloomFilter(BLOOM_BITS_PER_KEY, false);
        options = new Options()
                .setCreateIfMissing(true)
                .setWriteBufferSize(WRITE_BUFFER_BYTES)
                .setMaxBackgroundJobs(BACKGROUND_JOBS)
                .setCompressionType(CompressionType.LZ4_COMPRESSION)
                .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(cache).setFilterPolicy(filter));
        try {
            db = RocksDB.open(options, directory.toString());
        } catch (RocksDBException e) {
            close();
            throw new IllegalStateException("cannot open RocksDB in " + directory + ": " + e.getMessage(), e);
        }
    }

    static String settings() {
        return "rocksdbjni (RocksDB " + RocksDB.rocksdbVersion() + "): write buffer 64 MiB, LRU block cache 256 MiB, LZ4, "
                + "Bloom 10 bits/key, 2 background jobs, WAL on (not synced), per-key write lock stripes for partial updates";
    }

    @Override
    public String describe() {
        return "rocksdb in " + directory;
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
    public void put(byte[] key, byte[] value) {
        synchronized (locks.lockFor(key)) {
            rawPut(key, value);
        }
    }

    private void rawPut(byte[] key, byte[] value) {
        try {
            db.put(writeOptions, key, value);
        } catch (RocksDBException e) {
            throw new IllegalStateException("RocksDB put failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void delete(byte[] key) {
        synchronized (locks.lockFor(key)) {
            try {
                db.delete(writeOptions, key);
            } catch (RocksDBException e) {
                throw new IllegalStateException("RocksDB delete failed: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public boolean update(byte[] key, UnaryOperator<byte[]> change) {
        synchronized (locks.lockFor(key)) {
            byte[] old = get(key);
            if (old == null) {
                return false;
            }
            rawPut(key, change.apply(old));
            return true;
        }
    }

    @Override
    public void scan(byte[] startKey, byte[] endKey, int limit, BiConsumer<byte[], byte[]> sink) {
        try (Slice upper = endKey == null ? null : new Slice(endKey);
             ReadOptions ro = new ReadOptions()) {
            if (upper != null) {
                ro.setIterateUpperBound(upper);
            }
            try (RocksIterator it = db.newIterator(ro)) {
                int n = 0;
                for (it.seek(startKey); it.isValid() && n < limit; it.next()) {
                    sink.accept(it.key(), it.value());
                    n++;
                }
            }
        }
    }

    @Override
    public Optional<String> scanUnsupportedReason() {
        return Optional.empty();
    }

    @Override
    public void close() {
        if (db != null) {
            db.close();
        }
        options.close();
        cache.close();
        filter.close();
        writeOptions.close();
    }
}
