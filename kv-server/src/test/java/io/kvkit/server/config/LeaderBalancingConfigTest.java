package io.kvkit.server.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LeaderBalancingConfigTest {

    @TempDir
    Path dir;

    private static final String BASE = """
            node-id: 1
            data-dir: /tmp/kvkit-unused
            initial-cluster:
              - {id: 1, host: 10.0.0.11, raft-port: 7001, client-port: 7101}
            replication-factor: 1
            meta-replicas: 1
            """;

    private NodeConfig load(String text, Map<String, String> flags) throws IOException {
        Path f = dir.resolve("node.yaml");
        Files.writeString(f, text);
        return NodeConfigLoader.load(f, flags);
    }

    @Test
    void defaultsWhenUnset() throws IOException {
        assertThat(load(BASE, Map.of()).leaderBalancing()).isEqualTo(LeaderBalancing.defaults());
        LeaderBalancing d = LeaderBalancing.defaults();
        assertThat(d.enabled()).isTrue();
        assertThat(d.delay()).isEqualTo(Duration.ofSeconds(10));
        assertThat(d.interval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(d.maxTransfersPerRound()).isEqualTo(2);
        assertThat(d.slowNodeThreshold()).isEqualTo(Duration.ofMillis(200));
        assertThat(d.slowNodeWindows()).isEqualTo(3);
    }

    @Test
    void everyKeyFromYamlFlagsOnTopAndBackThroughTheWriter() throws IOException {
        NodeConfig c = load(BASE + """
                leader-balance: false
                leader-balance-delay: 30s
                leader-balance-interval: 500ms
                leader-balance-max-transfers: 4
                slow-node-threshold: 50ms
                slow-node-windows: 5
                """, Map.of("leader-balance-delay", "0s"));
        assertThat(c.leaderBalancing()).isEqualTo(new LeaderBalancing(false, Duration.ZERO, Duration.ofMillis(500), 4,
                Duration.ofMillis(50), 5));
        assertThat(load(NodeConfigWriter.toYaml(c), Map.of())).isEqualTo(c);
        // a boolean flag without a value turns it on
        assertThat(load(BASE + "leader-balance: false\n", Map.of("leader-balance", "true")).leaderBalancing().enabled()).isTrue();
    }

    @Test
    void badValuesNameTheKeyAndWhatIsAllowed() {
        assertThatThrownBy(() -> load(BASE + "leader-balance: sometimes\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("leader-balance").hasMessageContaining("true or false");
        assertThatThrownBy(() -> load(BASE + "leader-balance-delay: 2h\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("leader-balance-delay").hasMessageContaining("0ms..1h");
        assertThatThrownBy(() -> load(BASE + "leader-balance-delay: 10\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("is not a duration");
        assertThatThrownBy(() -> load(BASE + "leader-balance-interval: 1ms\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("leader-balance-interval").hasMessageContaining("10ms..10m");
        assertThatThrownBy(() -> load(BASE + "leader-balance-max-transfers: 0\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("leader-balance-max-transfers")
                .hasMessageContaining("1..1024");
        assertThatThrownBy(() -> load(BASE + "slow-node-threshold: 0ms\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("slow-node-threshold").hasMessageContaining("1ms..1m");
        assertThatThrownBy(() -> load(BASE + "slow-node-windows: 1001\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("slow-node-windows").hasMessageContaining("1..1000");
        assertThatThrownBy(() -> load(BASE + "leader-balance-dealy: 1s\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("did you mean 'leader-balance-delay'");
        assertThatThrownBy(() -> LeaderBalancing.defaults().withSlowNodeWindows(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("slow-node-windows 0 is out of range");
    }
}
