package io.kvkit.ycsb;

import io.kvkit.client.KvClient;
import io.kvkit.client.PublicFakeCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import site.ycsb.ByteIterator;
import site.ycsb.Status;
import site.ycsb.StringByteIterator;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A partial update is a read-modify-write of the whole record; done as a plain get and put, two
 * writers of different fields of one record would each overwrite the other's field. The remote
 * binding makes it a compare-and-set loop, which also holds against writers in other processes
 * (which no lock in this JVM could stop): here three YCSB client threads sharing one client and
 * a fourth writer with a client of its own ("another process") hammer the same few records, each
 * writing its own field; every field must end with its writer's last value.
 */
class RemoteConcurrentUpdatersTest {
    static final long SEED = Long.getLong("kvkit.test.seed", System.nanoTime());
    static final int KEYS = 3;
    static final int UPDATES_PER_WRITER = 250;

    private PublicFakeCluster cluster;

    @BeforeEach
    void start() {
        cluster = new PublicFakeCluster(3, 8, 3);
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    /** One writer: applies updates of its own field to random keys and remembers the last value per key. */
    private interface Updater {
        boolean update(String key, String field, String value) throws Exception;
    }

    @Test
    void concurrentUpdatersOfOneRecordInThisAndAnotherProcessLoseNoField() throws Exception {
        System.out.println("RemoteConcurrentUpdatersTest seed " + SEED + " (replay with -Dkvkit.test.seed=" + SEED + ")");
        Properties p = new Properties();
        p.setProperty(KvkitRemoteOptions.ENDPOINTS, cluster.endpoints());
        p.setProperty(KvkitRemoteOptions.TIMEOUT_MS, "30000");
        p.setProperty(KvkitRemoteOptions.UPDATE_ATTEMPTS, "100000"); // this test is about atomicity, not giving up
        List<KvkitRemoteDB> threads = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            KvkitRemoteDB db = new KvkitRemoteDB();
            db.setProperties(p);
            db.init();
            threads.add(db);
        }
        KvkitRemoteOptions o = KvkitRemoteOptions.from(p);
        ClientRecordStore otherProcess = ClientRecordStore.open(o);
        assertThat(otherProcess.client()).isNotSameAs(threads.get(0).clientStore().client());

        for (int k = 0; k < KEYS; k++) {
            assertThat(threads.get(0).insert("usertable", "user" + k, fields("base", "0"))).isEqualTo(Status.OK);
        }
        List<Updater> writers = new ArrayList<>();
        for (KvkitRemoteDB db : threads) {
            writers.add((key, field, value) -> db.update("usertable", key, fields(field, value)).isOk());
        }
        writers.add((key, field, value) -> otherProcess.update(RecordStoreDB.storedKey("usertable", key),
                old -> RecordCodec.merge(old, Map.of(field, value.getBytes(StandardCharsets.UTF_8)))));

        CyclicBarrier go = new CyclicBarrier(writers.size());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Map<String, String>> lastWritten = new ArrayList<>();
        List<Thread> running = new ArrayList<>();
        for (int w = 0; w < writers.size(); w++) {
            Updater u = writers.get(w);
            String field = "w" + w;
            Random random = new Random(SEED + w);
            Map<String, String> last = new HashMap<>();
            lastWritten.add(last);
            Thread t = new Thread(() -> {
                try {
                    go.await();
                    for (int i = 0; i < UPDATES_PER_WRITER; i++) {
                        String key = "user" + random.nextInt(KEYS);
                        String value = field + "-" + i;
                        if (!u.update(key, field, value)) {
                            throw new AssertionError(field + " update " + i + " of " + key + " failed");
                        }
                        last.put(key, value);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "updater-" + field);
            running.add(t);
            t.start();
        }
        for (Thread t : running) {
            t.join(60_000);
            assertThat(t.isAlive()).as("%s finished", t.getName()).isFalse();
        }
        assertThat(failure.get()).isNull();

        for (int k = 0; k < KEYS; k++) {
            String key = "user" + k;
            Map<String, ByteIterator> r = new HashMap<>();
            assertThat(threads.get(0).read("usertable", key, null, r)).isEqualTo(Status.OK);
            Map<String, String> expected = new HashMap<>();
            expected.put("base", "0");
            for (int w = 0; w < writers.size(); w++) {
                String v = lastWritten.get(w).get(key);
                if (v != null) {
                    expected.put("w" + w, v);
                }
            }
            Map<String, String> actual = new HashMap<>();
            r.forEach((f, v) -> actual.put(f, v.toString()));
            assertThat(actual).as("%s: every writer's last value (seed %d)", key, SEED).isEqualTo(expected);
        }
        long conflicts = threads.get(0).clientStore().counts().updateConflicts() + otherProcess.counts().updateConflicts();
        System.out.println("RemoteConcurrentUpdatersTest: " + conflicts + " compare-and-set conflicts retried");
        assertThat(conflicts).as("the writers did race (else this test proves nothing)").isPositive();

        for (KvkitRemoteDB db : threads) {
            db.cleanup();
        }
        otherProcess.close();
    }

    @Test
    void anUpdateRetriesOnTheNewerRecordAndGivesUpAfterItsAttempts() throws Exception {
        Properties p = new Properties();
        p.setProperty(KvkitRemoteOptions.ENDPOINTS, cluster.endpoints());
        p.setProperty(KvkitRemoteOptions.UPDATE_ATTEMPTS, "3");
        byte[] key = RecordStoreDB.storedKey("usertable", "k");
        try (ClientRecordStore store = ClientRecordStore.open(KvkitRemoteOptions.from(p));
             KvClient other = KvClient.builder().seeds(cluster.endpoints().split(",")).build()) {
            store.put(key, RecordCodec.encode(Map.of("a", bytes("1"))));

            // another writer changes the record while our first attempt merges: the second attempt merges onto its value
            AtomicInteger calls = new AtomicInteger();
            boolean found = store.update(key, old -> {
                if (calls.incrementAndGet() == 1) {
                    other.put(key, RecordCodec.merge(old, Map.of("b", bytes("other"))));
                }
                return RecordCodec.merge(old, Map.of("a", bytes("2")));
            });
            assertThat(found).isTrue();
            assertThat(calls.get()).isEqualTo(2);
            Map<String, byte[]> now = RecordCodec.decode(other.get(key), null);
            assertThat(new String(now.get("a"), StandardCharsets.UTF_8)).isEqualTo("2");
            assertThat(new String(now.get("b"), StandardCharsets.UTF_8)).as("the other writer's field survives").isEqualTo("other");
            assertThat(store.counts().updateConflicts()).isEqualTo(1);

            // a writer that gets in every time: the update fails after its 3 attempts, and its change is never written
            AtomicInteger n = new AtomicInteger();
            assertThatThrownBy(() -> store.update(key, old -> {
                other.put(key, RecordCodec.merge(old, Map.of("c", bytes(String.valueOf(n.incrementAndGet())))));
                return RecordCodec.merge(old, Map.of("mine", bytes("x")));
            })).isInstanceOfSatisfying(RecordStoreException.class, e -> {
                assertThat(e.kind()).isEqualTo(RecordStoreException.Kind.FAILED);
                assertThat(e.getMessage()).contains("3 attempts", KvkitRemoteOptions.UPDATE_ATTEMPTS);
            });
            assertThat(n.get()).isEqualTo(3);
            assertThat(RecordCodec.decode(other.get(key), null)).containsKeys("a", "b", "c").doesNotContainKey("mine");
            assertThat(store.counts().updateConflicts()).isEqualTo(4);
            assertThat(store.counts().updatesAbandoned()).isEqualTo(1);

            // deleted by another writer between our read and our compare-and-set: NOT_FOUND, not resurrected
            assertThat(store.update(key, old -> {
                other.delete(key);
                return RecordCodec.merge(old, Map.of("a", bytes("3")));
            })).isFalse();
            assertThat(other.get(key)).isNull();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, ByteIterator> fields(String name, String value) {
        Map<String, ByteIterator> m = new HashMap<>();
        m.put(name, new StringByteIterator(value));
        return m;
    }
}
