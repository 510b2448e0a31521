package io.kvkit.engine.api.contract;

import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.StorageEngine;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request;

/**
 * A test kit that cannot fail proves nothing: run the kit against {@link ForgetfulDeleteEngine}
 * (deletes come back after reopen) and check that it fails, and for the right reason.
 */
class ContractKitCatchesBrokenEngineTest {

    /** The kit bound to the broken engine; nested so that the build does not run it directly. */
    static class BrokenEngineContract extends StorageEngineContractTest {
        @Override
        protected String engineName() {
            return "forgetful";
        }

        @Override
        protected StorageEngine open(EngineConfig config) {
            return ForgetfulDeleteEngine.open(config);
        }
    }

    static class BrokenEngineRandomized extends RandomizedModelTest {
        @Override
        protected String engineName() {
            return "forgetful";
        }

        @Override
        protected StorageEngine open(EngineConfig config) {
            return ForgetfulDeleteEngine.open(config);
        }
    }

    static class BrokenEngineCrash extends CrashContractTest {
        @Override
        protected String engineName() {
            return "class:" + BufferingEngine.class.getName();
        }

        @Override
        protected StorageEngine open(EngineConfig config) {
            return BufferingEngine.open(config);
        }

        @Override
        protected int iterations() {
            return 2;
        }
    }

    private static TestExecutionSummary run(Class<?> testClass) {
        LauncherDiscoveryRequest req = request().selectors(selectClass(testClass)).build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(req, listener);
        return listener.getSummary();
    }

    @Test
    void contractTestCatchesResurrectedDeletes() {
        TestExecutionSummary summary = run(BrokenEngineContract.class);
        List<String> failed = summary.getFailures().stream().map(f -> f.getTestIdentifier().getDisplayName()).toList();
        assertThat(summary.getTestsSucceededCount()).as("most of the contract still passes").isGreaterThan(10);
        assertThat(failed).as("the tests that reopen after deletes must fail")
                .contains("stateSurvivesCloseAndReopen()");
    }

    @Test
    void crashTestCatchesUnsyncedWritesLostByAProcessCrash() {
        TestExecutionSummary summary = run(BrokenEngineCrash.class);
        assertThat(summary.getTotalFailureCount()).isEqualTo(1);
        // Caught either as fewer batches than acknowledged, or as a store that is no prefix of them.
        assertThat(summary.getFailures().getFirst().getException().getMessage())
                .containsPattern("lost acknowledged batches|is a different value|is missing|exists but");
    }

    @Test
    void randomizedTestCatchesResurrectedDeletes() {
        String old = System.getProperty("kvkit.seed");
        System.setProperty("kvkit.seed", "42");
        try {
            TestExecutionSummary summary = run(BrokenEngineRandomized.class);
            assertThat(summary.getTotalFailureCount()).isEqualTo(1);
            assertThat(summary.getFailures().getFirst().getException().getMessage())
                    .contains("seed=42").contains("diverged from the model");
        } finally {
            if (old == null) {
                System.clearProperty("kvkit.seed");
            } else {
                System.setProperty("kvkit.seed", old);
            }
        }
    }
}
