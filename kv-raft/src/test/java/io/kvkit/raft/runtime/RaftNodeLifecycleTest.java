package io.kvkit.raft.runtime;

import io.kvkit.raft.ConfChange;
import io.kvkit.raft.ConfState;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.kvkit.raft.runtime.RuntimeCluster.await;
import static io.kvkit.raft.runtime.RuntimeCluster.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Restart from the log store, forwarding, membership changes, leadership transfer, stopping groups. */
class RaftNodeLifecycleTest {

    private static final long G = 9;

    @Test
    void aRestartedNodeRebuildsItsStateMachineFromItsLogAndRejoins() {
        try (RuntimeCluster c = new RuntimeCluster(3, 31, cfg -> cfg.withSnapshotEveryEntries(30))) {
            c.startGroup(G);
            for (int i = 0; i < 50; i++) {
                c.proposeUntilAcked(G, "a-" + i);
            }
            long leader = c.awaitLeader(G);
            long follower = leader == 1 ? 2 : 1;
            await("the follower to apply everything", () -> c.machine(follower, G).items().contains("a-49"));
            c.restart(follower);
            // rebuilt from its own snapshot and log, before any new write reaches it
            await("the restarted follower to rebuild its state", () -> c.machine(follower, G).items().contains("a-49"));
            c.proposeUntilAcked(G, "after-restart");
            await("the restarted follower to follow again",
                    () -> c.machine(follower, G).items().contains("after-restart"));
            assertThat(c.machine(follower, G).items()).doesNotHaveDuplicates();
        }
    }

    @Test
    void aFollowerForwardsProposalsWhenForwardingIsOn() throws Exception {
        try (RuntimeCluster c = new RuntimeCluster(3, 32, cfg -> cfg.withForwardProposals(true))) {
            c.startGroup(G);
            c.proposeUntilAcked(G, "x");
            long leader = c.awaitLeader(G);
            long follower = leader == 1 ? 2 : 1;
            await("the follower to know the leader", () -> c.group(follower, G).status().leader() != 0);
            byte[] reply = c.group(follower, G).propose(bytes("forwarded")).get(30, TimeUnit.SECONDS);
            long index = Long.parseLong(new String(reply));
            assertThat(c.machine(follower, G).items()).contains("forwarded");
            assertThat(index).isGreaterThan(2);
        }
    }

    @Test
    void aJoiningMemberIsAddedCaughtUpBySnapshotAndPromoted() throws Exception {
        try (RuntimeCluster c = new RuntimeCluster(4, 33, cfg -> cfg.withSnapshotEveryEntries(10))) {
            c.startGroup(G, List.of(1L, 2L, 3L));
            for (int i = 0; i < 30; i++) {
                c.proposeUntilAcked(G, "v-" + i);
            }
            c.startJoiner(4, G);
            long leader = c.awaitLeader(G);
            ConfState asLearner = c.group(leader, G).proposeConfChange(new ConfChange(ConfChange.Type.ADD_LEARNER, 4))
                    .get(30, TimeUnit.SECONDS);
            assertThat(asLearner.learners()).containsExactly(4L);
            await("the learner to catch up", () -> c.machine(4, G).items().contains("v-29"));
            // the leader's published view: the learner in the membership, its lag closing to 0
            long lead = c.awaitLeader(G);
            await("the leader to see the learner caught up", () -> c.group(lead, G).membership().lagOf(4) == 0);
            GroupMembership seen = c.group(lead, G).membership();
            assertThat(seen.confState().learners()).containsExactly(4L);
            assertThat(seen.matchIndex()).containsKeys(1L, 2L, 3L, 4L);
            long follower = lead == 1 ? 2 : 1;
            assertThat(c.group(follower, G).membership().matchIndex()).isEmpty();
            assertThat(c.group(follower, G).membership().lagOf(4)).isEqualTo(-1);
            ConfState promoted = c.group(c.awaitLeader(G), G)
                    .proposeConfChange(new ConfChange(ConfChange.Type.ADD_VOTER, 4)).get(30, TimeUnit.SECONDS);
            assertThat(promoted.voters()).containsExactly(1L, 2L, 3L, 4L);
            c.proposeUntilAcked(G, "with-four");
            await("the new voter to apply new writes", () -> c.machine(4, G).items().contains("with-four"));
            assertThat(c.machine(4, G).items()).isEqualTo(c.machine(c.awaitLeader(G), G).items().subList(0,
                    c.machine(4, G).items().size()));
        }
    }

