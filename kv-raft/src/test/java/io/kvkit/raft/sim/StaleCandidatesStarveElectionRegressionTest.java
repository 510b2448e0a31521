package io.kvkit.raft.sim;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * Found by the 20,000-seed soak (seed 18736): with PreVote off, four voters, two of them (1, 2)
 * with logs behind the other two (3, 4). Nodes 1 and 2 kept timing out and campaigning; each
 * vote request carried a higher term, and nodes 3 and 4, adopting that term, also reset their
 * election timers. Whenever 1 or 2 happened to time out first — about half of the rounds — the
 * nodes that could win never got to campaign, and after 150 ticks there was still no leader.
 * The fix: adopting a higher term from a vote request keeps the election timer running (Raft
 * §5.2: only a current leader's message or a granted vote resets it).
 */
class StaleCandidatesStarveElectionRegressionTest {

    @Test
    void upToDateNodesStillCampaignWhileStaleCandidatesBumpTheTerm() {
        assertThatCode(() -> new RaftSimulation(18736, Set.of()).run()).doesNotThrowAnyException();
    }
}
