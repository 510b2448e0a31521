import io.kvkit.bench.workload.KeyFormat;
import io.kvkit.bench.workload.KeyOrder;
import io.kvkit.bench.workload.ValueSource;
import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.lsm.LsmEngine;
import org.rocksdb.*;

import java.nio.file.*;
import java.util.stream.Stream;

/**
 * On-disk size after fillrandom plus a full compaction, kvkit lsm next to RocksDB (the kv-bench
 * peer's settings: 64 MiB write buffer, LZ4, bloom 10 bits/key, 256 MiB block cache, 2 jobs).
 * Keys, values and order as kv-bench's fillrandom. Usage: SizeAfterFullCompaction N dataDir
 */
public class SizeAfterFullCompaction {
    static long[] size(Path dir) throws Exception {
        long apparent = 0;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                apparent += Files.size(p);
            }
        }
        Process du = new ProcessBuilder("du", "-sb", "--apparent-size", dir.toString()).start();
        Process duAlloc = new ProcessBuilder("du", "-sk", dir.toString()).start();
        long alloc = Long.parseLong(new String(duAlloc.getInputStream().readAllBytes()).split("\\s+")[0]) * 1024;
        du.waitFor();
        return new long[] {apparent, alloc};
    }

    public static void main(String[] a) throws Exception {
        int n = Integer.parseInt(a[0]);
        Path base = Path.of(a[1]);
        long seed = 20261125L;
        KeyFormat kf = new KeyFormat(16);
        ValueSource vs = new ValueSource(100, seed);
        int[] order = KeyOrder.permutation(n, seed);
        byte[] v = new byte[100];

        Path lsmDir = Files.createTempDirectory(base, "size-lsm");
        long t0 = System.nanoTime();
        try (LsmEngine db = LsmEngine.open(EngineConfig.of(lsmDir))) {
            for (int i = 0; i < n; i++) {
                vs.fill(order[i], v);
                db.put(kf.key(order[i]), v);
            }
            db.compactAll();
            System.out.println("lsm stats after full compaction: " + db.stats().properties());
        }
        long[] lsm = size(lsmDir);
        System.out.printf("lsm      N=%d apparent %,d bytes, allocated %,d bytes (%.1f s)%n", n, lsm[0], lsm[1], (System.nanoTime() - t0) / 1e9);

        RocksDB.loadLibrary();
        Path rDir = Files.createTempDirectory(base, "size-rocksdb");
        t0 = System.nanoTime();
        try (LRUCache cache = new LRUCache(256L << 20); BloomFilter filter = new BloomFilter(10, false);
             Options o = new Options().setCreateIfMissing(true).setWriteBufferSize(64L << 20).setMaxBackgroundJobs(2)
                     .setCompressionType(CompressionType.LZ4_COMPRESSION)
                     .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(cache).setFilterPolicy(filter));
             RocksDB db = RocksDB.open(o, rDir.toString()); WriteOptions w = new WriteOptions()) {
            for (int i = 0; i < n; i++) {
                vs.fill(order[i], v);
                db.put(w, kf.key(order[i]), v);
            }
            db.compactRange();
            System.out.println("rocksdb levels: " + db.getProperty("rocksdb.levelstats").replace('\n', ' '));
        }
        long[] r = size(rDir);
        System.out.printf("rocksdb  N=%d apparent %,d bytes, allocated %,d bytes (%.1f s)%n", n, r[0], r[1], (System.nanoTime() - t0) / 1e9);
        System.out.printf("ratio lsm/rocksdb: apparent %.3f, allocated %.3f%n", (double) lsm[0] / r[0], (double) lsm[1] / r[1]);
        try (Stream<Path> s = Files.walk(lsmDir)) { s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete()); }
        try (Stream<Path> s = Files.walk(rDir)) { s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete()); }
    }
}
