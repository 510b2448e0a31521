package io.kvkit.raft.runtime;

import io.kvkit.raft.ReadOnlyMode;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.kvkit.raft.runtime.RuntimeCluster.await;
import static io.kvkit.raft.runtime.RuntimeCluster.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Idle groups stop ticking and heartbeating; inputs and the death of the leader's node wake them. */
class QuiescenceTest {

    private static final int GROUPS = Integer.getInteger("kvkit.raft.runtime.groups", 1_000);
    private static final long G = 5;

    private static boolean allQuiesced(RuntimeCluster c, long groupId) {
        for (long n : c.ids) {
            RaftNode node = c.nodes.get(n);
            if (!node.isClosed() && node.group(groupId) != null && !node.group(groupId).status().quiesced()) {
                return false;
            }
        }
        return true;
    }

    @Test
    void aQuiescedGroupWakesForAProposalAndQuiescesAgain() throws Exception {
        try (RuntimeCluster c = new RuntimeCluster(3, 41, cfg -> cfg)) {
            c.startGroup(G);
            c.proposeUntilAcked(G, "a");
            await("the group to quiesce on every member", () -> allQuiesced(c, G));
            long leader = c.awaitLeader(G);
            long ticks = c.nodes.get(leader).stats().groupTicks();
            byte[] reply = c.group(leader, G).propose(bytes("b")).get(30, TimeUnit.SECONDS);
            assertThat(reply).isNotEmpty();
            await("every member to apply the write", () -> c.ids.stream().allMatch(n -> c.machine(n, G).items().contains("b")));
            c.group(leader, G).read(ReadConsistency.LINEARIZABLE).get(30, TimeUnit.SECONDS);
            await("the group to quiesce again", () -> allQuiesced(c, G));
            assertThat(c.nodes.get(leader).stats().groupTicks()).isGreaterThan(ticks);
            assertThat(c.nodes.get(leader).stats().wakes()).isGreaterThan(0);
        }
    }

    /**
     * The leader's member of a quiesced group stops on a node that stays up (node liveness sees
     * nothing): it tells its peers to wake, and they elect a new leader.
     */
    @Test
    void stoppingTheLeadersMemberOfAQuiescedGroupWakesTheOthers() throws Exception {
        try (RuntimeCluster c = new RuntimeCluster(3, 44, cfg -> cfg)) {
            c.startGroup(G);
            c.proposeUntilAcked(G, "a");
            await("the group to quiesce on every member", () -> allQuiesced(c, G));
            long leader = c.awaitLeader(G);
            c.nodes.get(leader).stopGroup(G).get(30, TimeUnit.SECONDS);
            await("the others to elect a new leader", () -> c.leaderOf(G) != 0 && c.leaderOf(G) != leader);
            c.proposeUntilAcked(G, "b");
        }
    }

