package io.kvkit.server.partition;

import io.kvkit.raft.ConfChange;
import io.kvkit.raft.ConfState;
import io.kvkit.raft.Role;
import io.kvkit.raft.runtime.RaftGroup;
import io.kvkit.raft.runtime.RaftNode;
import io.kvkit.raft.runtime.RaftNodeConfig;
import io.kvkit.raft.storage.SharedRaftLogOptions;
import io.kvkit.raft.storage.SharedRaftLogStore;
import io.kvkit.raft.transport.InMemoryTransport;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static io.kvkit.server.partition.Commands.b;
import static io.kvkit.server.partition.Commands.put;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A partition replica joining after its leader compacted the log is caught up from the leader's
 * engine checkpoints, as a file snapshot streamed in chunks (kv-raft's runtime, an in-process
 * transport that streams through a staging directory), and then reads the same as the leader.
 */
@Timeout(90)
class PartitionFileSnapshotTest {

    private static final long GROUP = 5;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"lsm", "bplustree"})
    void aJoiningReplicaIsCaughtUpFromTheLeadersCheckpointFiles(String engine) throws Exception {
        InMemoryTransport.Hub hub = new InMemoryTransport.Hub(5);
        hub.streamFileSnapshots(dir.resolve("wire-staging"), 256 << 10);
        SharedRaftLogStore s1 = SharedRaftLogStore.open(dir.resolve("n1/raft"), SharedRaftLogOptions.defaults());
        SharedRaftLogStore s2 = SharedRaftLogStore.open(dir.resolve("n2/raft"), SharedRaftLogOptions.defaults());
        PartitionStateMachine m1 = PartitionStateMachine.open(TestEngines.options(dir.resolve("n1/p"), engine));
        PartitionStateMachine m2 = PartitionStateMachine.open(TestEngines.options(dir.resolve("n2/p"), engine));
        try (RaftNode n1 = new RaftNode(config(1), s1, l -> hub.join(1, 100_000, l));
             RaftNode n2 = new RaftNode(config(2), s2, l -> hub.join(2, 100_000, l))) {
            RaftGroup g1 = n1.startGroup(GROUP, ConfState.ofVoters(1L), m1);
            await("node 1 leads", () -> g1.status().role() == Role.LEADER);
            String value = "v".repeat(1_000);
            List<CompletableFuture<byte[]>> acks = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                acks.add(g1.propose(put("", "k" + i, value + i)));
            }
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            await("node 1 compacted", () -> n1.stats().snapshotsCreated() >= 1);

            n2.startGroup(GROUP, null, m2);
            g1.proposeConfChange(new ConfChange(ConfChange.Type.ADD_LEARNER, 2)).get(30, TimeUnit.SECONDS);
            await("node 2 caught up", () -> value599(m2));
            assertThat(n2.stats().snapshotsInstalled()).as("caught up by a snapshot").isPositive();
            assertThat(s2.fileSnapshots().snapshotIndexes(GROUP)).isNotEmpty();
            for (int i = 0; i < 600; i++) {
                assertThat(m2.get("", b("k" + i))).as("k" + i).isEqualTo(m1.get("", b("k" + i)));
            }
        } finally {
            m1.close();
            m2.close();
            s1.close();
            s2.close();
        }
    }

    private static boolean value599(PartitionStateMachine m) {
        try {
            byte[] v = m.get("", b("k599"));
            return v != null && new String(v, StandardCharsets.UTF_8).endsWith("599");
        } catch (RuntimeException e) {
            return false; // installing a snapshot: reads fail fast meanwhile
        }
    }

    private static RaftNodeConfig config(long id) {
        return RaftNodeConfig.defaults(id).withTickInterval(Duration.ofMillis(50)).withWorkerThreads(1).withApplyThreads(1)
                .withSnapshotEveryEntries(200).withRequestTimeout(Duration.ofSeconds(60));
    }

    private static void await(String what, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(10);
        }
    }
}
