package io.kvkit.server.node;

import io.kvkit.client.KvClient;
import io.kvkit.client.KvException;
import io.kvkit.client.KvStatus;
import io.kvkit.client.ScanRange;
import io.kvkit.client.proto.BatchOperation;
import io.kvkit.client.proto.BatchRequest;
import io.kvkit.client.proto.ReadConsistency;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.Session;
import io.kvkit.client.proto.StatusCode;
import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.kvkit.server.node.RawCalls.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Nodes of one cluster in this JVM: routing, forwarding, consistency levels, tables, restart. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NodeClusterTest {

    @TempDir
    Path dir;

    @Test
    void aWriteThroughOneNodeIsReadThroughEveryNodeAtEveryLevelThatPromisesIt() {
        try (InProcessCluster cluster = new InProcessCluster(dir, 3, 8, 3, 3, "lsm").startAll(); RawCalls raw = new RawCalls()) {
            for (int i = 0; i < 30; i++) {
                String writer = cluster.clientAddress(1 + i % 3);
                byte[] key = bytes("key-" + i);
                byte[] value = bytes("value-" + i);
                assertThat(raw.put(writer, "", key, value).getStatus().getCode()).isEqualTo(StatusCode.OK);
                for (String reader : cluster.clientAddresses()) {
                    for (ReadConsistency c : List.of(ReadConsistency.LINEARIZABLE, ReadConsistency.LEASE, ReadConsistency.FOLLOWER)) {
                        Response r = raw.get(reader, "", key, c);
                        assertThat(r.getStatus().getCode()).as("get %s at %s via %s", "key-" + i, c, reader).isEqualTo(StatusCode.OK);
                        assertThat(r.getGet().getFound()).as("found %s at %s via %s", "key-" + i, c, reader).isTrue();
                        assertThat(r.getGet().getValue().toByteArray()).isEqualTo(value);
                    }
                }
            }
        }
    }

    @Test
    void theJavaClientUsesTablesOnEveryEngine() {
        try (InProcessCluster cluster = new InProcessCluster(dir, 3, 8, 3, 3, "lsm").startAll();
             KvClient client = KvClient.builder().seeds(cluster.clientAddresses().toArray(String[]::new)).build()) {
            // the first call may answer created=false if the client retried it after a slow attempt
            client.createTable("ordered", "bplustree", Map.of());
            assertThat(client.createTable("ordered", "bplustree", Map.of())).isFalse();
            client.createTable("points", "hash", Map.of());
            assertThatThrownBy(() -> client.createTable("points", "lsm", Map.of()))
                    .isInstanceOfSatisfying(KvException.class, e -> assertThat(e.status()).isEqualTo(KvStatus.ALREADY_EXISTS));
            var ordered = client.table("ordered");
            for (int i = 0; i < 100; i++) {
                ordered.put(bytes(String.format("k%03d", i)), bytes("v" + i));
            }
            assertThat(ordered.get(bytes("k042"))).isEqualTo(bytes("v42"));
            var page = ordered.scan(ScanRange.all(10));
            assertThat(page.entries()).hasSize(10);
            assertThat(new String(page.entries().get(0).key())).isEqualTo("k000");
            assertThat(new String(page.entries().get(9).key())).isEqualTo("k009");

            var points = client.table("points");
            points.put(bytes("a"), bytes("1"));
            assertThat(points.compareAndSet(bytes("a"), bytes("1"), bytes("2")).succeeded()).isTrue();
            assertThat(points.get(bytes("a"))).isEqualTo(bytes("2"));
            assertThat(points.delete(bytes("a"))).isTrue();
            assertThat(points.get(bytes("a"))).isNull();
            assertThatThrownBy(() -> points.scan(ScanRange.all(10)))
                    .isInstanceOfSatisfying(KvException.class, e -> assertThat(e.status()).isEqualTo(KvStatus.UNSUPPORTED))
                    .hasMessageContaining("bplustree");

            assertThat(client.listTables()).extracting(t -> t.name()).contains("default", "ordered", "points");
            client.dropTable("points");
            assertThat(client.listTables()).extracting(t -> t.name()).doesNotContain("points");
            assertThatThrownBy(() -> client.table("points").get(bytes("a")))
                    .isInstanceOfSatisfying(KvException.class, e -> assertThat(e.status()).isEqualTo(KvStatus.NOT_FOUND));
        }
    }

    @Test
    void aNodeOutsideTheMetaGroupLearnsTablesAndForwards() {
        try (InProcessCluster cluster = new InProcessCluster(dir, 4, 8, 3, 3, "lsm").startAll(); RawCalls raw = new RawCalls()) {
            Response created = raw.call(cluster.clientAddress(4), Request.newBuilder()
                    .setSession(Session.newBuilder().setClientId(77).setSeq(1).setFirstIncompleteSeq(1).setOpen(true))
                    .setCreateTable(io.kvkit.client.proto.CreateTableRequest.newBuilder().setName("t").setEngine("lsm")));
            assertThat(created.getStatus().getCode()).as(created.toString()).isEqualTo(StatusCode.OK);
            for (int i = 0; i < 20; i++) {
                assertThat(raw.put(cluster.clientAddress(4), "t", bytes("k" + i), bytes("v" + i)).getStatus().getCode())
                        .isEqualTo(StatusCode.OK);
            }
            for (long node = 1; node <= 4; node++) {
                Response r = raw.get(cluster.clientAddress(node), "t", bytes("k7"), ReadConsistency.LINEARIZABLE);
                assertThat(r.getGet().getValue().toByteArray()).isEqualTo(bytes("v7"));
            }
        }
    }

    @Test
    void aRestartedNodeKeepsItsDataAndCatchesUp() {
        try (InProcessCluster cluster = new InProcessCluster(dir, 3, 4, 3, 3, "lsm").startAll(); RawCalls raw = new RawCalls()) {
            for (int i = 0; i < 20; i++) {
                raw.put(cluster.clientAddress(1), "", bytes("before-" + i), bytes("x"));
            }
            cluster.stop(3);
            for (int i = 0; i < 20; i++) {
                assertThat(raw.put(cluster.clientAddress(1), "", bytes("during-" + i), bytes("y")).getStatus().getCode())
                        .isEqualTo(StatusCode.OK);
            }
            cluster.start(3);
            for (int i = 0; i < 20; i++) {
                for (String k : List.of("before-" + i, "during-" + i)) {
                    Response r = raw.get(cluster.clientAddress(3), "", bytes(k), ReadConsistency.FOLLOWER);
                    assertThat(r.getGet().getFound()).as(k + " on the restarted node: " + r).isTrue();
                }
            }
        }
    }

    @Test
    void badRequestsGetInvalidArgumentNamingTheLimit() {
        try (InProcessCluster cluster = new InProcessCluster(dir, 1, 4, 1, 1, "lsm").startAll(); RawCalls raw = new RawCalls()) {
            Response big = raw.put(cluster.clientAddress(1), "", new byte[16 * 1024 + 1], bytes("v"));
            assertThat(big.getStatus().getCode()).isEqualTo(StatusCode.INVALID_ARGUMENT);
            assertThat(big.getStatus().getMessage()).contains("16384");

            // keys of a batch in different partitions: find two that differ
            Request.Builder batch = Request.newBuilder()
                    .setSession(Session.newBuilder().setClientId(5).setSeq(1).setFirstIncompleteSeq(1).setOpen(true))
                    .setBatch(BatchRequest.newBuilder()
                            .addOperations(BatchOperation.newBuilder().setKind(BatchOperation.Kind.PUT).setKey(ByteString.copyFromUtf8("a")).setValue(ByteString.copyFromUtf8("1")))
                            .addOperations(BatchOperation.newBuilder().setKind(BatchOperation.Kind.PUT).setKey(ByteString.copyFromUtf8(differentPartitionKey("a", 4))).setValue(ByteString.copyFromUtf8("2"))));
            Response spanning = raw.call(cluster.clientAddress(1), batch);
            assertThat(spanning.getStatus().getCode()).isEqualTo(StatusCode.INVALID_ARGUMENT);
            assertThat(spanning.getStatus().getMessage()).contains("one partition");
        }
    }

    @Test
    void aDataDirectoryOfAnotherNodeOrAPortInUseIsRefusedClearly() throws Exception {
        InProcessCluster cluster = new InProcessCluster(dir, 1, 4, 1, 1, "lsm");
        try (cluster) {
            cluster.startAll();
            // the same directory while it runs
            assertThatThrownBy(() -> KvNode.start(cluster.configs.get(0))).isInstanceOf(NodeStartException.class)
                    .hasMessageContaining("in use by another kvkit process");
        }
        var c = cluster.configs.get(0);
        var other = new io.kvkit.server.config.NodeConfig(2, c.dataDir(), c.listenHost(),
                List.of(new io.kvkit.server.config.NodeConfig.Member(2, "127.0.0.1", InProcessCluster.freePort(), InProcessCluster.freePort(), 0, 0)),
                c.partitions(), 1, 1, c.defaultEngine(), Map.of(), c.tickInterval(), c.electionTicks(), true, true, 1, 1000,
                c.requestTimeout(), c.maxKeyBytes(), c.maxValueBytes(), 64, 1);
        assertThatThrownBy(() -> KvNode.start(other)).isInstanceOf(NodeStartException.class).hasMessageContaining("belongs to node 1");

        try (var busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            var m = c.self();
            var taken = new io.kvkit.server.config.NodeConfig(1, dir.resolve("fresh"), "127.0.0.1",
                    List.of(new io.kvkit.server.config.NodeConfig.Member(1, "127.0.0.1", m.raftPort(), busy.getLocalPort(), 0, 0)),
                    c.partitions(), 1, 1, c.defaultEngine(), Map.of(), c.tickInterval(), c.electionTicks(), true, true, 1, 1000,
                    c.requestTimeout(), c.maxKeyBytes(), c.maxValueBytes(), 64, 1);
            assertThatThrownBy(() -> KvNode.start(taken)).isInstanceOf(NodeStartException.class)
                    .hasMessageContaining(":" + busy.getLocalPort()).hasMessageContaining("client port");
        }
    }

    private static String differentPartitionKey(String than, int partitions) {
        var p = new io.kvkit.client.KeyPartitioner(partitions);
        int target = p.partitionOf(bytes(than));
        for (int i = 0; ; i++) {
            if (p.partitionOf(bytes("k" + i)) != target) {
                return "k" + i;
            }
        }
    }
}
