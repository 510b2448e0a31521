package io.kvkit.server.node;

import io.kvkit.client.KvClient;
import io.kvkit.client.proto.ClusterStateRequest;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.StatusCode;
import io.kvkit.server.cli.LocalCluster;
import io.kvkit.server.meta.ClusterState;
import io.kvkit.server.meta.NodeStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.kvkit.server.node.RawCalls.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kv cluster add-node} / {@code remove-node} on node processes: a joined node restarted in
 * the middle of its moves rejoins from its data directory and the moves resume; removing it moves
 * everything back and stops it.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class LocalClusterMembershipTest {

    @TempDir
    Path dir;

    @Test
    void addNodeRestartMidMoveAndRemoveNode() throws Exception {
        try (LocalCluster cluster = LocalCluster.create(dir, LocalCluster.Settings.of(3).withPartitions(4)
                .withSetting("raft-worker-threads", "1"));
             RawCalls raw = new RawCalls()) {
            cluster.startAll();
            try (KvClient client = KvClient.builder().seeds(cluster.endpoints().split(",")).defaultDeadline(Duration.ofSeconds(30)).build()) {
                for (int i = 0; i < 200; i++) {
                    client.put(bytes("k" + i), bytes("v" + i));
                }
                long id = cluster.addNode();
                assertThat(id).isEqualTo(4);
                cluster.restart(4); // most likely in the middle of its moves: they resume from the meta and Raft state
                String seed = cluster.clientAddresses().get(1L);
                ClusterState grown = awaitSettled(raw, seed, s -> s.nodes().containsKey(4L));
                assertThat(grown.partitionsOf(4)).as("node 4's share of 12 replicas").hasSize(3);
                for (int i = 0; i < 200; i++) {
                    assertThat(client.get(bytes("k" + i))).isEqualTo(bytes("v" + i));
                }

                cluster.removeNode(4, Duration.ofSeconds(120));
                assertThat(cluster.ids()).containsExactly(1L, 2L, 3L);
                assertThat(cluster.isRunning(4)).isFalse();
                ClusterState shrunk = awaitSettled(raw, seed, s -> s.nodes().get(4L).status() == NodeStatus.LEAVING);
                assertThat(shrunk.holdsAnything(4)).isFalse();
                for (int i = 0; i < 200; i++) {
                    assertThat(client.get(bytes("k" + i))).isEqualTo(bytes("v" + i));
                }
            }
        }
    }

    private static ClusterState awaitSettled(RawCalls raw, String address, java.util.function.Predicate<ClusterState> reached)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        ClusterState s = null;
        while (System.nanoTime() < deadline) {
            Response r = raw.call(address, Request.newBuilder().setClusterState(ClusterStateRequest.getDefaultInstance()));
            assertThat(r.getStatus().getCode()).isEqualTo(StatusCode.OK);
            s = ClusterState.decode(r.getClusterState().getState().toByteArray());
            boolean settled = reached.test(s);
            for (int p = 0; settled && p < s.partitionCount(); p++) {
                settled = !s.moving(p);
            }
            if (settled) {
                return s;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the moves did not finish within 120 s; last state " + s);
    }
}
