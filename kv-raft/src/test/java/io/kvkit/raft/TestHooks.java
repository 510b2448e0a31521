package io.kvkit.raft;

import java.util.Set;

/** Test access to the core's package-private mutation switches. */
public final class TestHooks {
    private TestHooks() {
    }

    /** Switches off the named {@link SafetyRule}s on {@code core} (mutation testing only). */
    public static void disable(RaftCore core, Set<String> rules) {
        for (String r : rules) {
            core.disabledRules.add(SafetyRule.valueOf(r));
        }
    }

    public static Set<String> ruleNames() {
        return Set.of(java.util.Arrays.stream(SafetyRule.values()).map(Enum::name).toArray(String[]::new));
    }
}
