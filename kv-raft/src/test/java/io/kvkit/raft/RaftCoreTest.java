package io.kvkit.raft;

import io.kvkit.raft.storage.MemoryRaftLogStorage;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Focused checks of the core's rules; the simulation and the scenario scripts cover the rest. */
class RaftCoreTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** PITFALLS #5 (etcd#14370): one voter must not apply an entry in the Ready that persists it. */
    @Test
    void singleVoterCommitsOnlyWhatIsDurable() {
        TestCluster c = new TestCluster(1, o -> o);
        c.leaderElected(1);
        c.core(1).propose(b("x"));
        Ready first = c.core(1).ready();
        assertThat(first.entries()).extracting(Entry::data).containsExactly(b("x"));
        assertThat(first.committedEntries()).as("not durable yet, so not committed").isEmpty();
        assertThat(first.hardState()).isNull();
        c.storages.get(1L).append(first.entries()); // the host persists it
        c.core(1).advance(first);
        Ready second = c.core(1).ready();
        assertThat(second.hardState().commit()).isEqualTo(first.entries().getLast().index());
        assertThat(second.committedEntries()).extracting(Entry::data).containsExactly(b("x"));
    }

    /** PITFALLS #6: a candidate's vote requests and a voter's grant go out only after the hard state persists. */
    @Test
    void votesLeaveOnlyAfterPersistence() {
        TestCluster c = new TestCluster(3, o -> o.withPreVote(false));
        c.core(1).campaign();
        Ready rd = c.core(1).ready();
        assertThat(rd.hardState()).isEqualTo(new HardState(2, 1, 1));
        assertThat(rd.messages()).isEmpty();
        assertThat(rd.messagesAfterPersist()).extracting(Message::type).containsOnly(MessageType.VOTE);
        c.core(1).advance(rd);
        c.core(2).step(Message.of(MessageType.VOTE).from(1).to(2).term(2).index(1).logTerm(1).build());
        Ready v = c.core(2).ready();
        assertThat(v.hardState().vote()).isEqualTo(1);
        assertThat(v.messages()).isEmpty();
        assertThat(v.messagesAfterPersist()).singleElement().extracting(Message::type).isEqualTo(MessageType.VOTE_RESPONSE);
    }

    @Test
    void leaderReplicatesInParallelWithItsOwnWrite() {
        TestCluster c = new TestCluster(3, o -> o);
        c.leaderElected(1);
        c.core(1).propose(b("x"));
        Ready rd = c.core(1).ready();
        assertThat(rd.entries()).hasSize(1);
        assertThat(rd.messages()).extracting(Message::type).containsOnly(MessageType.APPEND);
        assertThat(rd.messages()).hasSize(2);
        c.core(1).advance(rd);
    }

    @Test
    void proposalsOfOneCycleShareAppendMessages() {
        TestCluster c = new TestCluster(3, o -> o);
        c.leaderElected(1);
        for (int i = 0; i < 10; i++) {
            c.core(1).propose(b("p" + i));
        }
        c.stabilize();
        List<Message> appends = c.sentOfType(MessageType.APPEND).stream().filter(m -> !m.entries().isEmpty()).toList();
        assertThat(appends).hasSize(2).allSatisfy(m -> assertThat(m.entries()).hasSize(10));
        assertThat(c.applied.get(2L)).filteredOn(e -> e.data().length > 0).hasSize(10);
    }

    @Test
    void pipeliningIsBoundedByTheInflightWindow() {
        TestCluster c = new TestCluster(3, o -> o.withMaxInflightMessages(2).withMaxMessageBytes(1));
        c.leaderElected(1);
        for (int i = 0; i < 6; i++) {
            c.core(1).propose(b("p" + i));
        }
        Ready rd = c.handle(1);
        // one entry per message (size limit), at most two messages in flight per follower
        assertThat(rd.messages()).filteredOn(m -> m.to() == 2).hasSize(2)
                .allSatisfy(m -> assertThat(m.entries()).hasSize(1));
        assertThat(c.core(1).progress(2).inflights().full()).isTrue();
        c.stabilize();
        assertThat(c.core(2).commitIndex()).isEqualTo(c.core(1).lastIndex());
    }

    @Test
    void pipeliningIsBoundedByBytes() {
        TestCluster c = new TestCluster(3, o -> o.withMaxInflightBytes(100).withMaxMessageBytes(60));
        c.leaderElected(1);
        for (int i = 0; i < 10; i++) {
            c.core(1).propose(new byte[40]);
        }
        Ready rd = c.handle(1);
        // each 57-byte entry fills a message; two messages (114 bytes) exceed the 100-byte window
        assertThat(rd.messages()).filteredOn(m -> m.to() == 2).hasSize(2);
        c.stabilize();
        assertThat(c.applied.get(3L)).filteredOn(e -> e.data().length > 0).hasSize(10);
    }

    @Test
    void readIndexRequestsAreBatchedIntoOneHeartbeatRound() {
        TestCluster c = new TestCluster(3, o -> o);
        c.leaderElected(1);
        for (long ctx = 1; ctx <= 5; ctx++) {
            c.core(1).readIndex(ctx);
        }
        c.stabilize();
        assertThat(c.sentOfType(MessageType.HEARTBEAT)).hasSize(2);
        assertThat(c.reads.get(1L)).extracting(ReadState::context).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(c.reads.get(1L)).allSatisfy(r -> assertThat(r.index()).isEqualTo(c.core(1).commitIndex()));
    }

    @Test
    void followerReadGetsItsIndexFromTheLeader() {
        TestCluster c = new TestCluster(3, o -> o);
        c.leaderElected(1);
        c.core(1).propose(b("x"));
        c.stabilize();
        c.core(3).readIndex(42);
        c.stabilize();
        assertThat(c.reads.get(3L)).singleElement().satisfies(r -> {
            assertThat(r.context()).isEqualTo(42);
            assertThat(r.index()).isEqualTo(c.core(1).commitIndex());
        });
        assertThat(c.sentOfType(MessageType.READ_INDEX)).singleElement().extracting(Message::to).isEqualTo(1L);
    }

    @Test
    void confChangeWaitsForFirstCommitOfTheTermAndForThePreviousChange() {
        TestCluster c = new TestCluster(3, o -> o.withPreVote(false));
        c.core(1).campaign();
        // elected but the no-op is not committed yet (append acks are held back)
        for (int i = 0; i < 6; i++) {
            for (long id = 1; id <= 3; id++) {
                if (c.core(id).hasReady()) {
                    c.handle(id);
                }
            }
            List<Message> batch = new ArrayList<>(c.inFlight);
            c.inFlight.clear();
            batch.stream().filter(m -> m.type() != MessageType.APPEND_RESPONSE).forEach(m -> c.core(m.to()).step(m));
        }
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
        assertThatThrownBy(() -> c.core(1).proposeConfChange(new ConfChange(ConfChange.Type.ADD_LEARNER, 4)))
                .isInstanceOf(ProposalDroppedException.class).hasMessageContaining("not committed an entry of its term");
        c.core(1).tick(); // a heartbeat round makes the leader resend what was not acknowledged
        c.stabilize();
        c.core(1).proposeConfChange(new ConfChange(ConfChange.Type.ADD_LEARNER, 4));
        assertThatThrownBy(() -> c.core(1).proposeConfChange(new ConfChange(ConfChange.Type.ADD_LEARNER, 5)))
                .isInstanceOf(ProposalDroppedException.class).hasMessageContaining("is not applied yet");
        c.stabilize();
        assertThat(c.core(1).confState().learners()).containsExactly(4L);
        c.core(1).proposeConfChange(new ConfChange(ConfChange.Type.ADD_LEARNER, 5));
    }

    @Test
    void uncommittedBytesAreBounded() {
        TestCluster c = new TestCluster(3, o -> o.withMaxUncommittedEntriesBytes(100));
        c.leaderElected(1);
        c.core(1).propose(new byte[60]);
        assertThatThrownBy(() -> c.core(1).propose(new byte[60])).isInstanceOf(ProposalDroppedException.class)
                .hasMessageContaining("uncommitted");
        c.stabilize();
        c.core(1).propose(new byte[60]);
    }

    @Test
    void noInputWhileAReadyIsOutstanding() {
        TestCluster c = new TestCluster(1, o -> o);
        c.core(1).campaign();
        Ready rd = c.core(1).ready();
        assertThatThrownBy(() -> c.core(1).tick()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> c.core(1).propose(b("x"))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> c.core(1).advance(Ready.class.cast(null))).isInstanceOf(IllegalStateException.class);
        c.core(1).advance(rd);
    }

    @Test
    void restartReplaysMembershipUpToTheAppliedIndex() {
        TestCluster c = new TestCluster(3, o -> o);
        c.leaderElected(1);
        c.core(1).proposeConfChange(new ConfChange(ConfChange.Type.ADD_LEARNER, 4));
        c.stabilize();
        MemoryRaftLogStorage st = c.storages.get(2L);
        RaftCore restarted = new RaftCore(RaftOptions.defaults(2), st, c.core(2).appliedIndex());
        assertThat(restarted.confState().learners()).containsExactly(4L);
        RaftCore fromSnapshot = new RaftCore(RaftOptions.defaults(2), st, 0);
        assertThat(fromSnapshot.confState().learners()).as("replayed when applied again").isEmpty();
    }

    @Test
    void preVoteDoesNotBumpTheTerm() {
        TestCluster c = new TestCluster(3, o -> o.withPreVote(true));
        c.core(1).campaign();
        Ready rd = c.handle(1);
        assertThat(rd.hardState()).as("pre-candidates keep term and vote").isNull();
        assertThat(rd.messages()).extracting(Message::type).containsOnly(MessageType.PRE_VOTE);
        assertThat(rd.messages()).allSatisfy(m -> assertThat(m.term()).isEqualTo(2));
        c.stabilize();
        assertThat(c.core(1).role()).isEqualTo(Role.LEADER);
        assertThat(c.core(1).term()).isEqualTo(2);
    }

    @Test
    void leaseNeedsCheckQuorum() {
        assertThatThrownBy(() -> RaftOptions.defaults(1).withCheckQuorum(false).withReadOnlyMode(ReadOnlyMode.LEASE_BASED))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("requires checkQuorum");
    }

    @Test
    void transferRevokesTheLease() {
        TestCluster c = new TestCluster(3, o -> o.withReadOnlyMode(ReadOnlyMode.LEASE_BASED));
        for (long id = 1; id <= 3; id++) {
            for (int i = 0; i < 10; i++) {
                c.core(id).tick(); // sit out the restart guard
                while (c.core(id).hasReady()) {
                    c.handle(id);
                }
            }
        }
        c.inFlight.clear();
        c.leaderElected(1);
        c.core(1).tick();
        c.stabilize();
        assertThat(c.core(1).hasLease()).isTrue();
        c.core(1).transferLeadership(2);
        assertThat(c.core(1).hasLease()).isFalse();
    }

    /**
     * The hook a multi-Raft host calls when it stops or resumes ticking a group (quiescence): a
     * lease measured in ticks that did not run must not survive, not even through late
     * acknowledgements of a heartbeat round sent before the hook was called.
     */
    @Test
    void expiredLeaseIsNotRevivedByAcknowledgementsOfEarlierRounds() {
        TestCluster c = new TestCluster(3, o -> o.withReadOnlyMode(ReadOnlyMode.LEASE_BASED));
        for (long id = 1; id <= 3; id++) {
            for (int i = 0; i < 10; i++) {
                c.core(id).tick(); // sit out the restart guard
                while (c.core(id).hasReady()) {
                    c.handle(id);
                }
            }
        }
        c.inFlight.clear();
        c.leaderElected(1);
        c.core(1).tick();
        c.stabilize();
        assertThat(c.core(1).hasLease()).isTrue();
        // a heartbeat round goes out and is acknowledged, but the acknowledgements are held back
        c.core(1).tick();
        while (c.core(1).hasReady()) {
            c.handle(1);
        }
        List<Message> heartbeats = new ArrayList<>(c.inFlight);
        c.inFlight.clear();
        assertThat(heartbeats).isNotEmpty().allMatch(m -> m.type() == MessageType.HEARTBEAT);
        for (Message m : heartbeats) {
            c.core(m.to()).step(m);
            while (c.core(m.to()).hasReady()) {
                c.handle(m.to());
            }
        }
        List<Message> acks = new ArrayList<>(c.inFlight);
        c.inFlight.clear();
        c.core(1).expireLease();
        assertThat(c.core(1).hasLease()).isFalse();
        for (Message a : acks) {
            c.core(1).step(a);
        }
        c.stabilize();
        assertThat(c.core(1).hasLease()).isFalse();
        // a round sent after the hook restores it
        c.core(1).tick();
        c.stabilize();
        assertThat(c.core(1).hasLease()).isTrue();
    }

    /** A read index asked for without lease is confirmed by a heartbeat round even when the leader holds a lease. */
    @Test
    void readIndexWithoutLeaseNeedsAHeartbeatRoundEvenUnderALease() {
        TestCluster c = new TestCluster(3, o -> o.withReadOnlyMode(ReadOnlyMode.LEASE_BASED));
        for (long id = 1; id <= 3; id++) {
            for (int i = 0; i < 10; i++) {
                c.core(id).tick(); // sit out the restart guard
                while (c.core(id).hasReady()) {
                    c.handle(id);
                }
            }
        }
        c.inFlight.clear();
        c.leaderElected(1);
        c.core(1).tick();
        c.stabilize();
        assertThat(c.core(1).hasLease()).isTrue();
        c.reads.get(1L).clear();
        c.core(1).readIndex(7, true);
        c.core(1).readIndex(8, false);
        c.sent.clear();
        c.handle(1);
        assertThat(c.reads.get(1L)).extracting(ReadState::context).containsExactly(7L); // 8 waits for a round
        assertThat(c.sentOfType(MessageType.HEARTBEAT)).isNotEmpty();
        c.stabilize();
        assertThat(c.reads.get(1L)).extracting(ReadState::context).containsExactly(7L, 8L);
        // forwarded by a follower, the choice travels with the request
        c.reads.get(2L).clear();
        c.core(2).readIndex(9, false);
        c.stabilize();
        assertThat(c.sentOfType(MessageType.READ_INDEX)).anyMatch(m -> m.context() == 9 && m.reject());
        assertThat(c.reads.get(2L)).extracting(ReadState::context).containsExactly(9L);
    }

    /** The hook an asynchronously applying host uses to bound what it has handed over but not applied. */
    @Test
    void committedEntriesWaitWhileTheHostsApplyBudgetIsSpent() {
        TestCluster c = new TestCluster(3, o -> o);
        c.leaderElected(1);
        c.core(2).limitCommittedEntries(0);
        c.core(1).propose(b("a"));
        c.stabilize();
        c.core(1).propose(b("b"));
        c.stabilize();
        assertThat(c.core(2).commitIndex()).isEqualTo(c.core(1).commitIndex());
        assertThat(c.applied.get(2L)).extracting(e -> new String(e.data())).doesNotContain("a", "b");
        assertThat(c.core(2).hasReady()).isFalse(); // nothing else to do: replication went on
        c.core(2).limitCommittedEntries(1); // at least one entry per Ready
        assertThat(c.core(2).hasReady()).isTrue();
        assertThat(c.handle(2).committedEntries()).hasSize(1);
        c.core(2).limitCommittedEntries(Long.MAX_VALUE);
        c.stabilize();
        assertThat(c.applied.get(2L)).extracting(e -> new String(e.data())).contains("a", "b");
        assertThat(c.core(2).appliedIndex()).isEqualTo(c.core(1).commitIndex());
    }

    /** PITFALLS #15 (etcd 8349efa): a Ready that installs a snapshot carries no committed entries to apply. */
    @Test
    void snapshotIsNotMixedWithCommittedEntries() {
        TestCluster c = new TestCluster(3, o -> o);
        c.leaderElected(1);
        RaftCore f = c.core(3);
        // a follower with committed but unapplied entries receives a newer snapshot
        f.step(Message.of(MessageType.APPEND).from(1).to(3).term(2).index(2).logTerm(2)
                .entries(List.of(Entry.normal(2, 3, b("a")), Entry.normal(2, 4, b("b")))).commit(4).build());
        while (f.hasReady()) {
            c.handle(3);
        }
        assertThat(c.applied.get(3L)).extracting(Entry::index).contains(3L, 4L);
        f.step(Message.of(MessageType.APPEND).from(1).to(3).term(2).index(4).logTerm(2)
                .entries(List.of(Entry.normal(2, 5, b("c")))).commit(5).build());
        Snapshot snap = new Snapshot(10, 2, ConfState.ofVoters(1L, 2L, 3L), b("image"));
        f.step(Message.of(MessageType.SNAPSHOT).from(1).to(3).term(2).snapshot(snap).build());
        Ready rd = c.handle(3);
        assertThat(rd.snapshot()).isEqualTo(snap);
        assertThat(rd.committedEntries()).isEmpty();
        assertThat(f.appliedIndex()).isEqualTo(10);
        assertThat(f.lastIndex()).isEqualTo(10);
    }
}
