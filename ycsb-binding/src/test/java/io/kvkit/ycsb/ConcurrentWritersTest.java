package io.kvkit.ycsb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import site.ycsb.ByteIterator;
import site.ycsb.Status;
import site.ycsb.StringByteIterator;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two YCSB client threads (two DB objects, one shared engine, as YCSB runs them) update
 * different fields of the same few keys at once. A partial update is a read-modify-write, so
 * without the per-key lock one thread's field would be lost whenever the two interleave.
 */
class ConcurrentWritersTest {
    static final int KEYS = 8;
    static final int UPDATES_PER_THREAD = 1_000;

    @Test
    void concurrentPartialUpdatesOfOneKeyLoseNoField(@TempDir Path dir) throws Exception {
        for (String engine : CoreWorkloadsOnEveryEngineTest.engines()) {
            Properties p = new Properties();
            p.setProperty(KvkitBindingOptions.ENGINE, engine);
            p.setProperty(KvkitBindingOptions.PATH, dir.resolve(engine).toString());
            KvkitEmbeddedDB a = new KvkitEmbeddedDB();
            KvkitEmbeddedDB b = new KvkitEmbeddedDB();
            a.setProperties(p);
            b.setProperties(p);
            a.init();
            b.init();
            String identity = "kvkit:" + engine + ":" + dir.resolve(engine).toAbsolutePath().normalize();
            assertThat(SharedRecordStores.users(identity)).as("one engine shared by both client threads").isEqualTo(2);
            assertThat(a.store()).isSameAs(b.store());

            for (int k = 0; k < KEYS; k++) {
                assertThat(a.insert("t", "key" + k, fields("base", "0"))).isEqualTo(Status.OK);
            }
            CyclicBarrier start = new CyclicBarrier(2);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread ta = writer(a, "fa", start, failure);
            Thread tb = writer(b, "fb", start, failure);
            ta.start();
            tb.start();
            ta.join();
            tb.join();
            assertThat(failure.get()).isNull();

            for (int k = 0; k < KEYS; k++) {
                Map<String, ByteIterator> r = new HashMap<>();
                assertThat(a.read("t", "key" + k, null, r)).isEqualTo(Status.OK);
                assertThat(r.keySet()).as("%s key%d", engine, k).containsExactlyInAnyOrder("base", "fa", "fb");
                String last = String.valueOf((UPDATES_PER_THREAD - 1 - k) / KEYS * KEYS + k); // each thread's last write of key k
                assertThat(r.get("fa").toString()).isEqualTo(last);
                assertThat(r.get("fb").toString()).isEqualTo(last);
            }
            a.cleanup();
            assertThat(SharedRecordStores.users(identity)).isEqualTo(1);
            Map<String, ByteIterator> r = new HashMap<>();
            assertThat(b.read("t", "key0", null, r)).as("the engine stays open for the other thread").isEqualTo(Status.OK);
            assertThat(b.delete("t", "key0")).isEqualTo(Status.OK);
            assertThat(b.read("t", "key0", null, r)).isEqualTo(Status.NOT_FOUND);
            assertThat(b.update("t", "key0", fields("fa", "x"))).isEqualTo(Status.NOT_FOUND);
            b.cleanup();
            assertThat(SharedRecordStores.users(identity)).as("closed by the last client thread").isZero();
        }
    }

    private static Thread writer(KvkitEmbeddedDB db, String field, CyclicBarrier start, AtomicReference<Throwable> failure) {
        return new Thread(() -> {
            try {
                start.await();
                for (int i = 0; i < UPDATES_PER_THREAD; i++) {
                    Status s = db.update("t", "key" + (i % KEYS), fields(field, String.valueOf(i)));
                    if (!s.isOk()) {
                        throw new AssertionError("update " + i + " of " + field + ": " + s);
                    }
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        });
    }

    private static Map<String, ByteIterator> fields(String name, String value) {
        Map<String, ByteIterator> m = new HashMap<>();
        m.put(name, new StringByteIterator(value));
        return m;
    }
}
