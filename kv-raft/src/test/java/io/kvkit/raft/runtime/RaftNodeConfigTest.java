package io.kvkit.raft.runtime;

import io.kvkit.raft.RaftOptions;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RaftNodeConfigTest {

    @Test
    void defaultsAreValidAndTheTemplateTakesTheNodeId() {
        RaftNodeConfig c = RaftNodeConfig.defaults(5).withRaftOptions(RaftOptions.defaults(1));
        assertThat(c.raftOptions().nodeId()).isEqualTo(5);
        assertThat(c.tickInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(c.workerThreads()).isBetween(1, 4);
        assertThat(c.maxCatchUpTicks()).isGreaterThanOrEqualTo(2 * c.raftOptions().electionTimeoutTicks());
        assertThat(c.requestTimeoutTicks()).isEqualTo(100);
    }

    @Test
    void badSettingsAreRefusedNamingTheSettingAndWhatIsAllowed() {
        RaftNodeConfig d = RaftNodeConfig.defaults(1);
        assertThatThrownBy(() -> RaftNodeConfig.defaults(0)).hasMessageContaining("nodeId must be > 0");
        assertThatThrownBy(() -> d.withTickInterval(Duration.ofMillis(0))).hasMessageContaining("tickInterval must be within");
        assertThatThrownBy(() -> d.withWorkerThreads(0)).hasMessageContaining("workerThreads must be within [1, 256]");
        assertThatThrownBy(() -> d.withApplyThreads(1000)).hasMessageContaining("applyThreads must be within [1, 256]");
        assertThatThrownBy(() -> d.withMaxPendingProposalsPerGroup(0)).hasMessageContaining("maxPendingProposalsPerGroup");
        assertThatThrownBy(() -> d.withSnapshotEveryEntries(-1)).hasMessageContaining("0 = never");
        assertThatThrownBy(() -> d.withRequestTimeout(Duration.ofMillis(1))).hasMessageContaining("requestTimeout");
        assertThatThrownBy(() -> d.withFollowerReadMaxLagEntries(-1)).hasMessageContaining("followerReadMaxLagEntries");
    }
}
