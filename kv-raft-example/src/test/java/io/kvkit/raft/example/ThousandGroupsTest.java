package io.kvkit.raft.example;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 1,000 Raft groups on three processes: every group elects a leader and commits a write, and the
 * idle cost of the groups is reported (CPU of each process while nothing happens). Not a timed
 * assertion: the figure is printed for the README and the issue note.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ThousandGroupsTest {

    private static final int GROUPS = 1_000;
    private static final Pattern LEADER = Pattern.compile("leader=(\\d+)");

    @TempDir
    Path dir;

    @Test
    void everyGroupElectsAndCommits_andIdleGroupsCostLittle() throws Exception {
        // ticks of 100 ms (elections after 1-2 s): a thousand groups' campaigns start at once
        try (LocalCluster cluster = new LocalCluster(dir, 3, GROUPS, "--tick-ms", "100")) {
            long t0 = System.nanoTime();
            cluster.startAll();
            try (RaftKvClient client = cluster.client(30_000)) {
                Semaphore inFlight = new Semaphore(64);
                List<CompletableFuture<Void>> writes = new ArrayList<>();
                for (int g = 1; g <= GROUPS; g++) {
                    inFlight.acquire();
                    // retried after an unknown outcome (a leader change while it was in flight):
                    // the same put twice leaves the same state
                    int group = g;
                    CompletableFuture<Void> f = client.put(group, bytes("key"), bytes("group" + group))
                            .exceptionallyCompose(e -> client.put(group, bytes("key"), bytes("group" + group)))
                            .exceptionallyCompose(e -> client.put(group, bytes("key"), bytes("group" + group)));
                    f.whenComplete((r, e) -> inFlight.release());
                    writes.add(f);
                }
                try {
                    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(200, TimeUnit.SECONDS);
                } catch (Exception e) {
                    long done = writes.stream().filter(f -> f.isDone() && !f.isCompletedExceptionally()).count();
                    StringBuilder why = new StringBuilder(done + " of " + GROUPS + " groups committed their write; failures: "
                            + writes.stream().filter(CompletableFuture::isCompletedExceptionally)
                                    .map(f -> f.exceptionNow().toString()).distinct().limit(5).toList());
                    for (long n = 1; n <= 3; n++) {
                        String status = client.status(n).get(30, TimeUnit.SECONDS);
                        why.append("\nnode ").append(n).append(": ").append(status.lines().findFirst().orElse(""))
                                .append(", groups with a known leader: ").append(LEADER.matcher(status).results()
                                        .filter(r -> !r.group(1).equals("0")).count());
                    }
                    throw new AssertionError(why.toString(), e);
                }
                System.out.printf("%d groups on 3 processes: all elected and committed a write %.1f s after launch%n",
                        GROUPS, (System.nanoTime() - t0) / 1e9);

                for (long node = 1; node <= 3; node++) {
                    Matcher m = LEADER.matcher(client.status(node).get(30, TimeUnit.SECONDS));
                    int withLeader = 0;
                    while (m.find()) {
                        withLeader += Long.parseLong(m.group(1)) != 0 ? 1 : 0;
                    }
                    assertThat(withLeader).as("groups on node %d that know their leader", node).isEqualTo(GROUPS);
                }

                Thread.sleep(3_000); // let the groups go idle
                long[] before = new long[4];
                for (int n = 1; n <= 3; n++) {
                    before[n] = cpuTicks(cluster.process(n).pid());
                }
                long idleStart = System.nanoTime();
                Thread.sleep(5_000);
                double seconds = (System.nanoTime() - idleStart) / 1e9;
                StringBuilder report = new StringBuilder("idle CPU with " + GROUPS + " groups:");
                for (int n = 1; n <= 3; n++) {
                    double cpuSeconds = (cpuTicks(cluster.process(n).pid()) - before[n]) / 100.0;
                    report.append(String.format(" node %d %.1f%%", n, 100 * cpuSeconds / seconds));
                }
                System.out.println(report + " of one core (" + Files.readString(Path.of("/proc/loadavg")).trim() + ")");
                System.out.println("node 1: " + client.status(1).get(30, TimeUnit.SECONDS).lines().findFirst().orElse(""));
            }
        }
    }

    /** utime + stime of a process, in clock ticks (USER_HZ, 100 on Linux). */
    private static long cpuTicks(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