    @Test
    void leadershipMovesToTheRequestedMember() throws Exception {
        try (RuntimeCluster c = new RuntimeCluster(3, 34, cfg -> cfg)) {
            c.startGroup(G);
            c.proposeUntilAcked(G, "x");
            long leader = c.awaitLeader(G);
            long target = leader == 3 ? 1 : leader + 1;
            await("the target to hold the whole log", () -> c.group(target, G).status().lastIndex()
                    == c.group(leader, G).status().lastIndex());
            c.group(leader, G).transferLeadership(target).get(30, TimeUnit.SECONDS);
            await("the target to lead", () -> c.leaderOf(G) == target);
            c.proposeUntilAcked(G, "after-transfer");
        }
    }

    @Test
    void theLeaderShowsEachMembersMatchIndexAndACutOffMemberFallsBehind() throws Exception {
        try (RuntimeCluster c = new RuntimeCluster(3, 39, cfg -> cfg)) {
            c.startGroup(G);
            c.proposeUntilAcked(G, "x");
            long leader = c.awaitLeader(G);
            await("every member's match index at the leader's commit index", () -> {
                java.util.Map<Long, Long> m = c.group(leader, G).matchIndexes();
                long commit = c.group(leader, G).status().commitIndex();
                return m.keySet().equals(java.util.Set.of(1L, 2L, 3L)) && m.values().stream().allMatch(i -> i == commit);
            });
            for (long other : c.ids) {
                if (other != leader) {
                    assertThat(c.group(other, G).matchIndexes()).as("follower %d", other).isEmpty();
                }
            }
            long cut = leader == 3 ? 1 : leader + 1;
            c.isolate(cut, true);
            long before = c.group(leader, G).matchIndexes().get(cut);
            for (int i = 0; i < 5; i++) {
                c.proposeUntilAcked(G, "while-cut-" + i);
            }
            long now = c.leaderOf(G);
            await("the cut-off member behind the commit index", () -> {
                java.util.Map<Long, Long> m = c.group(now, G).matchIndexes();
                return m.get(cut) != null && m.get(cut) == before && c.group(now, G).status().commitIndex() >= before + 5;
            });
            c.isolate(cut, false);
        }
    }

