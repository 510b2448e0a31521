package io.kvkit.ring;

import static io.kvkit.ring.RingFixtures.checkInvariants;
import static io.kvkit.ring.RingFixtures.nodes;
import static io.kvkit.ring.RingFixtures.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Extremes of Q, R and N: one partition, one replica, R = N, the largest R. */
class RingEdgeCasesTest {
    @ParameterizedTest
    @CsvSource({"1,1,1", "1,3,3", "1,3,5", "2,1,2", "64,1,1", "64,1,4", "64,5,5", "64,7,9", "16,3,40"})
    void everyChangeWorksAtTheExtremes(int q, int r, int n) {
        Ring ring = Ring.create(options(q, r), nodes(n));
        checkInvariants(ring);
        RingChange join = ring.join(RingNode.of(100, "new"));
        join.plan().verify(ring, join.ring());
        checkInvariants(join.ring());
        byte[] key = "k".getBytes(StandardCharsets.UTF_8);
        assertThat(join.ring().replicasOf(key)).hasSize(r);
        if (n > r) {
            RingChange leave = join.ring().leave(0);
            leave.plan().verify(join.ring(), leave.ring());
            checkInvariants(leave.ring());
            RingChange fail = leave.ring().fail(List.of(100));
            fail.plan().verify(leave.ring(), fail.ring());
            checkInvariants(fail.ring());
        }
        assertThat(RingCodec.decode(RingCodec.encode(join.ring()))).isEqualTo(join.ring());
    }

    @Test
    void optionsRejectWhatTheyCannotHold() {
        assertThatThrownBy(() -> options(3, 3)).hasMessageContaining("power of two");
        assertThatThrownBy(() -> options(1 << 21, 3)).hasMessageContaining("power of two in [1, 1048576]");
        assertThatThrownBy(() -> options(64, 0)).hasMessageContaining("replicationFactor must be in [1, 7]");
        assertThatThrownBy(() -> options(64, 3).withLoadBalanceMaxOverMean(0.9)).hasMessageContaining(">= 1.0");
        assertThatThrownBy(() -> new RingNode(-1, "a", "", 100, NodeState.UP)).hasMessageContaining("id must be >= 0");
        assertThatThrownBy(() -> Ring.create(options(64, 3), List.of())).hasMessageContaining("needs at least 3 nodes");
        assertThatThrownBy(() -> Ring.create(options(64, 1), List.of(RingNode.of(1, "a"), RingNode.of(1, "b"))))
                .hasMessageContaining("appears twice");
        assertThatThrownBy(() -> Ring.create(options(64, 3), nodes(4)).partitionStart(64))
                .hasMessageContaining("partition must be in [0, 64)");
    }
}
