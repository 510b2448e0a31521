package io.kvkit.raft.sim;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proves the simulation has teeth: with one safety rule of the core switched off, some seed
 * among the first 500 (the CI seed count) must fail. Prints the first seed that caught it.
 */
class SafetyMutationTest {

    @ParameterizedTest
    @ValueSource(strings = {"COMMIT_ONLY_CURRENT_TERM", "VOTE_REQUIRES_UP_TO_DATE_LOG", "ONE_VOTE_PER_TERM",
            "READ_INDEX_AFTER_FIRST_COMMIT", "LEASE_SHORTER_THAN_ELECTION_TIMEOUT"})
    void simulationCatchesBrokenRule(String rule) {
        Long caught = null;
        String what = null;
        for (long seed = 1; seed <= 500 && caught == null; seed++) {
            try {
                new RaftSimulation(seed, Set.of(rule)).run();
            } catch (RaftSimulation.SimulationFailure e) {
                caught = seed;
                what = e.getMessage().lines().findFirst().orElse("");
            }
        }
        System.out.println("mutation " + rule + ": caught by seed " + caught + ": " + what);
        assertThat(caught).as("no seed in 1..500 caught the broken rule " + rule).isNotNull();
    }
}