    @Test
    void stoppedAndRemovedGroupsFailTheirRequestsAndRemovedLogsAreDeleted() throws Exception {
        try (RuntimeCluster c = new RuntimeCluster(3, 35, cfg -> cfg)) {
            c.startGroup(G);
            c.proposeUntilAcked(G, "x");
            RaftGroup g1 = c.group(1, G);
            c.nodes.get(1L).stopGroup(G).get(30, TimeUnit.SECONDS);
            assertThatThrownBy(() -> g1.propose(bytes("late")).join()).hasCauseInstanceOf(RaftGroupClosedException.class);
            assertThat(c.stores.get(1L).groupIds()).contains(G);
            c.nodes.get(2L).removeGroup(G).get(30, TimeUnit.SECONDS);
            assertThat(c.stores.get(2L).groupIds()).doesNotContain(G);
            assertThat(c.nodes.get(2L).group(G)).isNull();
            assertThatThrownBy(() -> c.nodes.get(2L).stopGroup(G)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not hosted");
        }
    }

    @Test
    void proposalsBeyondTheInFlightLimitAreRefusedAtOnce() throws Exception {
        try (RuntimeCluster c = new RuntimeCluster(3, 36, cfg -> cfg.withMaxPendingProposalsPerGroup(3))) {
            c.startGroup(G);
            c.proposeUntilAcked(G, "x");
            long leader = c.awaitLeader(G);
            java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
            c.machine(leader, G).gate = gate; // replies wait: the three proposals stay in flight
            try {
                var f1 = c.group(leader, G).propose(bytes("p1"));
                var f2 = c.group(leader, G).propose(bytes("p2"));
                var f3 = c.group(leader, G).propose(bytes("p3"));
                var f4 = c.group(leader, G).propose(bytes("p4"));
                assertThatThrownBy(f4::join).hasCauseInstanceOf(ProposalQueueFullException.class)
                        .hasMessageContaining("maxPendingProposalsPerGroup");
                gate.countDown();
                f1.get(30, TimeUnit.SECONDS);
                f2.get(30, TimeUnit.SECONDS);
                f3.get(30, TimeUnit.SECONDS);
            } finally {
                gate.countDown();
            }
            c.group(leader, G).propose(bytes("p5")).get(30, TimeUnit.SECONDS); // slots were given back
        }
    }

    @Test
    void aStateMachineThatThrowsOutsideACommandStopsItsMemberOnly() throws Exception {
        try (RuntimeCluster c = new RuntimeCluster(3, 37, cfg -> cfg)) {
            c.startGroup(G);
            c.proposeUntilAcked(G, "x");
            ListMachine broken = new ListMachine() {
                @Override
                public void applyMembership(long index, ConfState membership) {
                    throw new IllegalStateException("cannot record the membership");
                }
            };
            RaftNode n1 = c.nodes.get(1L);
            long solo = G + 100;
            RaftGroup g = n1.startGroup(solo, new ConfState(List.of(1L), List.of()), broken);
            await("the single member to lead", () -> g.status().role() == io.kvkit.raft.Role.LEADER);
            g.propose(bytes("y")).get(30, TimeUnit.SECONDS);
            var change = g.proposeConfChange(new ConfChange(ConfChange.Type.ADD_LEARNER, 5));
            assertThatThrownBy(() -> change.get(30, TimeUnit.SECONDS)).cause().isInstanceOf(RaftGroupClosedException.class);
            await("the broken member to be stopped", () -> n1.group(solo) == null);
            assertThat(n1.isClosed()).isFalse();
            c.proposeUntilAcked(G, "the other group is still fine");
        }
    }

    /**
     * A follower whose state machine is stuck keeps replicating (its commit index follows the
     * leader's) but holds at most maxApplyBacklogBytes (plus one entry) handed over and not
     * applied; once the state machine moves again, the rest follows.
     */
    @Test
    void aSlowStateMachineHoldsBackAtMostTheApplyBacklogBound() throws Exception {
        long bound = 1024;
        try (RuntimeCluster c = new RuntimeCluster(3, 38, cfg -> cfg.withMaxApplyBacklogBytes(bound))) {
            c.startGroup(G);
            c.proposeUntilAcked(G, "x");
            long leader = c.awaitLeader(G);
            long slow = leader == 1 ? 2 : 1;
            java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
            c.machine(slow, G).gate = gate;
            String pad = "p".repeat(200);
            try {
                List<java.util.concurrent.CompletableFuture<byte[]>> fs = new java.util.ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    fs.add(c.group(leader, G).propose(bytes(i + pad)));
                }
                for (var f : fs) {
                    f.get(30, TimeUnit.SECONDS);
                }
                long leaderCommit = c.group(leader, G).status().commitIndex();
                await("the slow member to replicate everything", () -> c.group(slow, G).status().commitIndex() >= leaderCommit);
                long backlog = c.group(slow, G).replica().applyBacklogBytes();
                System.out.println("stuck state machine: " + backlog + " bytes handed over, bound " + bound);
                assertThat(backlog).isPositive().isLessThanOrEqualTo(bound + 200 + 3 + 16);
            } finally {
                gate.countDown();
                c.machine(slow, G).gate = null;
            }
            await("the slow member to apply everything", () -> c.machine(slow, G).items().contains(99 + pad));
            assertThat(c.group(slow, G).replica().applyBacklogBytes()).isZero();
        }
    }
}
