package io.kvkit.raft.scenario;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Safety rules whose breakage needs a precise interleaving that random simulation seldom builds
 * (SafetyMutationTest covers the others): each is pinned by a scenario script that must play out
 * differently once the rule is switched off.
 */
class ScenarioMutationTest {

    @ParameterizedTest(name = "{0} changes {1}")
    @CsvSource({
            // without it the restarted node votes for 3, which commits x while 1 still serves a lease read at index 2
            "LEASE_RESTART_GUARD, lease_restart_guard.txt",
    })
    void scriptCatchesBrokenRule(String rule, String script) throws Exception {
        List<String> differences = ScenarioTest.run(ScenarioTest.dir().resolve(script), Set.of(rule), false);
        differences.forEach(d -> System.out.println("mutation " + rule + ":\n" + d));
        assertThat(differences).as("switching off %s changes nothing in %s", rule, script).isNotEmpty();
    }

    /**
     * The broken run really is unsafe: node 3 leads term 3 and has committed x past index 2, yet
     * node 1's lease read still plays out as in the script, at index 2 (a stale read).
     */
    @ParameterizedTest
    @CsvSource({"LEASE_RESTART_GUARD, lease_restart_guard.txt"})
    void brokenLeaseGuardServesAStaleRead(String rule, String script) throws Exception {
        List<String> differences = ScenarioTest.run(ScenarioTest.dir().resolve(script), Set.of(rule), false);
        String all = String.join("\n", differences);
        assertThat(all).containsPattern("3: LEADER term=3 lead=3 commit=[3-9]");
        assertThat(differences).as("node 1's lease read is unchanged: index 2")
                .noneMatch(d -> d.startsWith(script + ": process-ready 1"));
    }
}