    /**
     * A leader that quiesced must not serve a lease read from the lease it held before: its ticks
     * (the lease clock) stopped. Cut off after quiescing, it wakes for the read and must confirm
     * leadership with a heartbeat round, which it cannot; meanwhile the others notice its node is
     * silent, wake, elect a new leader and take a write the old one never sees.
     */
    @Test
    void aQuiescedLeaderCutOffDoesNotServeALeaseRead() throws Exception {
        try (RuntimeCluster c = new RuntimeCluster(3, 42, cfg -> cfg.withRaftOptions(
                cfg.raftOptions().withReadOnlyMode(ReadOnlyMode.LEASE_BASED)))) {
            c.startGroup(G);
            c.proposeUntilAcked(G, "a");
            long leader = c.awaitLeader(G);
            c.group(leader, G).read(ReadConsistency.LEASE).get(30, TimeUnit.SECONDS); // a lease was held
            await("the group to quiesce on every member", () -> allQuiesced(c, G));
            c.isolate(leader, true);
            CompletableFuture<Void> read = c.group(leader, G).read(ReadConsistency.LEASE);
            await("the others to elect a new leader", () -> {
                long l = c.leaderOf(G);
                return l != 0 && l != leader && c.group(l, G).status().term() > c.group(leader, G).status().term();
            });
            long fresh = c.leaderOf(G);
            c.group(fresh, G).propose(bytes("b")).get(30, TimeUnit.SECONDS);
            assertThatThrownBy(() -> read.get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOfAny(NotLeaderException.class, RaftTimeoutException.class);
            assertThat(c.machine(leader, G).items()).doesNotContain("b");
            c.isolate(leader, false);
        }
    }

    @Test
    void thousandsOfQuiescedGroupsGoSilentAndTheLossOfANodeReelectsItsGroups() {
        try (RuntimeCluster c = new RuntimeCluster(3, 43, cfg -> cfg)) {
            for (long g = 1; g <= GROUPS; g++) {
                c.startGroup(g);
            }
            await("a leader in every group", () -> {
                for (long g = 1; g <= GROUPS; g++) {
                    if (c.leaderOf(g) == 0) {
                        return false;
                    }
                }
                return true;
            });
            List<CompletableFuture<byte[]>> writes = new ArrayList<>();
            for (long g = 1; g <= GROUPS; g++) {
                writes.add(c.group(c.leaderOf(g), g).propose(bytes("w" + g)));
            }
            for (int i = 0; i < writes.size(); i++) {
                if (writes.get(i).handle((r, e) -> e).join() != null) {
                    c.proposeUntilAcked(i + 1, "w" + (i + 1));
                }
            }
            long q0 = System.nanoTime();
            await("every group to quiesce on every node", () -> {
                for (long n : c.ids) {
                    if (c.nodes.get(n).stats().quiescedGroups() != GROUPS) {
                        return false;
                    }
                }
                return true;
            });
            System.out.printf("%d groups x 3 nodes quiesced %.0f ms after the last write was acknowledged%n",
                    GROUPS, (System.nanoTime() - q0) / 1e6);

            // A measuring window (not a wait for a condition): what does an idle cluster cost? A
            // stall of the loaded test machine longer than the liveness timeout makes peers look dead
            // and wakes groups for a moment; such a window is measured again (at most 5 times).
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            double livenessPerSec = 3 * 2 / (c.nodes.get(1L).config().livenessIntervalTicks()
                    * c.nodes.get(1L).config().tickInterval().toMillis() / 1000.0);
            double msgsPerSec = 0;
            for (int attempt = 1; attempt <= 5; attempt++) {
                long wakes0 = wakes(c);
                long msgs0 = messagesSent(c);
                long cpu0 = raftThreadsCpuNanos(threads);
                long proc0 = processCpuNanos();
                long t0 = System.nanoTime();
                RuntimeCluster.sleep(3_000);
                double secs = (System.nanoTime() - t0) / 1e9;
                msgsPerSec = (messagesSent(c) - msgs0) / secs;
                double raftCpu = (raftThreadsCpuNanos(threads) - cpu0) / 1e9 / secs;
                double procCpu = (processCpuNanos() - proc0) / 1e9 / secs;
                long woke = wakes(c) - wakes0;
                System.out.printf("idle, quiesced (window %d): %.0f messages/s for the 3 nodes (liveness alone: %.0f/s); "
                                + "CPU of the runtime's threads %.1f%% of one core, of the whole test JVM %.1f%%; %d wake-ups%n",
                        attempt, msgsPerSec, livenessPerSec, 100 * raftCpu, 100 * procCpu, woke);
                if (woke == 0) {
                    break;
                }
                await("every group to quiesce again", () -> c.ids.stream()
                        .allMatch(n -> c.nodes.get(n).stats().quiescedGroups() == GROUPS));
            }
            assertThat(msgsPerSec).isLessThan(3 * livenessPerSec);

            Map<Long, Integer> led = new HashMap<>();
            for (long g = 1; g <= GROUPS; g++) {
                led.merge(c.leaderOf(g), 1, Integer::sum);
            }
            long victim = led.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
            List<Long> orphaned = new ArrayList<>();
            for (long g = 1; g <= GROUPS; g++) {
                if (c.leaderOf(g) == victim) {
                    orphaned.add(g);
                }
            }
            long k0 = System.nanoTime();
            c.nodes.get(victim).close();
            await("every group led by the closed node to elect a new leader", () -> {
                for (long g : orphaned) {
                    long l = c.leaderOf(g);
                    if (l == 0 || l == victim) {
                        return false;
                    }
                }
                return true;
            });
            System.out.printf("node %d (leader of %d quiesced groups) closed: all re-elected in %.0f ms%n",
                    victim, orphaned.size(), (System.nanoTime() - k0) / 1e6);
            Map<Long, CompletableFuture<byte[]>> after = new HashMap<>();
            for (long g : orphaned) {
                after.put(g, c.group(c.leaderOf(g), g).propose(bytes("after-" + g)));
            }
            after.forEach((g, f) -> {
                if (f.handle((r, e) -> e).join() != null) {
                    c.proposeUntilAcked(g, "after-" + g);
                }
            });
        }
    }

    private static long wakes(RuntimeCluster c) {
        long n = 0;
        for (RaftNode node : c.nodes.values()) {
            n += node.stats().wakes();
        }
        return n;
    }

    private static long messagesSent(RuntimeCluster c) {
        long n = 0;
        for (RaftNode node : c.nodes.values()) {
            n += node.transportStats().messagesSent();
        }
        return n;
    }

    private static long raftThreadsCpuNanos(ThreadMXBean threads) {
        long sum = 0;
        for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (t != null && t.getThreadName().startsWith("raft-")) {
                long cpu = threads.getThreadCpuTime(t.getThreadId());
                if (cpu > 0) {
                    sum += cpu;
                }
            }
        }
        return sum;
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }
}
