package io.kvkit.bench.cluster;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What can be checked of EtcdCluster without an etcd binary. */
class EtcdClusterTest {

    @Test
    void aLongLogKeepsItsStartAndItsEndAndSaysWhatWasLeftOut() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            lines.add("line " + i);
        }
        List<String> kept = EtcdCluster.keptLogLines(lines);
        assertThat(kept).hasSize(EtcdCluster.LOG_HEAD_LINES + EtcdCluster.LOG_TAIL_LINES + 1);
        assertThat(kept.getFirst()).isEqualTo("line 0");
        assertThat(kept.getLast()).isEqualTo("line 4999");
        assertThat(kept.get(EtcdCluster.LOG_HEAD_LINES)).contains((5000 - EtcdCluster.LOG_HEAD_LINES - EtcdCluster.LOG_TAIL_LINES) + " lines left out");
        assertThat(EtcdCluster.keptLogLines(List.of("a", "b"))).containsExactly("a", "b");
    }

    @Test
    void aClusterSizeOutsideOneToSevenIsRefused() {
        assertThatThrownBy(() -> new EtcdCluster(Path.of("etcd"), Path.of("x"), 0)).hasMessageContaining("1..7 members, got 0");
        assertThatThrownBy(() -> new EtcdCluster(Path.of("etcd"), Path.of("x"), 9)).hasMessageContaining("got 9");
    }

    @Test
    void freePortsAreDistinct() {
        int[] ports = FreePorts.pick(6);
        assertThat(ports).doesNotHaveDuplicates().doesNotContain(0);
    }

    @Test
    void anExplicitEtcdThatIsNotExecutableIsNamed() {
        assertThatThrownBy(() -> EtcdBinary.locate(Path.of("/nonexistent/etcd"), Path.of(".")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--etcd").hasMessageContaining("not an executable");
    }
}
