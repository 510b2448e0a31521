package io.kvkit.raft.runtime;

import io.kvkit.raft.ReadOnlyMode;
import io.kvkit.raft.Role;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.kvkit.raft.runtime.RuntimeCluster.await;
import static io.kvkit.raft.runtime.RuntimeCluster.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Three runtime nodes hosting one group, in one JVM over the in-memory transport. */
class RaftNodeTest {

    private static final long G = 7;

    @Test
    void thousandProposalsAreAppliedIdenticallyEverywhereAndRepliedTo() {
        try (RuntimeCluster c = new RuntimeCluster(3, 11, cfg -> cfg)) {
            c.startGroup(G);
            long leader = c.awaitLeader(G);
            List<CompletableFuture<byte[]>> futures = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                futures.add(c.group(leader, G).propose(bytes("cmd-" + i)));
            }
            Set<String> acked = new HashSet<>();
            for (int i = 0; i < futures.size(); i++) {
                try {
                    long index = RuntimeCluster.replyIndex(futures.get(i));
                    assertThat(index).isGreaterThan(1);
                    acked.add("cmd-" + i);
                } catch (CompletionException e) {
                    // a leadership change on a loaded machine: retried below, the outcome was unknown
                    c.proposeUntilAcked(G, "cmd-" + i);
                    acked.add("cmd-" + i);
                }
            }
            assertThat(acked).hasSize(1000);
            await("every node to apply all 1,000 commands", () -> c.ids.stream()
                    .allMatch(n -> new HashSet<>(c.machine(n, G).items()).containsAll(acked)));
            await("identical state machines", () -> c.machine(1, G).items().equals(c.machine(2, G).items())
                    && c.machine(2, G).items().equals(c.machine(3, G).items()));
            GroupStatus s = c.group(leader, G).status();
            assertThat(s.appliedIndex()).isGreaterThanOrEqualTo(1001);
            RaftNodeStats stats = c.nodes.get(leader).stats();
            System.out.println("1,000 proposals on the leader: " + stats);
            assertThat(stats.syncs()).isLessThan(1000); // proposals share rounds, rounds share syncs
        }
    }

    @Test
    void proposalOnAFollowerIsRefusedWithTheLeaderAsHint() {
        try (RuntimeCluster c = new RuntimeCluster(3, 12, cfg -> cfg)) {
            c.startGroup(G);
            c.proposeUntilAcked(G, "x");
            long leader = c.awaitLeader(G);
            await("every member to know the leader", () -> c.ids.stream()
                    .allMatch(n -> c.group(n, G).status().leader() == c.leaderOf(G)));
            leader = c.leaderOf(G);
            long follower = leader == 1 ? 2 : 1;
            CompletableFuture<byte[]> f = c.group(follower, G).propose(bytes("y"));
            long expectedLeader = leader;
            assertThatThrownBy(f::join).hasCauseInstanceOf(NotLeaderException.class)
                    .cause().satisfies(e -> assertThat(((NotLeaderException) e).leaderHint()).isEqualTo(expectedLeader));
            assertThat(c.machine(follower, G).items()).doesNotContain("y");
        }
    }

    @Test
    void readsAtEveryConsistency() throws Exception {
        try (RuntimeCluster c = new RuntimeCluster(3, 13, cfg -> cfg.withRaftOptions(
                cfg.raftOptions().withReadOnlyMode(ReadOnlyMode.LEASE_BASED)).withFollowerReadMaxLagEntries(5))) {
            c.startGroup(G);
            c.proposeUntilAcked(G, "w1");
            long leader = c.awaitLeader(G);
            long follower = leader == 1 ? 2 : 1;
            long other = 6 - leader - follower;

            c.group(leader, G).read(ReadConsistency.LINEARIZABLE).get(30, TimeUnit.SECONDS);
            assertThat(c.machine(leader, G).items()).contains("w1");
            c.group(leader, G).read(ReadConsistency.LEASE).get(30, TimeUnit.SECONDS);
            assertThat(c.machine(leader, G).items()).contains("w1");
            c.group(follower, G).read(ReadConsistency.FOLLOWER).get(30, TimeUnit.SECONDS);
            assertThat(c.machine(follower, G).items()).contains("w1");
            assertThat(c.group(follower, G).read(ReadConsistency.STALE)).isCompleted();
            assertThatThrownBy(() -> c.group(follower, G).read(ReadConsistency.LINEARIZABLE).join())
                    .hasCauseInstanceOf(NotLeaderException.class);

            // hold one member's state machine back: its follower reads fail fast, naming the leader
            CountDownLatch gate = new CountDownLatch(1);
            c.machine(other, G).gate = gate;
            try {
                for (int i = 0; i < 20; i++) {
                    c.proposeUntilAcked(G, "lag-" + i);
                }
                long leaderNow = c.awaitLeader(G);
                await("the held member to receive the log", () -> c.group(other, G).status().commitIndex()
                        - c.group(other, G).status().appliedIndex() > 5);
                CompletableFuture<Void> r = c.group(other, G).read(ReadConsistency.FOLLOWER);
                assertThatThrownBy(() -> r.get(30, TimeUnit.SECONDS)).cause().isInstanceOf(FollowerLaggingException.class)
                        .satisfies(e -> assertThat(((FollowerLaggingException) e).leaderHint()).isEqualTo(leaderNow));
            } finally {
                gate.countDown();
                c.machine(other, G).gate = null;
            }
            await("the released member to catch up", () -> c.group(other, G).status().appliedIndex()
                    >= c.group(other, G).status().commitIndex() - 5);
            c.group(other, G).read(ReadConsistency.FOLLOWER).get(30, TimeUnit.SECONDS);
            assertThat(c.machine(other, G).items()).contains("lag-19");
        }
    }

    @Test
    void closingTheLeadersNodeElectsANewLeaderAndLosesNoAcknowledgedWrite() {
        try (RuntimeCluster c = new RuntimeCluster(3, 14, cfg -> cfg)) {
            c.startGroup(G);
            List<String> acked = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                c.proposeUntilAcked(G, "before-" + i);
                acked.add("before-" + i);
            }
            long old = c.awaitLeader(G);
            c.nodes.get(old).close();
            long fresh = c.awaitLeader(G);
            assertThat(fresh).isNotEqualTo(old);
            for (int i = 0; i < 100; i++) {
                c.proposeUntilAcked(G, "after-" + i);
                acked.add("after-" + i);
            }
            for (long n : c.ids) {
                if (n != old) {
                    await("node " + n + " to hold every acknowledged write",
                            () -> c.machine(n, G).items().containsAll(acked));
                }
            }
        }
    }

    /** A snapshot that fails (e.g. too large for memory) skips that compaction; the group keeps serving. */
    @Test
    void aFailingSnapshotKeepsTheLogAndTheGroupServes() {
        try (RuntimeCluster c = new RuntimeCluster(3, 17, cfg -> cfg.withSnapshotEveryEntries(10))) {
            c.startGroup(G);
            c.proposeUntilAcked(G, "first");
            for (long n : c.nodes.keySet()) {
                c.machine(n, G).failSnapshots = true;
            }
            for (int i = 0; i < 60; i++) {
                c.proposeUntilAcked(G, "after-" + i);
            }
            long leader = c.awaitLeader(G);
            for (long n : c.nodes.keySet()) {
                assertThat(c.nodes.get(n).stats().snapshotsCreated()).as("snapshots made on node %d", n).isZero();
                await("node " + n + " to apply everything", () -> c.machine(n, G).items().contains("after-59"));
            }
            assertThat(c.group(leader, G).status().role()).isEqualTo(Role.LEADER);
        }
    }

    @Test
    void aPartitionedFollowerIsCaughtUpBySnapshotAfterCompaction() {
        try (RuntimeCluster c = new RuntimeCluster(3, 15, cfg -> cfg.withSnapshotEveryEntries(20))) {
            c.startGroup(G);
            c.proposeUntilAcked(G, "first");
            long leader = c.awaitLeader(G);
            long cut = leader == 3 ? 2 : 3;
            await("the member to be cut off to hold 'first'", () -> c.machine(cut, G).items().contains("first"));
            c.isolate(cut, true);
            for (int i = 0; i < 200; i++) {
                c.proposeUntilAcked(G, "during-" + i);
            }
            long leaderNow = c.awaitLeader(G);
            await("the leader to compact its log", () -> c.nodes.get(leaderNow).stats().snapshotsCreated() > 0);
            c.isolate(cut, false);
            await("the cut-off member to catch up", () -> c.machine(cut, G).items().contains("during-199"));
            assertThat(c.nodes.get(cut).stats().snapshotsInstalled()).isGreaterThan(0);
            assertThat(c.machine(cut, G).restores()).isGreaterThan(1); // the bootstrap one, then the leader's
            await("identical state machines", () -> c.machine(cut, G).items().equals(c.machine(leaderNow, G).items()));
            assertThat(c.group(cut, G).status().role()).isEqualTo(Role.FOLLOWER);
        }
    }

    /**
     * Replies never cross proposals: with several client threads proposing at once, every
     * acknowledged reply names the index at which that very command was applied; proposals
     * stranded on a deposed leader fail as outcome unknown (and were indeed never applied); no
     * command is applied twice.
     */
    @Test
    void repliesMatchTheirOwnCommandsUnderConcurrentProposersAndALeadershipChange() throws Exception {
        try (RuntimeCluster c = new RuntimeCluster(3, 16, cfg -> cfg)) {
            c.startGroup(G);
            c.proposeUntilAcked(G, "warm-up");
            long leader = c.awaitLeader(G);
            int threads = 4;
            int each = 250;
            java.util.concurrent.ConcurrentHashMap<String, Long> acked = new java.util.concurrent.ConcurrentHashMap<>();
            java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger unknown = new java.util.concurrent.atomic.AtomicInteger();
            List<Thread> clients = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int tt = t;
                clients.add(Thread.ofPlatform().start(() -> {
                    List<CompletableFuture<byte[]>> fs = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        fs.add(c.group(leader, G).propose(bytes("t" + tt + "-" + i)));
                    }
                    for (int i = 0; i < each; i++) {
                        try {
                            acked.put("t" + tt + "-" + i, RuntimeCluster.replyIndex(fs.get(i)));
                        } catch (CompletionException e) {
                            if (e.getCause() instanceof ProposalOutcomeUnknownException) {
                                unknown.incrementAndGet();
                            } else {
                                refused.incrementAndGet();
                            }
                        }
                    }
                }));
            }
            for (Thread t : clients) {
                t.join();
            }
            System.out.printf("concurrent proposers: %d acknowledged, %d outcome unknown, %d refused%n",
                    acked.size(), unknown.get(), refused.get());
            assertThat(acked.size() + unknown.get() + refused.get()).isEqualTo(threads * each);
            assertThat(acked).isNotEmpty();

            // the leader can no longer reach anyone: what it accepts now cannot commit, and when
            // the others' new term reaches it, its pending proposals fail as "outcome unknown"
            for (long other : c.ids) {
                if (other != leader) {
                    c.hub.setLinkDown(leader, other, true);
                }
            }
            List<CompletableFuture<byte[]>> stranded = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                stranded.add(c.group(leader, G).propose(bytes("stranded-" + i)));
            }
            for (CompletableFuture<byte[]> f : stranded) {
                assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS)).cause()
                        .isInstanceOf(ProposalOutcomeUnknownException.class).hasMessageContaining("outcome is unknown");
            }
            for (long other : c.ids) {
                c.hub.setLinkDown(leader, other, false);
            }
            c.proposeUntilAcked(G, "after-heal");
            ListMachine m = c.machine(leader, G);
            await("the old leader to rejoin and apply everything acknowledged",
                    () -> m.items().containsAll(acked.keySet()) && m.items().contains("after-heal"));
            acked.forEach((cmd, index) -> assertThat(m.commandAt(index)).as("command at reply index " + index).isEqualTo(cmd));
            assertThat(m.items()).noneMatch(x -> x.startsWith("stranded-")); // truncated by the new leader
            assertThat(m.items()).doesNotHaveDuplicates();
        }
    }

    /**
     * In a group in lease mode, LINEARIZABLE still means "no clock assumption": a leader cut off
     * while its lease is still valid must confirm the read with a heartbeat round, which it
     * cannot. (Before the runtime asked the core for a read index without lease, the core answered
     * every read index from the lease.)
     */
    @Test
    void linearizableReadsNeverRestOnTheLeaseEvenInLeaseMode() throws Exception {
        try (RuntimeCluster c = new RuntimeCluster(3, 17, cfg -> cfg.withQuiesceAfterIdleTicks(0).withRaftOptions(
                cfg.raftOptions().withReadOnlyMode(ReadOnlyMode.LEASE_BASED)))) {
            c.startGroup(G);
            c.proposeUntilAcked(G, "a");
            long leader = c.awaitLeader(G);
            c.group(leader, G).read(ReadConsistency.LEASE).get(30, TimeUnit.SECONDS); // it holds a lease
            c.isolate(leader, true);
            CompletableFuture<Void> read = c.group(leader, G).read(ReadConsistency.LINEARIZABLE);
            assertThatThrownBy(() -> read.get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOfAny(NotLeaderException.class, RaftTimeoutException.class);
            c.isolate(leader, false);
        }
    }
}
