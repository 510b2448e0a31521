package io.kvkit.raft.runtime;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.kvkit.raft.runtime.RuntimeCluster.await;
import static io.kvkit.raft.runtime.RuntimeCluster.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Faults against the running runtime: seeded message drops, partitions of a node, restarts of a
 * node on its log store (state machines rebuilt from snapshot and log), leadership transfers,
 * snapshots every few entries, quiescence on. Thread interleavings are not reproducible, the
 * faults' choices are (the seed is printed). At the end, with the faults gone: every group has
 * identical replicas, holding every acknowledged write once, and each acknowledgement named the
 * index of its own command. Runs {@code kvkit.raft.runtime.chaosSeconds} (default 8) seconds of
 * faults; longer runs: {@code -Dkvkit.raft.runtime.chaosSeconds=300}.
 */
class RuntimeChaosTest {

    private static final int GROUPS = 6;

    @Test
    void acknowledgedWritesSurviveDropsPartitionsRestartsAndTransfers() throws Exception {
        long seed = Long.getLong("kvkit.raft.runtime.chaosSeed", System.nanoTime());
        int seconds = Integer.getInteger("kvkit.raft.runtime.chaosSeconds", 6);
        System.out.println("RuntimeChaosTest seed " + seed + " (-Dkvkit.raft.runtime.chaosSeed=" + seed + "), "
                + seconds + " s of faults");
        Random random = new Random(seed);
        try (RuntimeCluster c = new RuntimeCluster(3, seed, cfg -> cfg.withSnapshotEveryEntries(200)
                .withQuiesceAfterIdleTicks(10).withRequestTimeout(java.time.Duration.ofSeconds(5)))) {
            for (long g = 1; g <= GROUPS; g++) {
                c.startGroup(g);
            }
            Map<String, Long> acked = new ConcurrentHashMap<>();
            Map<String, Long> groupOf = new ConcurrentHashMap<>();
            AtomicInteger failed = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            Thread client = Thread.ofPlatform().name("chaos-client").start(() -> {
                int n = 0;
                List<CompletableFuture<?>> inFlight = new ArrayList<>();
                while (!stop.get()) {
                    long g = 1 + (n % GROUPS);
                    String cmd = "c" + n++;
                    long leader = c.leaderOf(g);
                    RaftNode node = leader == 0 ? null : c.nodes.get(leader);
                    RaftGroup handle = node == null ? null : node.group(g);
                    if (handle == null) {
                        RuntimeCluster.sleep(5);
                        continue;
                    }
                    groupOf.put(cmd, g);
                    inFlight.add(handle.propose(bytes(cmd)).whenComplete((r, e) -> {
                        if (e == null) {
                            acked.put(cmd, Long.parseLong(new String(r)));
                        } else {
                            failed.incrementAndGet();
                        }
                    }));
                    if (inFlight.size() >= 16) { // bounded load: about a thousand writes a second
                        inFlight.removeIf(CompletableFuture::isDone);
                        RuntimeCluster.sleep(10);
                    }
                }
            });
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            int faults = 0;
            while (System.nanoTime() < end) {
                long victim = 1 + random.nextInt(3);
                switch (random.nextInt(4)) {
                    case 0 -> {
                        c.hub.setDropProbability(0.05 + random.nextDouble() * 0.15);
                        RuntimeCluster.sleep(300 + random.nextInt(700));
                        c.hub.setDropProbability(0);
                    }
                    case 1 -> {
                        c.isolate(victim, true);
                        RuntimeCluster.sleep(300 + random.nextInt(1200));
                        c.isolate(victim, false);
                    }
                    case 2 -> c.restart(victim);
                    default -> {
                        long g = 1 + random.nextInt(GROUPS);
                        long leader = c.leaderOf(g);
                        if (leader != 0) {
                            c.nodes.get(leader).group(g).transferLeadership(victim == leader ? 1 + (victim % 3) : victim);
                        }
                    }
                }
                faults++;
                RuntimeCluster.sleep(100 + random.nextInt(300));
            }
            stop.set(true);
            client.join();
            c.hub.setDropProbability(0);
            for (long n : c.ids) {
                c.isolate(n, false);
            }
            for (long g = 1; g <= GROUPS; g++) {
                c.proposeUntilAcked(g, "final-" + g); // a write of the final term commits everything before it
            }
            for (long g = 1; g <= GROUPS; g++) {
                long group = g;
                await("group " + g + " to converge", () -> {
                    List<String> first = c.machine(1, group).items();
                    return first.contains("final-" + group) && first.equals(c.machine(2, group).items())
                            && first.equals(c.machine(3, group).items());
                });
            }
            System.out.printf("chaos: %d faults, %d writes acknowledged, %d failed or unknown%n",
                    faults, acked.size(), failed.get());
            assertThat(acked).isNotEmpty();
            for (long g = 1; g <= GROUPS; g++) {
                List<String> items = c.machine(1, g).items();
                assertThat(items).as("group %d", g).doesNotHaveDuplicates();
                Set<String> have = new HashSet<>(items);
                long group = g;
                acked.forEach((cmd, index) -> {
                    if (groupOf.get(cmd) == group) {
                        assertThat(have).as("acknowledged %s in group %d", cmd, group).contains(cmd);
                    }
                });
            }
            // a reply names the index its own command was applied at (where a node still remembers it)
            acked.forEach((cmd, index) -> {
                for (long n : c.ids) {
                    String at = c.machine(n, groupOf.get(cmd)).commandAt(index);
                    if (at != null) {
                        assertThat(at).as("command at index %d of group %d", index, groupOf.get(cmd)).isEqualTo(cmd);
                    }
                }
            });
        }
    }
}
