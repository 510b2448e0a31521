package io.kvkit.client;

import static io.kvkit.client.FakeCluster.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvkit.client.proto.Request;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Lost answers, silence, bad frames, pipelining and limits, against the fake cluster. */
class KvClientFaultsTest {
    private FakeCluster cluster;
    private KvClient client;

    private void start(int nodes, int partitions, KvClient.Builder b) {
        cluster = new FakeCluster(nodes, partitions, Math.min(nodes, 3));
        client = b.seeds(cluster.seeds().getFirst()).build();
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /**
     * The CAS applies, the connection drops before the answer: the client retries under the same
     * (client id, seq), and the server answers from its session table. Without it, the retry
     * would find the new value, fail its expectation, and report a lost CAS as a mismatch.
     */
    @Test
    void aCasRetriedAfterADroppedConnectionAppliesOnce() {
        start(3, 8, KvClient.builder().defaultDeadline(Duration.ofSeconds(20)));
        byte[] key = bytes("counter");
        client.put(key, bytes("0"));
        cluster.dropConnectionAfterCas.set(1);

        CasResult r = client.compareAndSet(key, bytes("0"), bytes("1"));

        assertThat(r.succeeded()).isTrue();
        assertThat(r.currentValue()).isEqualTo(bytes("0"));
        assertThat(cluster.casApplications.get()).isEqualTo(1);
        assertThat(cluster.sessionDuplicates.get()).isEqualTo(1);
        assertThat(cluster.valueOf("default", key)).isEqualTo(bytes("1"));
        long leader = cluster.leaderOf(cluster.partitioner.partitionOf(key));
        assertThat(cluster.node(leader).received(Request.BodyCase.COMPARE_AND_SET)).isEqualTo(2);
        // a mismatch is a result, not an error
        CasResult miss = client.compareAndSet(key, bytes("0"), bytes("2"));
        assertThat(miss.succeeded()).isFalse();
        assertThat(miss.currentValue()).isEqualTo(bytes("1"));
        assertThat(client.compareAndSet(bytes("fresh"), null, bytes("x")).succeeded()).isTrue();
        assertThat(client.compareAndSet(bytes("fresh"), bytes("x"), null).succeeded()).isTrue();
        assertThat(cluster.valueOf("default", bytes("fresh"))).isNull();
    }

    @Test
    void aSilentServerEndsInATimeoutAtTheDeadline() {
        start(1, 4, KvClient.builder());
        client.topology();
        cluster.node(1).silent = true;
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> client.defaultTable().withDeadline(Duration.ofMillis(300)).get(bytes("k")))
                .isInstanceOf(KvTimeoutException.class)
                .satisfies(e -> assertThat(((KvException) e).status()).isEqualTo(KvStatus.TIMEOUT))
                .hasMessageContaining("deadline passed");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(ms).as("waited ms").isBetween(250L, 15_000L);
    }

    @Test
    void aFrameThatDoesNotParseClosesTheConnectionWithAClearError() {
        start(1, 4, KvClient.builder().defaultDeadline(Duration.ofSeconds(20)));
        client.topology();
        cluster.node(1).badFrames = FakeCluster.BadFrames.GARBAGE;
        assertThatThrownBy(() -> client.get(bytes("k")))
                .isInstanceOf(KvProtocolException.class)
                .hasMessageContaining("does not parse as a kvkit.client.v1.Response")
                .hasMessageContaining("connection closed");
        awaitClosed(cluster.node(1));
    }

    @Test
    void anOversizedFrameClosesTheConnectionBeforeItIsBuffered() {
        start(1, 4, KvClient.builder().defaultDeadline(Duration.ofSeconds(20)));
        client.topology();
        cluster.node(1).badFrames = FakeCluster.BadFrames.OVERSIZED_LENGTH;
        assertThatThrownBy(() -> client.get(bytes("k")))
                .isInstanceOf(KvProtocolException.class)
                .hasMessageContaining("over maxFrameBytes=" + ProtocolLimits.DEFAULT_MAX_FRAME_BYTES);
        awaitClosed(cluster.node(1));
        // the node behaves again: a new connection serves
        cluster.node(1).badFrames = FakeCluster.BadFrames.NONE;
        client.put(bytes("k"), bytes("v"));
        assertThat(client.get(bytes("k"))).isEqualTo(bytes("v"));
    }

