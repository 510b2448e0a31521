package io.kvkit.bench.cluster;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Failover time: from kill -9 of the process leading the group of a key to the next committed
 * write of that key, over several trials; the killed node is restarted (and the cluster is
 * healthy again) before the next trial.
 *
 * <p>How the next commit is found: right after the kill, a write attempt goes out every
 * {@link #PROBE_INTERVAL} to a live node (the target picks which), each with its own deadline;
 * the first attempt to commit stops the clock, at the moment its acknowledgement arrives.
 * Attempts sent before a new leader exists are lost or rejected, so the resolution is about
 * the probe interval, small next to election timeouts (etcd: 1 s).
 */
public final class FailoverMeasurement {
    static final Duration PROBE_INTERVAL = Duration.ofMillis(10);
    static final Duration PROBE_DEADLINE = Duration.ofSeconds(2);
    /** A trial with no commit after this long is reported as failed. */
    static final Duration TRIAL_TIMEOUT = Duration.ofSeconds(60);

    /**
     * One trial.
     *
     * @param killedNode   the node index killed (the leader of the key's group)
     * @param millis       kill to first commit, or -1 if none within {@link #TRIAL_TIMEOUT}
     * @param attempts     write attempts sent
     * @param restartMillis time to restart the killed node and see the cluster healthy
     */
    public record Trial(int trial, int killedNode, double millis, int attempts, double restartMillis) {
    }

    private FailoverMeasurement() {
    }

    /** Runs {@code trials} trials on a started target; {@code progress} gets one line per trial. */
    public static List<Trial> run(ClusterTarget target, int trials, byte[] key, byte[] value, Consumer<String> progress)
            throws IOException, InterruptedException {
        List<Trial> results = new ArrayList<>();
        for (int t = 1; t <= trials; t++) {
            int leader = target.leaderNode(key);
            long killAt = System.nanoTime();
            target.kill(leader);
            AtomicLong committedAt = new AtomicLong(-1);
            List<CompletableFuture<Void>> inFlight = new ArrayList<>();
            int attempts = 0;
            long deadline = killAt + TRIAL_TIMEOUT.toNanos();
            while (committedAt.get() < 0 && System.nanoTime() < deadline) {
                CompletableFuture<Void> f = target.putAfterFailure(key, value, PROBE_DEADLINE);
                f.whenComplete((r, e) -> {
                    if (e == null) {
                        committedAt.compareAndSet(-1, System.nanoTime());
                    }
                });
                inFlight.add(f);
                attempts++;
                inFlight.removeIf(CompletableFuture::isDone); // bounded: at most deadline / interval outstanding
                Thread.sleep(PROBE_INTERVAL);
            }
            for (CompletableFuture<Void> f : inFlight) {
                f.handle((r, e) -> null).join(); // every attempt ends by its deadline
            }
            double millis = committedAt.get() < 0 ? -1 : (committedAt.get() - killAt) / 1e6;
            long r0 = System.nanoTime();
            target.restart(leader);
            double restartMillis = (System.nanoTime() - r0) / 1e6;
            Trial trial = new Trial(t, leader, millis, attempts, restartMillis);
            results.add(trial);
            progress.accept(String.format("failover trial %d/%d: killed node %d, next commit after %s, restart %.0f ms", t, trials,
                    leader, millis < 0 ? "none within " + TRIAL_TIMEOUT.toSeconds() + " s" : String.format("%.0f ms", millis),
                    restartMillis));
        }
        return results;
    }
}
