package io.kvkit.server.node;

import io.kvkit.client.KvClient;
import io.kvkit.client.KvException;
import io.kvkit.client.KvTable;
import io.kvkit.client.proto.NodeChangeRequest;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.StatusCode;
import io.kvkit.server.meta.ClusterState;
import io.kvkit.server.meta.NodeStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import static io.kvkit.server.node.RawCalls.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Nodes join and leave a running cluster (3 nodes, Q = 8, R = 3, in this JVM): partitions move by
 * Raft membership change, exactly the ring's minimum moves, every key stays readable, and a writer
 * running all along loses no acknowledged write.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MembershipChangeTest {
    private static final int KEYS = 2_000;

    @TempDir
    Path dir;

    @Test
    void aNodeJoinsTakesItsShareAndLeavesAgainWithoutLosingAWrite() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(dir, 3, 8, 3, 3, "lsm").startAll();
             KvClient client = KvClient.builder().seeds(cluster.clientAddresses().toArray(String[]::new)).build();
             RawCalls raw = new RawCalls()) {
            KvTable table = client.defaultTable();
            load(table);
            ClusterState before = cluster.nodes.get(1L).clusterState();

            Writer writer = new Writer(table);
            writer.start();
            try {
                // ---- grow 3 -> 4
                KvNode four = cluster.join(4, 2);
                ClusterState grown = awaitSettled(cluster, s -> s.nodes().containsKey(4L));
                assertThat(grown.partitionsOf(4)).as("node 4's share of 24 replicas").hasSize(6);
                assertThat(four.memberPartitions()).containsExactlyElementsOf(grown.partitionsOf(4));
                long started = cluster.nodes.values().stream().mapToLong(KvNode::movesStarted).sum();
                long finished = cluster.nodes.values().stream().mapToLong(KvNode::movesFinished).sum();
                int minimum = replicasAdded(before, grown);
                System.out.println("join: " + started + " replicas added, " + finished + " removed; ring minimum " + minimum);
                assertThat(started).as("replicas moved = the ring's minimum").isEqualTo(minimum);
                assertThat(finished).isEqualTo(minimum);
                writer.awaitMore(20);
                checkAllReadable(table);

                // ---- shrink 4 -> 3
                Response removed = raw.call(cluster.clientAddress(3), Request.newBuilder().setNodeChange(
                        NodeChangeRequest.newBuilder().setKind(NodeChangeRequest.Kind.REMOVE_NODE).setNodeId(4)));
                assertThat(removed.getStatus().getCode()).as(removed.getStatus().getMessage()).isEqualTo(StatusCode.OK);
                assertThat(removed.getNodeChange().getOutcome()).contains("node 4 leaving");
                ClusterState shrunk = awaitSettled(cluster, s -> s.nodes().get(4L).status() == NodeStatus.LEAVING);
                assertThat(shrunk.holdsAnything(4)).isFalse();
                await("node 4 to hold nothing", () -> four.hostedPartitions().isEmpty());
                long startedAfter = cluster.nodes.values().stream().mapToLong(KvNode::movesStarted).sum() - started;
                assertThat(startedAfter).as("replicas moved off node 4 = its replicas").isEqualTo(replicasAdded(grown, shrunk));
                writer.awaitMore(20);
            } finally {
                writer.stop();
            }
            assertThat(writer.failures).as("writer errors beyond retried ones").isEmpty();
            System.out.println("writer: " + writer.acked.size() + " acknowledged writes during the moves");
            checkAllReadable(table);
            for (String k : writer.acked) {
                assertThat(table.get(bytes(k))).as("acknowledged write %s", k).isEqualTo(bytes("v-" + k));
            }
        }
    }

    @Test
    void aSilentNodeIsMarkedDownAndItsReplicasAreRecreatedOnTheOthers() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(dir, 4, 8, 3, 3, "lsm")) {
            cluster.configs.replaceAll(c -> c.withNodeDownAfter(java.time.Duration.ofSeconds(2)));
            cluster.startAll();
            try (KvClient client = KvClient.builder().seeds(cluster.clientAddresses().toArray(String[]::new)).build()) {
                KvTable table = client.defaultTable();
                load(table);
                ClusterState before = cluster.nodes.get(1L).clusterState();
                assertThat(before.partitionsOf(4)).isNotEmpty();
                cluster.stop(4); // silent from now on
                ClusterState healed = awaitSettled(cluster, s -> s.nodes().get(4L).status() == NodeStatus.DOWN);
                assertThat(healed.holdsAnything(4)).isFalse();
                for (int p = 0; p < healed.partitionCount(); p++) {
                    assertThat(healed.membership(p).voters()).as("partition %d back to R voters", p).hasSize(3).doesNotContain(4L);
                }
                assertThat(replicasAdded(before, healed)).as("exactly node 4's replicas re-created").isEqualTo(before.partitionsOf(4).size());
                checkAllReadable(table);
            }
        }
    }

    @Test
    void aJoiningIdThatTheClusterKnowsWithOtherAddressesIsRefused() {
        try (InProcessCluster cluster = new InProcessCluster(dir, 3, 8, 3, 3, "lsm").startAll()) {
            var base = cluster.configs.getFirst();
            var impostor = new io.kvkit.server.config.NodeConfig(2, dir.resolve("impostor"), "127.0.0.1",
                    List.of(new io.kvkit.server.config.NodeConfig.Member(2, "127.0.0.1", InProcessCluster.freePort(),
                            InProcessCluster.freePort(), 0, 0)), base.partitions(), base.replicationFactor(), base.metaReplicas(),
                    base.defaultEngine(), base.defaultEngineOptions(), base.tickInterval(), base.electionTicks(), base.syncWrites(),
                    base.leaseReads(), 1, base.snapshotEveryEntries(), base.requestTimeout(), base.maxKeyBytes(), base.maxValueBytes(),
                    base.maxInFlightPerConnection(), 1).withJoin(cluster.clientAddress(1));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> KvNode.start(impostor))
                    .isInstanceOf(NodeStartException.class)
                    .hasMessageContaining("node id 2 is already in the cluster with raft address " + cluster.configs.get(1).self().raftAddress())
                    .hasMessageContaining("choose an id the cluster does not use");
        }
    }

    private static void load(KvTable table) throws Exception {
        Semaphore window = new Semaphore(64);
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            window.acquire();
            all.add(table.putAsync(bytes("k-" + i), bytes("v-" + i)).whenComplete((v, e) -> window.release()));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }

    private static void checkAllReadable(KvTable table) throws Exception {
        List<CompletableFuture<byte[]>> reads = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            reads.add(table.getAsync(bytes("k-" + i)));
        }
        for (int i = 0; i < KEYS; i++) {
            assertThat(reads.get(i).get(30, TimeUnit.SECONDS)).as("k-" + i).isEqualTo(bytes("v-" + i));
        }
    }

    /** Replicas in {@code after}'s targets that {@code before}'s did not have: the ring's minimum moves. */
    private static int replicasAdded(ClusterState before, ClusterState after) {
        int n = 0;
        for (int p = 0; p < before.partitionCount(); p++) {
            Set<Long> added = new HashSet<>(after.replicas(p));
            before.replicas(p).forEach(added::remove);
            n += added.size();
        }
        return n;
    }

    /**
     * Waits until the meta state satisfies {@code reached} and every partition's membership is its
     * target, and every node holds exactly the replicas the targets give it.
     */
    private static ClusterState awaitSettled(InProcessCluster cluster, java.util.function.Predicate<ClusterState> reached)
            throws InterruptedException {
        await("the moves to finish", () -> {
            ClusterState s = cluster.nodes.get(1L).clusterState();
            if (!reached.test(s)) {
                return false;
            }
            for (int p = 0; p < s.partitionCount(); p++) {
                if (s.moving(p)) {
                    return false;
                }
            }
            for (KvNode n : cluster.nodes.values()) {
                if (!n.hostedPartitions().equals(new java.util.TreeSet<>(s.partitionsOf(n.nodeId())))) {
                    return false;
                }
            }
            return true;
        }, () -> describe(cluster));
        return cluster.nodes.get(1L).clusterState();
    }

    private static String describe(InProcessCluster cluster) {
        StringBuilder b = new StringBuilder();
        ClusterState s = cluster.nodes.get(1L).clusterState();
        b.append("epoch ").append(s.epoch()).append('\n');
        for (int p = 0; p < s.partitionCount(); p++) {
            b.append("  partition ").append(p).append(": target ").append(s.replicas(p)).append(", recorded ")
                    .append(s.membership(p)).append('\n');
        }
        for (KvNode n : cluster.nodes.values()) {
            b.append("  node ").append(n.nodeId()).append(": epoch ").append(n.clusterState().epoch()).append(", hosts ")
                    .append(n.hostedPartitions()).append(", member of ").append(n.memberPartitions()).append('\n');
        }
        return b.toString();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        await(what, condition, () -> "");
    }

    private static void await(String what, BooleanSupplier condition, java.util.function.Supplier<String> diagnosis)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after 60 s waiting for " + what + "\n" + diagnosis.get());
            }
            Thread.sleep(100);
        }
    }

    /** Writes new keys one after another while the cluster changes; keeps what was acknowledged. */
    private static final class Writer {
        final KvTable table;
        final ConcurrentLinkedQueue<String> acked = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        final AtomicBoolean stop = new AtomicBoolean();
        Thread thread;

        Writer(KvTable table) {
            this.table = table;
        }

        void start() {
            thread = Thread.ofPlatform().name("membership-writer").start(() -> {
                for (int i = 0; !stop.get() && i < 100_000; i++) {
                    String k = "w-" + i;
                    try {
                        table.put(bytes(k), bytes("v-" + k));
                        acked.add(k);
                    } catch (KvException e) {
                        failures.add(k + ": " + e.status() + " " + e.getMessage());
                    } catch (RuntimeException e) {
                        failures.add(k + ": " + e);
                    }
                }
            });
        }

        void awaitMore(int writes) throws InterruptedException {
            int target = acked.size() + writes;
            MembershipChangeTest.await(writes + " more acknowledged writes", () -> acked.size() >= target);
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join(30_000);
        }
    }
}
