package io.kvkit.bench.ycsb;

import io.kvkit.ycsb.RecordStoreDB;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import site.ycsb.ByteIterator;
import site.ycsb.Status;
import site.ycsb.StringByteIterator;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.Vector;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The RocksDB and LMDB YCSB bindings: every operation, scans bounded by their table, and two
 * client threads updating different fields of the same records concurrently (LMDB takes one
 * writer at a time, RocksDB many; neither may lose a field).
 */
class PeerYcsbBindingsTest {

    static RecordStoreDB newDb(String store, Path dir) {
        RecordStoreDB db = store.equals("rocksdb") ? new RocksDbYcsbDB() : new LmdbYcsbDB();
        Properties p = new Properties();
        p.setProperty("kvkit.path", dir.toString());
        p.setProperty("recordcount", "100");
        p.setProperty("operationcount", "100");
        db.setProperties(p);
        return db;
    }

    static Map<String, ByteIterator> fields(String... nameValue) {
        Map<String, ByteIterator> m = new HashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            m.put(nameValue[i], new StringByteIterator(nameValue[i + 1]));
        }
        return m;
    }

    static Map<String, String> read(RecordStoreDB db, String table, String key) {
        Map<String, ByteIterator> r = new HashMap<>();
        Status s = db.read(table, key, null, r);
        if (s == Status.NOT_FOUND) {
            return null;
        }
        assertThat(s).isEqualTo(Status.OK);
        Map<String, String> out = new HashMap<>();
        r.forEach((k, v) -> out.put(k, v.toString()));
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"rocksdb", "lmdb"})
    void everyOperationWorks(String store, @TempDir Path dir) throws Exception {
        RecordStoreDB db = newDb(store, dir);
        db.init();
        try {
            for (int i = 0; i < 50; i++) {
                assertThat(db.insert("usertable", String.format("user%03d", i), fields("field0", "a" + i, "field1", "b" + i))).isEqualTo(Status.OK);
            }
            assertThat(db.insert("other", "user000", fields("field0", "elsewhere"))).isEqualTo(Status.OK);
            assertThat(read(db, "usertable", "user007")).containsExactlyInAnyOrderEntriesOf(Map.of("field0", "a7", "field1", "b7"));
            Map<String, ByteIterator> some = new HashMap<>();
            assertThat(db.read("usertable", "user007", Set.of("field1"), some)).isEqualTo(Status.OK);
            assertThat(some.keySet()).containsExactly("field1");

            assertThat(db.update("usertable", "user007", fields("field1", "B7", "field2", "c7"))).isEqualTo(Status.OK);
            assertThat(read(db, "usertable", "user007")).containsExactlyInAnyOrderEntriesOf(Map.of("field0", "a7", "field1", "B7", "field2", "c7"));
            assertThat(db.update("usertable", "nobody", fields("field0", "x"))).isEqualTo(Status.NOT_FOUND);
            assertThat(read(db, "usertable", "nobody")).isNull();

            Vector<HashMap<String, ByteIterator>> rows = new Vector<>();
            assertThat(db.scan("usertable", "user045", 100, Set.of("field0"), rows)).isEqualTo(Status.OK);
            assertThat(rows).hasSize(5); // user045..user049; the "other" table is not reached
            assertThat(rows.get(0).get("field0").toString()).isEqualTo("a45");
            assertThat(rows.get(4).get("field0").toString()).isEqualTo("a49");
            rows.clear();
            assertThat(db.scan("usertable", "user010", 3, null, rows)).isEqualTo(Status.OK);
            assertThat(rows).hasSize(3);

            assertThat(db.delete("usertable", "user007")).isEqualTo(Status.OK);
            assertThat(read(db, "usertable", "user007")).isNull();
            assertThat(read(db, "other", "user000")).containsEntry("field0", "elsewhere");
        } finally {
            db.cleanup();
        }
        RecordStoreDB reopened = newDb(store, dir);
        reopened.init();
        assertThat(read(reopened, "usertable", "user008")).containsEntry("field1", "b8");
        reopened.cleanup();
    }

    @ParameterizedTest
    @ValueSource(strings = {"rocksdb", "lmdb"})
    void concurrentPartialUpdatesLoseNoField(String store, @TempDir Path dir) throws Exception {
        RecordStoreDB a = newDb(store, dir);
        RecordStoreDB b = newDb(store, dir);
        a.init();
        b.init();
        int keys = 4;
        int updates = 1_000;
        for (int k = 0; k < keys; k++) {
            assertThat(a.insert("t", "k" + k, fields("base", "0"))).isEqualTo(Status.OK);
        }
        CyclicBarrier start = new CyclicBarrier(2);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] threads = new Thread[2];
        RecordStoreDB[] dbs = {a, b};
        for (int t = 0; t < 2; t++) {
            RecordStoreDB db = dbs[t];
            String field = "f" + t;
            threads[t] = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < updates; i++) {
                        Status s = db.update("t", "k" + (i % keys), fields(field, String.valueOf(i)));
                        if (!s.isOk()) {
                            throw new AssertionError(field + " update " + i + ": " + s);
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failure.get()).isNull();
        for (int k = 0; k < keys; k++) {
            String last = String.valueOf((updates - 1 - k) / keys * keys + k);
            assertThat(read(a, "t", "k" + k)).containsExactlyInAnyOrderEntriesOf(Map.of("base", "0", "f0", last, "f1", last));
        }
        a.cleanup();
        b.cleanup();
    }
}
