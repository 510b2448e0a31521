package io.kvkit.raft.runtime;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static io.kvkit.raft.runtime.RuntimeCluster.await;
import static io.kvkit.raft.runtime.RuntimeCluster.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three nodes hosting 1,000 groups each: every group elects a leader and commits a write, and
 * the writes of many groups share fsyncs (one store sync per worker round, not one per group).
 * The group count can be raised with {@code -Dkvkit.raft.runtime.groups=N}.
 */
class ManyGroupsTest {

    private static final int GROUPS = Integer.getInteger("kvkit.raft.runtime.groups", 1_000);

    @Test
    void everyGroupElectsALeaderAndCommitsAWrite() {
        try (RuntimeCluster c = new RuntimeCluster(3, 21, cfg -> cfg)) {
            long t0 = System.nanoTime();
            for (long g = 1; g <= GROUPS; g++) {
                c.startGroup(g);
            }
            long started = System.nanoTime();
            await("a leader in every group", () -> {
                for (long g = 1; g <= GROUPS; g++) {
                    if (c.leaderOf(g) == 0) {
                        return false;
                    }
                }
                return true;
            });
            long elected = System.nanoTime();
            Map<Long, RaftNodeStats> before = new HashMap<>();
            for (long n : c.ids) {
                before.put(n, c.nodes.get(n).stats());
            }
            long w0 = System.nanoTime();
            List<CompletableFuture<byte[]>> writes = new ArrayList<>();
            for (long g = 1; g <= GROUPS; g++) {
                writes.add(c.group(c.leaderOf(g), g).propose(bytes("w" + g)));
            }
            int retried = 0;
            for (int i = 0; i < writes.size(); i++) {
                try {
                    writes.get(i).join();
                } catch (CompletionException e) {
                    retried++; // a leadership change meanwhile: outcome unknown, write again
                    c.proposeUntilAcked(i + 1, "w" + (i + 1));
                }
            }
            long written = System.nanoTime();
            for (long g = 1; g <= GROUPS; g++) {
                long group = g;
                await("group " + g + " to apply its write everywhere", () -> c.ids.stream()
                        .allMatch(n -> c.machine(n, group).items().contains("w" + group)));
            }
            long syncs = 0;
            long persisted = 0;
            long rounds = 0;
            for (long n : c.ids) {
                RaftNodeStats s = c.nodes.get(n).stats();
                syncs += s.syncs() - before.get(n).syncs();
                persisted += s.groupsPersisted() - before.get(n).groupsPersisted();
                rounds += s.rounds() - before.get(n).rounds();
            }
            System.out.printf("%d groups x 3 nodes: start %.0f ms, all elected after %.0f ms, %d writes (one per group, "
                            + "%d retried) acknowledged in %.0f ms; during the writes: %d syncs for %d group writes "
                            + "(%.1f groups per sync), %d rounds%n", GROUPS,
                    (started - t0) / 1e6, (elected - started) / 1e6, GROUPS, retried, (written - w0) / 1e6,
                    syncs, persisted, syncs == 0 ? 0.0 : (double) persisted / syncs, rounds);
            for (long n : c.ids) {
                System.out.println("node " + n + ": " + c.nodes.get(n).stats());
            }
            // N active groups must not cost N fsyncs: rounds batch many groups into one sync
            assertThat(syncs).isLessThan(persisted / 4);
        }
    }
}
