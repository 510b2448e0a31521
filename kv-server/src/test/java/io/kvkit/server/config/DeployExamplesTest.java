package io.kvkit.server.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The example configurations in deploy/ load, and found the same cluster. */
class DeployExamplesTest {

    @Test
    void theThreeNodeFilesLoadAndAgreeOnTheCluster() {
        Path deploy = Path.of("..", "deploy");   // surefire runs in the module directory
        NodeConfig first = null;
        for (int i = 1; i <= 3; i++) {
            Path file = deploy.resolve("node" + i + ".yaml");
            assertThat(file).exists();
            NodeConfig c = NodeConfigLoader.load(file, Map.of());
            assertThat(c.nodeId()).isEqualTo(i);
            assertThat(c.self().host()).isEqualTo("10.0.0.1" + i);
            if (first == null) {
                first = c;
            }
            assertThat(c.initialCluster()).isEqualTo(first.initialCluster());
            assertThat(c.partitions()).isEqualTo(first.partitions());
            assertThat(c.replicationFactor()).isEqualTo(3);
            assertThat(c.metaReplicas()).isEqualTo(3);
            assertThat(c.defaultEngine()).isEqualTo(first.defaultEngine());
            assertThat(c.maxValueBytes()).isEqualTo(first.maxValueBytes());
        }
        assertThat(Files.exists(deploy.resolve("kvkit.service"))).isTrue();
    }
}
