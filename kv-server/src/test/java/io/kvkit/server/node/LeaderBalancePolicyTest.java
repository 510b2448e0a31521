package io.kvkit.server.node;

import io.kvkit.server.node.LeaderBalancePolicy.LedPartition;
import io.kvkit.server.node.LeaderBalancePolicy.Reason;
import io.kvkit.server.node.LeaderBalancePolicy.Transfer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongPredicate;

import static org.assertj.core.api.Assertions.assertThat;

/** The balancer's decisions from fake statuses: node 1's view, delay 10 s, at most 2 in flight. */
class LeaderBalancePolicyTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long DELAY = 10 * SECOND;
    private static final LongPredicate ALL_LIVE = id -> true;

    private final LeaderBalancePolicy policy = new LeaderBalancePolicy(1, DELAY, 2);

    /** Node 1 leads partition p at term 5 with commit 100, every member caught up. */
    private static LedPartition led(int p, List<Long> preference) {
        return led(p, 5, preference, Map.of(1L, 100L, 2L, 100L, 3L, 100L));
    }

    private static LedPartition led(int p, long term, List<Long> preference, Map<Long, Long> match) {
        return new LedPartition(p, term, preference, 100, 100, 100, match);
    }

    @Test
    void aBusyPartitionWaitsForAQuietRoundThenGoesAnyway() {
        Map<Long, Long> match = Map.of(1L, 100L, 2L, 100L, 3L, 100L);
        LedPartition proposing = new LedPartition(0, 5, List.of(2L, 1L, 3L), 103, 100, 100, match);
        LedPartition applying = new LedPartition(1, 5, List.of(2L, 1L, 3L), 100, 100, 98, match);
        LeaderBalancePolicy p = new LeaderBalancePolicy(1, DELAY, 4);
        p.plan(List.of(proposing, applying), ALL_LIVE, false, 0);
        for (int round = 1; round <= LeaderBalancePolicy.MAX_BUSY_ROUNDS; round++) {
            assertThat(p.plan(List.of(proposing, applying), ALL_LIVE, false, DELAY + round)).as("busy round %d", round).isEmpty();
        }
        // partition 1 is quiet now: it goes; partition 0 stayed busy for the limit: it goes anyway
        LedPartition quiet = new LedPartition(1, 5, List.of(2L, 1L, 3L), 100, 100, 100, match);
        assertThat(p.plan(List.of(proposing, quiet), ALL_LIVE, false, DELAY + 10)).extracting(Transfer::partition)
                .containsExactly(0, 1);
    }

    @Test
    void aQuietRoundEndsTheWait() {
        Map<Long, Long> match = Map.of(1L, 100L, 2L, 100L, 3L, 100L);
        LedPartition busy = new LedPartition(0, 5, List.of(2L, 1L, 3L), 101, 100, 100, match);
        policy.plan(List.of(busy), ALL_LIVE, false, 0);
        assertThat(policy.plan(List.of(busy), ALL_LIVE, false, DELAY)).isEmpty();
        assertThat(policy.plan(List.of(led(0, List.of(2L, 1L, 3L))), ALL_LIVE, false, DELAY + 1)).hasSize(1);
    }

    @Test
    void aPartitionLedForLessThanTheDelayIsLeftAlone() {
        List<LedPartition> led = List.of(led(0, List.of(2L, 1L, 3L)));
        assertThat(policy.plan(led, ALL_LIVE, false, 0)).isEmpty();
        assertThat(policy.plan(led, ALL_LIVE, false, DELAY - 1)).isEmpty();
        assertThat(policy.plan(led, ALL_LIVE, false, DELAY)).containsExactly(new Transfer(0, 2, Reason.PREFERRED));
    }

    @Test
    void aNewTermRestartsTheDelay() {
        policy.plan(List.of(led(0, List.of(2L, 1L, 3L))), ALL_LIVE, false, 0);
        List<LedPartition> newTerm = List.of(led(0, 6, List.of(2L, 1L, 3L), Map.of(1L, 100L, 2L, 100L, 3L, 100L)));
        assertThat(policy.plan(newTerm, ALL_LIVE, false, DELAY)).as("won again at term 6 just now").isEmpty();
        assertThat(policy.plan(newTerm, ALL_LIVE, false, 2 * DELAY)).hasSize(1);
    }

    @Test
    void onlyPartitionsPreferringAnotherNodeMove() {
        List<LedPartition> led = List.of(led(0, List.of(1L, 2L, 3L)), led(1, List.of(3L, 1L, 2L)));
        policy.plan(led, ALL_LIVE, false, 0);
        assertThat(policy.plan(led, ALL_LIVE, false, DELAY)).containsExactly(new Transfer(1, 3, Reason.PREFERRED));
    }

    @Test
    void aPreferredLeaderThatIsDownOrBehindIsNotATarget() {
        List<LedPartition> led = List.of(
                led(0, List.of(2L, 1L, 3L)),
                led(1, 5, List.of(3L, 1L, 2L), Map.of(1L, 100L, 2L, 100L, 3L, 100L - LeaderBalancePolicy.CAUGHT_UP_LAG_ENTRIES - 1)),
                led(2, 5, List.of(3L, 1L, 2L), Map.of(1L, 100L, 2L, 100L, 3L, 100L - LeaderBalancePolicy.CAUGHT_UP_LAG_ENTRIES)),
                led(3, 5, List.of(4L, 1L, 2L), Map.of(1L, 100L, 2L, 100L))); // 4 not a member of the group yet
        LongPredicate twoIsDown = id -> id != 2;
        policy.plan(led, twoIsDown, false, 0);
        assertThat(policy.plan(led, twoIsDown, false, DELAY)).containsExactly(new Transfer(2, 3, Reason.PREFERRED));
    }

    @Test
    void atMostTheLimitRunsAtOnceAndTheRestFollowAsTransfersEnd() {
        List<LedPartition> led = new ArrayList<>();
        for (int p = 0; p < 5; p++) {
            led.add(led(p, List.of(2L, 1L, 3L)));
        }
        policy.plan(led, ALL_LIVE, false, 0);
        List<Transfer> first = policy.plan(led, ALL_LIVE, false, DELAY);
        assertThat(first).extracting(Transfer::partition).containsExactly(0, 1);
        assertThat(policy.plan(led, ALL_LIVE, false, DELAY + SECOND)).as("two still running").isEmpty();
        policy.transferEnded(first.get(0), true, DELAY + 2 * SECOND);
        List<LedPartition> rest = led.subList(1, 5);
        assertThat(policy.plan(rest, ALL_LIVE, false, DELAY + 2 * SECOND)).extracting(Transfer::partition).containsExactly(2);
        assertThat(policy.inFlight()).isEqualTo(2);
    }

    @Test
    void aFailedTransferBacksOffDoublingThenSucceeds() {
        List<LedPartition> led = List.of(led(0, List.of(2L, 1L, 3L)));
        policy.plan(led, ALL_LIVE, false, 0);
        long now = DELAY;
        Transfer t = policy.plan(led, ALL_LIVE, false, now).getFirst();
        policy.transferEnded(t, false, now);
        assertThat(policy.backingOff(0, now)).isTrue();
        assertThat(policy.plan(led, ALL_LIVE, false, now + DELAY - 1)).isEmpty();
        t = policy.plan(led, ALL_LIVE, false, now + DELAY).getFirst();
        now += DELAY;
        policy.transferEnded(t, false, now);
        assertThat(policy.plan(led, ALL_LIVE, false, now + 2 * DELAY - 1)).as("second failure: twice the wait").isEmpty();
        t = policy.plan(led, ALL_LIVE, false, now + 2 * DELAY).getFirst();
        now += 2 * DELAY;
        policy.transferEnded(t, true, now);
        assertThat(policy.backingOff(0, now)).isFalse();
    }

    @Test
    void aTransferWithoutAResultIsGivenUpAndBacksOff() {
        List<LedPartition> led = List.of(led(0, List.of(2L, 1L, 3L)));
        policy.plan(led, ALL_LIVE, false, 0);
        Transfer t = policy.plan(led, ALL_LIVE, false, DELAY).getFirst();
        long late = DELAY + LeaderBalancePolicy.IN_FLIGHT_LIMIT_SECONDS * SECOND + 1;
        assertThat(policy.plan(led, ALL_LIVE, false, late)).isEmpty();
        assertThat(policy.inFlight()).isZero();
        assertThat(policy.backingOff(0, late)).isTrue();
        policy.transferEnded(t, true, late); // the late result is ignored
        assertThat(policy.backingOff(0, late)).isTrue();
    }

    @Test
    void leadershipHandedBackSoonIsABounceAndBacksOff() {
        List<LedPartition> led = List.of(led(0, List.of(2L, 1L, 3L)));
        policy.plan(led, ALL_LIVE, false, 0);
        Transfer t = policy.plan(led, ALL_LIVE, false, DELAY).getFirst();
        policy.transferEnded(t, true, DELAY + SECOND);
        assertThat(policy.plan(List.of(), ALL_LIVE, false, DELAY + 2 * SECOND)).isEmpty();
        // node 2 (slow, say) hands it back after its own delay: node 1 leads at a new term
        long back = 2 * DELAY + 3 * SECOND;
        List<LedPartition> again = List.of(led(0, 7, List.of(2L, 1L, 3L), Map.of(1L, 100L, 2L, 100L, 3L, 100L)));
        assertThat(policy.plan(again, ALL_LIVE, false, back)).isEmpty();
        assertThat(policy.backingOff(0, back)).isTrue();
        assertThat(policy.plan(again, ALL_LIVE, false, back + DELAY)).as("the delay passed, the backoff has not... yet equal")
                .hasSize(1);
    }

    @Test
    void aLateReturnIsNotABounce() {
        List<LedPartition> led = List.of(led(0, List.of(2L, 1L, 3L)));
        policy.plan(led, ALL_LIVE, false, 0);
        Transfer t = policy.plan(led, ALL_LIVE, false, DELAY).getFirst();
        policy.transferEnded(t, true, DELAY);
        policy.plan(List.of(), ALL_LIVE, false, DELAY + SECOND);
        long muchLater = DELAY + 3 * DELAY + SECOND;
        List<LedPartition> again = List.of(led(0, 9, List.of(2L, 1L, 3L), Map.of(1L, 100L, 2L, 100L, 3L, 100L)));
        policy.plan(again, ALL_LIVE, false, muchLater);
        assertThat(policy.backingOff(0, muchLater)).isFalse();
    }

    @Test
    void aSlowNodeHandsEveryLedPartitionToTheFirstReadyOtherMember() {
        List<LedPartition> led = List.of(
                led(0, List.of(1L, 2L, 3L)),                       // preferred here: goes to 2
                led(1, List.of(3L, 1L, 2L)),                       // preferred 3
                led(2, 5, List.of(1L, 2L, 3L), Map.of(1L, 100L, 2L, 10L, 3L, 100L))); // 2 behind: 3
        LeaderBalancePolicy p = new LeaderBalancePolicy(1, DELAY, 3);
        p.plan(led, ALL_LIVE, true, 0);
        assertThat(p.plan(led, ALL_LIVE, true, DELAY)).containsExactly(new Transfer(0, 2, Reason.SLOW_NODE),
                new Transfer(1, 3, Reason.SLOW_NODE), new Transfer(2, 3, Reason.SLOW_NODE));
    }

    @Test
    void slowNodesPassingAPartitionAroundBackOffDoubling() {
        // every node slow: node 1 hands partition 0 to node 2, which hands it back after its delay, and so on
        Map<Long, Long> match = Map.of(1L, 100L, 2L, 100L, 3L, 100L);
        policy.plan(List.of(led(0, List.of(1L, 2L, 3L))), ALL_LIVE, true, 0);
        long now = DELAY;
        Transfer t = policy.plan(List.of(led(0, List.of(1L, 2L, 3L))), ALL_LIVE, true, now).getFirst();
        long term = 5;
        for (int bounce = 1; bounce <= 3; bounce++) {
            assertThat(t).isEqualTo(new Transfer(0, 2, Reason.SLOW_NODE));
            policy.transferEnded(t, true, now);
            policy.plan(List.of(), ALL_LIVE, true, now + SECOND); // node 2 leads
            now += 2 * SECOND;
            term += 2;
            List<LedPartition> back = List.of(led(0, term, List.of(1L, 2L, 3L), match));
            assertThat(policy.plan(back, ALL_LIVE, true, now)).isEmpty();
            assertThat(policy.backingOff(0, now)).as("bounce %d", bounce).isTrue();
            long wait = DELAY << (bounce - 1);
            assertThat(policy.plan(back, ALL_LIVE, true, now + wait - 1)).as("bounce %d: waits %d s", bounce, wait / SECOND)
                    .isEmpty();
            now += wait;
            t = policy.plan(back, ALL_LIVE, true, now).getFirst();
        }
    }

    @Test
    void aSlowNodeWithNoReadyPeerKeepsItsLeadership() {
        List<LedPartition> led = List.of(led(0, List.of(1L, 2L, 3L)));
        policy.plan(led, ALL_LIVE, true, 0);
        assertThat(policy.plan(led, id -> id == 1, true, DELAY)).isEmpty();
    }

    @Test
    void statusesInAnyOrderGiveTheSameTransfers() {
        List<LedPartition> led = new ArrayList<>();
        for (int p = 7; p >= 0; p--) {
            led.add(led(p, p % 2 == 0 ? List.of(2L, 1L, 3L) : List.of(1L, 3L, 2L)));
        }
        policy.plan(led, ALL_LIVE, false, 0);
        assertThat(policy.plan(led, ALL_LIVE, false, DELAY)).extracting(Transfer::partition).containsExactly(0, 2);
        assertThat(Set.copyOf(led)).hasSize(8);
    }
}
