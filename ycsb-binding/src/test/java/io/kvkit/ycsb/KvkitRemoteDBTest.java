package io.kvkit.ycsb;

import io.kvkit.client.KvClient;
import io.kvkit.client.KvException;
import io.kvkit.client.KvStatus;
import io.kvkit.client.ProtocolLimits;
import io.kvkit.client.PublicFakeCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import site.ycsb.ByteIterator;
import site.ycsb.DBException;
import site.ycsb.Status;
import site.ycsb.StringByteIterator;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.Vector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The remote binding against kv-client's in-process fake cluster (3 nodes, 16 partitions, the
 * real protocol): YCSB's operations, the stored format, ordered scans across partitions, the
 * shared client's life cycle, table set-up, and the status of every kind of failure.
 */
class KvkitRemoteDBTest {
    private PublicFakeCluster cluster;
    private final List<KvkitRemoteDB> open = new ArrayList<>();

    @BeforeEach
    void start() {
        cluster = new PublicFakeCluster(3, 16, 3);
    }

    @AfterEach
    void stop() throws DBException {
        for (KvkitRemoteDB db : open) {
            db.cleanup(); // a no-op for those a test already cleaned up
        }
        cluster.close();
    }

    private Properties props(String... kv) {
        Properties p = new Properties();
        p.setProperty(KvkitRemoteOptions.ENDPOINTS, cluster.endpoints());
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    private KvkitRemoteDB db(Properties p) throws DBException {
        KvkitRemoteDB db = new KvkitRemoteDB();
        db.setProperties(p);
        db.init();
        open.add(db);
        return db;
    }

    private static Map<String, ByteIterator> fields(String... kv) {
        Map<String, ByteIterator> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], new StringByteIterator(kv[i + 1]));
        }
        return m;
    }

    private static Map<String, String> strings(Map<String, ByteIterator> m) {
        Map<String, String> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.toString()));
        return out;
    }

    @Test
    void insertReadUpdateDeleteWithTheEmbeddedBindingsRecordFormat() throws Exception {
        KvkitRemoteDB db = db(props());
        assertThat(db.insert("usertable", "user1", fields("field0", "a", "field1", "b", "field2", "c"))).isEqualTo(Status.OK);

        // the same stored key and value as the embedded binding writes
        byte[] stored = cluster.valueOf("default", RecordStoreDB.storedKey("usertable", "user1"));
        assertThat(stored).isNotNull();
        assertThat(RecordCodec.decode(stored, null)).containsOnlyKeys("field0", "field1", "field2");

        Map<String, ByteIterator> r = new HashMap<>();
        assertThat(db.read("usertable", "user1", null, r)).isEqualTo(Status.OK);
        assertThat(strings(r)).isEqualTo(Map.of("field0", "a", "field1", "b", "field2", "c"));
        r.clear();
        assertThat(db.read("usertable", "user1", Set.of("field1"), r)).isEqualTo(Status.OK);
        assertThat(strings(r)).isEqualTo(Map.of("field1", "b"));

        assertThat(db.update("usertable", "user1", fields("field1", "B", "field9", "new"))).isEqualTo(Status.OK);
        r.clear();
        assertThat(db.read("usertable", "user1", null, r)).isEqualTo(Status.OK);
        assertThat(strings(r)).as("an update changes only the fields given").isEqualTo(
                Map.of("field0", "a", "field1", "B", "field2", "c", "field9", "new"));

        assertThat(db.read("usertable", "user2", null, r)).isEqualTo(Status.NOT_FOUND);
        assertThat(db.update("usertable", "user2", fields("field0", "x"))).isEqualTo(Status.NOT_FOUND);
        assertThat(cluster.valueOf("default", RecordStoreDB.storedKey("usertable", "user2"))).as("an update creates nothing").isNull();
        assertThat(db.read("othertable", "user1", null, r)).as("tables do not mix").isEqualTo(Status.NOT_FOUND);

        assertThat(db.delete("usertable", "user1")).isEqualTo(Status.OK);
        assertThat(db.read("usertable", "user1", null, r)).isEqualTo(Status.NOT_FOUND);
        assertThat(db.delete("usertable", "user1")).as("deleting a missing record is not an error").isEqualTo(Status.OK);
        assertThat(db.clientStore().counts().failures()).isZero();
    }

    @Test
    void scanReadsInKeyOrderAcrossPartitionsFromTheStartKeyAndStaysInItsTable() throws Exception {
        // a small max_scan_limit, so that a long scan needs several pages (continuation after the last key)
        cluster.announceLimits(new ProtocolLimits(ProtocolLimits.DEFAULT_MAX_KEY_BYTES, ProtocolLimits.DEFAULT_MAX_VALUE_BYTES,
                ProtocolLimits.DEFAULT_MAX_FRAME_BYTES, ProtocolLimits.DEFAULT_MAX_BATCH_OPERATIONS, 7));
        KvkitRemoteDB db = db(props());
        TreeMap<String, String> model = new TreeMap<>();
        for (int i = 0; i < 120; i++) {
            String key = "user" + (i * 7919 % 1000); // spread, inserted out of order
            assertThat(db.insert("usertable", key, fields("f", key, "g", "x"))).isEqualTo(Status.OK);
            model.put(key, key);
        }
        assertThat(db.insert("usertablf", "user0", fields("f", "other"))).isEqualTo(Status.OK); // the next table in key order
        assertThat(db.insert("usertabl", "zzz", fields("f", "before"))).isEqualTo(Status.OK);   // a table that sorts before

        for (String start : List.of("user", "user1", "user500", model.lastKey(), "user999")) {
            for (int n : List.of(1, 5, 30, 200)) {
                Vector<HashMap<String, ByteIterator>> rows = new Vector<>();
                assertThat(db.scan("usertable", start, n, Set.of("f"), rows)).isEqualTo(Status.OK);
                List<String> expected = model.tailMap(start, true).values().stream().limit(n).toList();
                assertThat(rows.stream().map(row -> {
                    assertThat(row.keySet()).containsExactly("f");
                    return row.get("f").toString();
                }).toList()).as("scan of %d from %s", n, start).isEqualTo(expected);
            }
        }
        Vector<HashMap<String, ByteIterator>> rows = new Vector<>();
        assertThat(db.scan("usertable", "user", 0, null, rows)).isEqualTo(Status.OK);
        assertThat(rows).isEmpty();
    }

    @Test
    void oneClientIsSharedByEveryThreadAndClosedByTheLast() throws Exception {
        Properties p = props();
        KvkitRemoteDB a = db(p);
        KvkitRemoteDB b = db(p);
        assertThat(a.clientStore()).as("one store, one client for the JVM").isSameAs(b.clientStore());
        KvClient client = a.clientStore().client();
        String identity = new KvkitRemoteDB().storeIdentity(p);
        assertThat(SharedRecordStores.users(identity)).isEqualTo(2);

        a.cleanup();
        assertThat(SharedRecordStores.users(identity)).isEqualTo(1);
        assertThat(b.insert("t", "k", fields("f", "v"))).as("still open for the other thread").isEqualTo(Status.OK);
        b.cleanup();
        assertThat(SharedRecordStores.users(identity)).isZero();
        assertThatThrownBy(() -> client.get("k".getBytes(StandardCharsets.UTF_8))).as("the last cleanup closed the client")
                .isInstanceOf(KvException.class);

        KvkitRemoteDB c = db(p);
        assertThat(c.clientStore().client()).as("a later init opens a new client").isNotSameAs(client);
        Map<String, ByteIterator> r = new HashMap<>();
        assertThat(c.read("t", "k", null, r)).isEqualTo(Status.OK);
    }

    @Test
    void createsTheTableOnTheEngineAskedForOrRefusesAMismatch() throws Exception {
        KvkitRemoteDB db = db(props(KvkitRemoteOptions.TABLE, "ycsb", KvkitRemoteOptions.CREATE_TABLE, "true",
                KvkitRemoteOptions.ENGINE, "bplustree"));
        assertThat(cluster.engineOf("ycsb")).isEqualTo("bplustree");
        assertThat(db.clientStore().describe()).contains("table 'ycsb' on bplustree", "linearizable reads");
        assertThat(db.insert("usertable", "k", fields("f", "v"))).isEqualTo(Status.OK);
        assertThat(cluster.valueOf("ycsb", RecordStoreDB.storedKey("usertable", "k"))).isNotNull();

        // an existing table on another engine: neither created over nor used under the wrong label
        cluster.createTable("hashed", "hash");
        assertThatThrownBy(() -> db(props(KvkitRemoteOptions.TABLE, "hashed", KvkitRemoteOptions.ENGINE, "lsm")))
                .isInstanceOf(DBException.class).hasMessageContaining("table 'hashed' uses engine hash, not kvkit.engine=lsm");
        assertThatThrownBy(() -> db(props(KvkitRemoteOptions.TABLE, "hashed", KvkitRemoteOptions.CREATE_TABLE, "true",
                KvkitRemoteOptions.ENGINE, "lsm")))
                .isInstanceOf(DBException.class).hasMessageContaining("table 'hashed' exists with another engine");
        assertThatThrownBy(() -> db(props(KvkitRemoteOptions.TABLE, "missing")))
                .isInstanceOf(DBException.class).hasMessageContaining("table 'missing' does not exist", "kvkit.createtable=true");
        assertThat(SharedRecordStores.users(new KvkitRemoteDB().storeIdentity(props(KvkitRemoteOptions.TABLE, "missing"))))
                .as("a failed open leaves nothing shared behind").isZero();
    }

    @Test
    void aScanOfAHashTableIsNotImplementedWithTheServersReasonAndIsNotAskedTwice() throws Exception {
        cluster.createTable("points", "hash");
        KvkitRemoteDB db = db(props(KvkitRemoteOptions.TABLE, "points"));
        assertThat(db.insert("usertable", "user1", fields("f", "v"))).isEqualTo(Status.OK);
        Vector<HashMap<String, ByteIterator>> rows = new Vector<>();
        Status s = db.scan("usertable", "user", 10, null, rows);
        assertThat(s.getName()).isEqualTo("NOT_IMPLEMENTED");
        assertThat(s.getDescription()).contains("cannot scan", "lsm, bplustree");
        int asked = cluster.scanRequests();
        assertThat(asked).isPositive();
        Status again = db.scan("usertable", "user", 10, null, rows);
        assertThat(again).as("an equal status: YCSB counts returns by the whole status").isEqualTo(s);
        KvkitRemoteDB other = db(props(KvkitRemoteOptions.TABLE, "points"));
        assertThat(other.scan("usertable", "user9", 3, null, rows)).as("another thread, another start key: the same status").isEqualTo(s);
        assertThat(cluster.scanRequests()).as("the server's answer is kept").isEqualTo(asked);
        Map<String, ByteIterator> r = new HashMap<>();
        assertThat(db.read("usertable", "user1", null, r)).as("point operations work on hash").isEqualTo(Status.OK);
        assertThat(db.clientStore().counts().failures(KvStatus.UNSUPPORTED)).isEqualTo(1);
    }

    @Test
    void aRecordOverTheServersLimitIsABadRequestAndNothingIsWritten() throws Exception {
        cluster.announceLimits(new ProtocolLimits(ProtocolLimits.DEFAULT_MAX_KEY_BYTES, 1_000, ProtocolLimits.DEFAULT_MAX_FRAME_BYTES,
                ProtocolLimits.DEFAULT_MAX_BATCH_OPERATIONS, ProtocolLimits.DEFAULT_MAX_SCAN_LIMIT));
        KvkitRemoteDB db = db(props());
        Status s = db.insert("usertable", "big", fields("f", "x".repeat(2_000)));
        assertThat(s).isEqualTo(Status.BAD_REQUEST);
        assertThat(db.lastFailure()).hasMessageContaining("max_value_bytes=1000");
        assertThat(cluster.valueOf("default", RecordStoreDB.storedKey("usertable", "big"))).isNull();
        assertThat(db.clientStore().counts().failures(KvStatus.INVALID_ARGUMENT)).isEqualTo(1);
    }

    @Test
    void aClusterThatDoesNotAnswerInTimeIsServiceUnavailable() throws Exception {
        KvkitRemoteDB db = db(props(KvkitRemoteOptions.TIMEOUT_MS, "300"));
        assertThat(db.insert("usertable", "k", fields("f", "v"))).isEqualTo(Status.OK);
        cluster.silenceAllNodes();
        Map<String, ByteIterator> r = new HashMap<>();
        Status s = db.read("usertable", "k", null, r);
        assertThat(s).isEqualTo(Status.SERVICE_UNAVAILABLE);
        assertThat(db.lastFailure()).hasMessageContaining("TIMEOUT");
        assertThat(db.update("usertable", "k", fields("f", "w"))).isEqualTo(Status.SERVICE_UNAVAILABLE);
        assertThat(db.clientStore().counts().failures(KvStatus.TIMEOUT)).isEqualTo(2);
    }

    @Test
    void aClusterThatIsGoneIsServiceUnavailable() throws Exception {
        KvkitRemoteDB db = db(props(KvkitRemoteOptions.TIMEOUT_MS, "500"));
        assertThat(db.insert("usertable", "k", fields("f", "v"))).isEqualTo(Status.OK);
        cluster.stopAllNodes();
        Status s = db.insert("usertable", "k2", fields("f", "v"));
        assertThat(s).isEqualTo(Status.SERVICE_UNAVAILABLE);
        ClientFailureCounts counts = db.clientStore().counts();
        assertThat(counts.failures(KvStatus.UNAVAILABLE) + counts.failures(KvStatus.TIMEOUT)).isEqualTo(1);
    }

    @Test
    void initFailsClearlyWhenNoNodeCanBeReached() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        Properties p = props(KvkitRemoteOptions.ENDPOINTS, "127.0.0.1:" + closedPort, KvkitRemoteOptions.TIMEOUT_MS, "300");
        assertThatThrownBy(() -> db(p)).isInstanceOf(DBException.class)
                .hasMessageContaining("cannot use the kvkit cluster at kvkit.endpoints=127.0.0.1:" + closedPort, "kvkit.timeout.ms=300");
        assertThat(SharedRecordStores.users(new KvkitRemoteDB().storeIdentity(p))).isZero();
    }

    @Test
    void aDroppedTableAndAnUnreadableRecordAreErrors() throws Exception {
        cluster.createTable("gone", "lsm");
        KvkitRemoteDB db = db(props(KvkitRemoteOptions.TABLE, "gone"));
        cluster.load("gone", RecordStoreDB.storedKey("usertable", "bad"), new byte[] {9, 9, 9});
        Map<String, ByteIterator> r = new HashMap<>();
        Status bad = db.read("usertable", "bad", null, r);
        assertThat(bad).isEqualTo(Status.ERROR);
        assertThat(db.lastFailure()).isInstanceOf(RecordFormatException.class);
        assertThat(db.update("usertable", "bad", fields("f", "v"))).isEqualTo(Status.ERROR);

        db.clientStore().client().dropTable("gone");
        Status s = db.read("usertable", "k", null, r);
        assertThat(s).as("one status whatever the key and the message: YCSB counts returns by the whole status").isEqualTo(Status.ERROR);
        assertThat(db.lastFailure()).hasMessageContaining("'gone' does not exist");
        assertThat(db.clientStore().counts().failures(KvStatus.NOT_FOUND)).isEqualTo(1);
    }

    @Test
    void everyClientStatusHasAKindAndEveryKindAYcsbStatus() {
        Map<KvStatus, RecordStoreException.Kind> expected = new java.util.EnumMap<>(KvStatus.class);
        for (KvStatus s : KvStatus.values()) {
            expected.put(s, RecordStoreException.Kind.FAILED);
        }
        expected.put(KvStatus.TIMEOUT, RecordStoreException.Kind.UNAVAILABLE);
        expected.put(KvStatus.UNAVAILABLE, RecordStoreException.Kind.UNAVAILABLE);
        expected.put(KvStatus.NOT_LEADER, RecordStoreException.Kind.UNAVAILABLE);
        expected.put(KvStatus.WRONG_EPOCH, RecordStoreException.Kind.UNAVAILABLE);
        expected.put(KvStatus.UNSUPPORTED, RecordStoreException.Kind.UNSUPPORTED);
        expected.put(KvStatus.INVALID_ARGUMENT, RecordStoreException.Kind.REFUSED);
        for (KvStatus s : KvStatus.values()) {
            assertThat(ClientRecordStore.kindOf(s)).as("%s", s).isEqualTo(expected.get(s));
        }
        Map<RecordStoreException.Kind, String> ycsb = Map.of(
                RecordStoreException.Kind.UNAVAILABLE, Status.SERVICE_UNAVAILABLE.getName(),
                RecordStoreException.Kind.UNSUPPORTED, Status.NOT_IMPLEMENTED.getName(),
                RecordStoreException.Kind.REFUSED, Status.BAD_REQUEST.getName(),
                RecordStoreException.Kind.FAILED, Status.ERROR.getName());
        for (RecordStoreException.Kind k : RecordStoreException.Kind.values()) {
            assertThat(RecordStoreDB.statusName(new RecordStoreException(k, "x", null))).as("%s", k).isEqualTo(ycsb.get(k));
        }
        assertThat(RecordStoreDB.statusName(new UnsupportedOperationException())).isEqualTo("NOT_IMPLEMENTED");
        assertThat(RecordStoreDB.statusName(new IllegalStateException())).isEqualTo("ERROR");
    }
}
