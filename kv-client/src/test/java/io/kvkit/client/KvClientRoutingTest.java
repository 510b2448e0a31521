package io.kvkit.client;

import static io.kvkit.client.FakeCluster.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvkit.client.proto.Request;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Routing: straight to leaders, leader hints followed without a refetch, WRONG_EPOCH refetches. */
class KvClientRoutingTest {
    private FakeCluster cluster;
    private KvClient client;

    @BeforeEach
    void start() {
        cluster = new FakeCluster(3, 8, 3);
        client = KvClient.builder().seeds(cluster.seeds().getFirst()).defaultDeadline(Duration.ofSeconds(20)).build();
    }

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    private int routeRequests() {
        return cluster.nodes.stream().mapToInt(n -> n.received(Request.BodyCase.ROUTE)).sum();
    }

    @Test
    void writesGoStraightToThePartitionLeaders() {
        Map<Long, Integer> expected = new HashMap<>();
        for (int i = 0; i < 200; i++) {
            byte[] key = bytes("user-" + i);
            client.put(key, bytes("v" + i));
            expected.merge(cluster.leaderOf(cluster.partitioner.partitionOf(key)), 1, Integer::sum);
        }
        for (FakeCluster.Node n : cluster.nodes) {
            assertThat(n.received(Request.BodyCase.PUT)).as("puts received by node %d", n.id)
                    .isEqualTo(expected.getOrDefault(n.id, 0));
        }
        assertThat(routeRequests()).isEqualTo(1);
        assertThat(client.get(bytes("user-7"))).isEqualTo(bytes("v7"));
        assertThat(cluster.valueOf("default", bytes("user-199"))).isEqualTo(bytes("v199"));
    }

    @Test
    void aNotLeaderHintIsFollowedWithoutFetchingTheTopology() {
        byte[] key = cluster.keyIn(5, 0);
        client.put(key, bytes("a"));
        long oldLeader = cluster.leaderOf(5);
        long newLeader = cluster.replicasOf(5)[1];
        cluster.moveLeader(5, newLeader);
        int routes = routeRequests();

        client.put(key, bytes("b"));

        assertThat(cluster.node(oldLeader).received(Request.BodyCase.PUT)).isEqualTo(2); // the first put, and the refused one
        assertThat(cluster.node(newLeader).received(Request.BodyCase.PUT)).isEqualTo(1);
        assertThat(routeRequests()).isEqualTo(routes);
        assertThat(client.topology().leaderOf(5)).isEqualTo(newLeader);
        client.put(key, bytes("c")); // straight to the new leader now
        assertThat(cluster.node(newLeader).received(Request.BodyCase.PUT)).isEqualTo(2);
        assertThat(cluster.valueOf("default", key)).isEqualTo(bytes("c"));
    }

    @Test
    void wrongEpochRefreshesTheTopologyAndRetries() {
        byte[] key = cluster.keyIn(2, 0);
        client.put(key, bytes("a"));
        assertThat(client.topology().epoch()).isEqualTo(1);
        long newEpoch = cluster.bumpEpoch();
        long newLeader = cluster.replicasOf(2)[2];
        cluster.moveLeader(2, newLeader);
        int routes = routeRequests();

        assertThat(client.get(key)).isEqualTo(bytes("a"));

        assertThat(routeRequests()).isGreaterThan(routes);
        assertThat(client.topology().epoch()).isEqualTo(newEpoch);
        assertThat(client.topology().leaderOf(2)).isEqualTo(newLeader);
    }

    @Test
    void followerAndStaleReadsSpreadOverReplicasWithoutNotLeader() {
        byte[] key = cluster.keyIn(3, 0);
        client.put(key, bytes("v"));
        KvTable stale = client.defaultTable().withConsistency(Consistency.STALE);
        for (int i = 0; i < 60; i++) {
            assertThat(stale.get(key)).isEqualTo(bytes("v"));
        }
        int servingNodes = 0;
        for (FakeCluster.Node n : cluster.nodes) {
            servingNodes += n.received(Request.BodyCase.GET) > 0 ? 1 : 0;
        }
        assertThat(servingNodes).as("replicas that served stale reads").isGreaterThan(1);
    }

    @Test
    void tablesAreCreatedListedAndDroppedThroughAnyNode() {
        assertThat(client.createTable("users", "bplustree", Map.of("pageSize", "8192"))).isTrue();
        assertThat(client.createTable("users", "bplustree", Map.of("pageSize", "8192"))).isFalse();
        assertThat(client.listTables()).extracting(TableDescriptor::name).containsExactly("default", "users");
        client.table("users").put(bytes("k"), bytes("v"));
        assertThat(client.table("users").get(bytes("k"))).isEqualTo(bytes("v"));
        assertThat(client.get(bytes("k"))).isNull();
        client.dropTable("users");
        assertThat(client.listTables()).extracting(TableDescriptor::name).containsExactly("default");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.dropTable("users"))
                .isInstanceOfSatisfying(KvException.class, e -> assertThat(e.status()).isEqualTo(KvStatus.NOT_FOUND));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.createTable("t", "btree", Map.of()))
                .hasMessageContaining("engine 'btree' is not one of [lsm, hash, bplustree]");
    }
}