    private static void awaitClosed(FakeCluster.Node n) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (n.connectionsClosed.get() < 1) {
            assertThat(System.nanoTime()).as("connection closed within 20 s").isLessThan(deadline);
            Thread.onSpinWait();
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    /** 512 requests in flight on one connection, answered newest first in groups of 64: each gets its own answer. */
    @Test
    void manyRequestsInFlightOnOneConnectionAreMatchedById() {
        start(1, 4, KvClient.builder().poolSizePerNode(1).maxInFlightPerConnection(1024).defaultDeadline(Duration.ofSeconds(30)));
        for (int i = 0; i < 512; i++) {
            cluster.load("default", bytes("key-" + i), bytes("value-" + i));
        }
        client.topology();
        cluster.node(1).reverseInGroupsOf = 64;
        List<CompletableFuture<byte[]>> futures = new ArrayList<>();
        for (int i = 0; i < 512; i++) {
            futures.add(client.defaultTable().getAsync(bytes("key-" + i)));
        }
        for (int i = 0; i < 512; i++) {
            assertThat(futures.get(i).join()).as("answer %d", i).isEqualTo(bytes("value-" + i));
        }
        assertThat(cluster.node(1).connectionsAccepted.get()).isEqualTo(1);
        assertThat(cluster.node(1).received(Request.BodyCase.GET)).isEqualTo(512);
    }

    /** With 4 slots in flight, 200 requests still all complete: the rest wait their turn. */
    @Test
    void requestsBeyondTheInFlightBoundWaitForASlot() {
        start(1, 4, KvClient.builder().maxInFlightPerConnection(4).defaultDeadline(Duration.ofSeconds(30)));
        client.topology();
        cluster.node(1).reverseInGroupsOf = 4; // answers only when 4 are in flight: proves the window is full
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            futures.add(client.defaultTable().putAsync(bytes("key-" + i), bytes("v")));
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
        assertThat(cluster.node(1).received(Request.BodyCase.PUT)).isEqualTo(200);
    }

    @Test
    void oversizedKeysAndValuesAreRefusedBeforeAnythingIsSent() {
        start(1, 4, KvClient.builder());
        assertThatThrownBy(() -> client.put(new byte[16 * 1024 + 1], bytes("v")))
                .isInstanceOfSatisfying(KvException.class, e -> assertThat(e.status()).isEqualTo(KvStatus.INVALID_ARGUMENT))
                .hasMessageContaining("key of 16385 bytes exceeds max_key_bytes=16384");
        assertThatThrownBy(() -> client.put(bytes("k"), new byte[4 * 1024 * 1024 + 1]))
                .hasMessageContaining("value of 4194305 bytes exceeds max_value_bytes=4194304");
        assertThatThrownBy(() -> client.get(new byte[0])).hasMessageContaining("key must not be empty");
        assertThatThrownBy(() -> client.defaultTable().multiGet(List.of(bytes("a"), new byte[20_000])))
                .hasMessageContaining("key #1 of 20000 bytes exceeds max_key_bytes=16384");
        assertThatThrownBy(() -> client.defaultTable().batch(new WriteBatch().put(bytes("a"), new byte[5 << 20])))
                .hasMessageContaining("value of operation #0");
        assertThat(cluster.node(1).receivedData()).isZero();
        assertThat(cluster.node(1).connectionsAccepted.get()).isZero();
    }

    @Test
    void theLimitsAServerAnnouncesAreEnforcedClientSide() {
        start(1, 4, KvClient.builder());
        cluster.limits = new ProtocolLimits(100, 1000, 64 * 1024, 50, 100);
        client.topology(); // the handshake brings the limits
        assertThat(client.limits().maxKeyBytes()).isEqualTo(100);
        assertThatThrownBy(() -> client.put(new byte[101], bytes("v"))).hasMessageContaining("max_key_bytes=100");
        assertThatThrownBy(() -> client.put(bytes("k"), new byte[1001])).hasMessageContaining("max_value_bytes=1000");
        assertThatThrownBy(() -> client.defaultTable().scan(ScanRange.all(101))).hasMessageContaining("max_scan_limit=100");
        assertThat(cluster.node(1).receivedData()).isZero();
    }

    /** 1 slot in flight and 2 in the queue on a node that never answers: the rest fail at once, nothing more is sent. */
    @Test
    void aFullQueueFailsAtOnceWithBackPressure() {
        start(1, 4, KvClient.builder().maxInFlightPerConnection(1).maxQueuedPerConnection(2).retryPolicy(RetryPolicy.none())
                .defaultDeadline(Duration.ofSeconds(60)));
        client.topology();
        cluster.node(1).silent = true;
        List<CompletableFuture<byte[]>> futures = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            futures.add(client.defaultTable().getAsync(bytes("k" + i)));
        }
        // requests are handed to the connection's event loop in call order: #0 in flight, #1 and #2 queued
        for (int i = 3; i < 10; i++) {
            Throwable t = PartitionCall.unwrap(futures.get(i).handle((v, e) -> e).join());
            assertThat(t).as("request %d", i).isInstanceOf(KvException.class).hasMessageContaining("back-pressure")
                    .hasMessageContaining("maxQueuedPerConnection=2");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (cluster.node(1).received(Request.BodyCase.GET) < 1) {
            assertThat(System.nanoTime()).as("the first request arrives within 20 s").isLessThan(deadline);
            Thread.onSpinWait();
        }
        assertThat(futures.subList(0, 3)).allMatch(f -> !f.isDone());
        client.close(); // fails the three that wait, without waiting for their deadline
        for (int i = 0; i < 3; i++) {
            assertThat(PartitionCall.unwrap(futures.get(i).handle((v, e) -> e).join())).isInstanceOf(KvException.class);
        }
        assertThat(cluster.node(1).received(Request.BodyCase.GET)).isEqualTo(1);
    }

    /** The leader's node dies and another replica takes over: the connection failure refreshes the topology. */
    @Test
    void aDeadLeaderIsRoutedAroundAfterATopologyRefresh() {
        start(3, 8, KvClient.builder().defaultDeadline(Duration.ofSeconds(20)));
        byte[] key = cluster.keyIn(0, 0);
        client.put(key, bytes("a"));
        long dead = cluster.leaderOf(0);
        cluster.stopNode(dead);
        long successor = cluster.replicasOf(0)[1];
        cluster.moveLeader(0, successor);

        client.put(key, bytes("b"));

        assertThat(cluster.valueOf("default", key)).isEqualTo(bytes("b"));
        assertThat(client.topology().leaderOf(0)).isEqualTo(successor);
        assertThat(client.get(key)).isEqualTo(bytes("b"));
    }

    @Test
    void aServerOfAnotherProtocolVersionIsRefusedAtTheHandshake() {
        start(1, 4, KvClient.builder().retryPolicy(RetryPolicy.none()));
        cluster.node(1).helloVersion = 2;
        assertThatThrownBy(() -> client.topology())
                .isInstanceOfSatisfying(KvException.class, e -> assertThat(e.status()).isEqualTo(KvStatus.UNAVAILABLE))
                .hasMessageContaining("speaks protocol version 2; this client speaks version 1");
    }

    @Test
    void callsAfterCloseFailClearly() {
        start(1, 4, KvClient.builder());
        client.put(bytes("k"), bytes("v"));
        client.close();
        assertThatThrownBy(() -> client.get(bytes("k"))).isInstanceOf(KvException.class).hasMessageContaining("closed");
    }

    /** A replica that accepts requests and never answers costs one attempt timeout, then another replica serves. */
    @Test
    void aHungReplicaIsLeftAfterTheAttemptTimeout() {
        start(3, 4, KvClient.builder().attemptTimeout(Duration.ofMillis(200)).defaultDeadline(Duration.ofSeconds(30)));
        for (int i = 0; i < 20; i++) {
            cluster.load("default", bytes("key-" + i), bytes("v" + i));
        }
        client.topology();
        cluster.node(1).silent = true;
        KvTable stale = client.defaultTable().withConsistency(Consistency.STALE);
        for (int i = 0; i < 20; i++) {
            assertThat(stale.get(bytes("key-" + i))).isEqualTo(bytes("v" + i));
        }
        // at least: on a slow machine a healthy replica may miss the 200 ms too and be asked again
        assertThat(cluster.node(2).received(Request.BodyCase.GET) + cluster.node(3).received(Request.BodyCase.GET))
                .isGreaterThanOrEqualTo(20);
    }
}
