package io.kvkit.bench.cluster;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class ClosedLoopLoadTest {

    @Test
    void eachProposerKeepsExactlyOneRequestOutstandingAndLatencyIsTheRequestsOwn() throws InterruptedException {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        try {
            ClosedLoopLoad.Result r = ClosedLoopLoad.run(4, Duration.ofMillis(100), Duration.ofMillis(600), seq -> {
                maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                CompletableFuture<Void> f = new CompletableFuture<>();
                timer.schedule(() -> {
                    inFlight.decrementAndGet();
                    f.complete(null);
                }, 5, TimeUnit.MILLISECONDS);
                return f;
            }, null);
            assertThat(maxInFlight.get()).isEqualTo(4);
            assertThat(r.errors()).isZero();
            // 4 proposers x 0.6 s / 5 ms = 480 at most; scheduling on a loaded machine only lowers it
            assertThat(r.operations()).isBetween(20L, 480L);
            assertThat(r.latencyNanos().getTotalCount()).isEqualTo(r.operations());
            assertThat(r.latencyNanos().getValueAtPercentile(50)).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(5) * 99 / 100);
            assertThat(r.opsPerSecond()).isCloseTo(r.operations() / 0.6, org.assertj.core.data.Offset.offset(0.01));
            assertThat(r.succeeded()).isGreaterThanOrEqualTo(r.operations());
            assertThat(r.issued()).isGreaterThanOrEqualTo(r.succeeded());
        } finally {
            timer.shutdownNow();
        }
    }

    @Test
    void requestsCompletingDuringTheWarmupAreNotCounted() throws InterruptedException {
        ClosedLoopLoad.Result r = ClosedLoopLoad.run(1, Duration.ofMillis(300), Duration.ofMillis(200),
                seq -> seq == 0 ? CompletableFuture.completedFuture(null) : slow(), null);
        // request 0 completes at once, in the warm-up; the next ones take 150 ms each
        assertThat(r.succeeded()).isGreaterThan(r.operations());
        assertThat(r.latencyNanos().getMinValue()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(140));
    }

    private static CompletableFuture<Void> slow() {
        return CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(150);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @Test
    void synchronousCompletionsAndThrowingOperationsNeitherRecurseNorStopTheLoad() throws InterruptedException {
        ClosedLoopLoad.Result done = ClosedLoopLoad.run(2, Duration.ZERO, Duration.ofMillis(200), seq -> CompletableFuture.completedFuture(null),
                null);
        assertThat(done.operations()).isGreaterThan(100);
        ClosedLoopLoad.Result failing = ClosedLoopLoad.run(2, Duration.ZERO, Duration.ofMillis(200), seq -> {
            if (seq % 2 == 0) {
                throw new IllegalStateException("refused " + seq);
            }
            return CompletableFuture.failedFuture(new IllegalStateException("failed " + seq));
        }, null);
        assertThat(failing.operations()).isZero();
        assertThat(failing.errors()).isPositive();
        assertThat(failing.firstError()).contains("IllegalStateException");
    }

    @Test
    void theWindowCallbacksBracketTheMeasuredInterval() throws InterruptedException {
        long[] at = new long[2];
        long t0 = System.nanoTime();
        ClosedLoopLoad.run(1, Duration.ofMillis(100), Duration.ofMillis(200), seq -> CompletableFuture.completedFuture(null),
                new ClosedLoopLoad.Window() {
                    @Override
                    public void opened() {
                        at[0] = System.nanoTime();
                    }

                    @Override
                    public void closed() {
                        at[1] = System.nanoTime();
                    }
                });
        assertThat(at[0] - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
        assertThat(at[1] - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
        assertThat(at[1]).isGreaterThan(at[0]);
    }
}
