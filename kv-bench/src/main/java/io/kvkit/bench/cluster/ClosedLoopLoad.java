package io.kvkit.bench.cluster;

import org.HdrHistogram.Histogram;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A closed-loop load: {@code proposers} independent loops, each with exactly one request
 * outstanding; a loop sends its next request only when the previous one completed. Throughput
 * is then bounded by concurrency / latency, which is what "N concurrent proposers" means.
 *
 * <p>Latency accounting: a request is timed from just before it is issued to the moment its
 * future completes, stamped on the thread that completes it (the client's I/O thread), so the
 * time the proposer's own thread takes to wake up is not counted. A request counts (in the
 * throughput and in the histogram) when it completes inside the measured window, which starts
 * after the warm-up; requests completing during the warm-up or after the window are not
 * counted. Proposers stop issuing at the end of the window.
 */
public final class ClosedLoopLoad {
    /** Latencies above this are recorded as this (a histogram needs a bound); far above any request deadline. */
    static final long MAX_RECORDED_NANOS = Duration.ofSeconds(120).toNanos();
    /** A point stops early after this many failed requests: the figure would be meaningless anyway. */
    static final int MAX_ERRORS = 1000;

    /** One request; {@code sequence} counts requests across all proposers from 0. */
    @FunctionalInterface
    public interface Operation {
        CompletableFuture<?> issue(long sequence);
    }

    /** Called on the caller's thread as the measured window opens and closes (e.g. to sample CPU). */
    public interface Window {
        void opened();

        void closed();
    }

    /**
     * @param operations  requests completed successfully inside the window
     * @param errors      requests failed inside the window
     * @param issued      requests issued in all (warm-up included)
     * @param succeeded   requests that succeeded in all, warm-up and after the window included (puts: entries written)
     * @param seconds     length of the window
     * @param latencyNanos the latencies of the {@code operations}
     * @param firstError  the first failure's message, or null
     */
    public record Result(long operations, long errors, long issued, long succeeded, double seconds, Histogram latencyNanos, String firstError) {
        public double opsPerSecond() {
            return seconds > 0 ? operations / seconds : 0;
        }
    }

    private ClosedLoopLoad() {
    }

    public static Result run(int proposers, Duration warmup, Duration measure, Operation op, Window window) throws InterruptedException {
        if (proposers < 1) {
            throw new IllegalArgumentException("proposers must be at least 1, got " + proposers);
        }
        long start = System.nanoTime();
        long windowStart = start + warmup.toNanos();
        long windowEnd = windowStart + measure.toNanos();
        AtomicLong sequence = new AtomicLong();
        AtomicLong errorsSeen = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        List<Proposer> loops = new ArrayList<>(proposers);
        List<Thread> threads = new ArrayList<>(proposers);
        for (int i = 0; i < proposers; i++) {
            Proposer p = new Proposer(op, sequence, errorsSeen, firstError, windowStart, windowEnd);
            loops.add(p);
            // virtual threads: 256 proposers cost 256 small stacks, and a blocked join costs no carrier thread
            threads.add(Thread.ofVirtual().name("proposer-" + i).start(p));
        }
        sleepUntil(windowStart);
        if (window != null) {
            window.opened();
        }
        sleepUntil(windowEnd);
        if (window != null) {
            window.closed();
        }
        for (Thread t : threads) {
            t.join();
        }
        Histogram all = newHistogram();
        long ops = 0;
        long errors = 0;
        long succeeded = 0;
        for (Proposer p : loops) {
            all.add(p.latency);
            ops += p.operations;
            errors += p.errors;
            succeeded += p.succeeded;
        }
        return new Result(ops, errors, sequence.get(), succeeded, measure.toNanos() / 1e9, all, firstError.get());
    }

    static Histogram newHistogram() {
        return new Histogram(MAX_RECORDED_NANOS, 3);
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        for (long left; (left = nanoTime - System.nanoTime()) > 0; ) {
            Thread.sleep(Math.max(1, left / 1_000_000), 0);
        }
    }

    private static final class Proposer implements Runnable {
        private final Operation op;
        private final AtomicLong sequence;
        private final AtomicLong errorsSeen;
        private final AtomicReference<String> firstError;
        private final long windowStart;
        private final long windowEnd;
        final Histogram latency = newHistogram();
        long operations;
        long errors;
        long succeeded;

        Proposer(Operation op, AtomicLong sequence, AtomicLong errorsSeen, AtomicReference<String> firstError, long windowStart,
                 long windowEnd) {
            this.op = op;
            this.sequence = sequence;
            this.errorsSeen = errorsSeen;
            this.firstError = firstError;
            this.windowStart = windowStart;
            this.windowEnd = windowEnd;
        }

        @Override
        public void run() {
            long[] doneAt = new long[1];
            while (errorsSeen.get() < MAX_ERRORS) {
                long t0 = System.nanoTime();
                if (t0 >= windowEnd) {
                    return;
                }
                CompletableFuture<?> f;
                try {
                    f = op.issue(sequence.getAndIncrement());
                } catch (RuntimeException e) {
                    f = CompletableFuture.failedFuture(e);
                }
                Throwable failure = null;
                try {
                    f.whenComplete((r, e) -> doneAt[0] = System.nanoTime()).join();
                } catch (CompletionException | CancellationException e) {
                    failure = e.getCause() != null ? e.getCause() : e;
                }
                long t1 = doneAt[0]; // written before join returned: join orders it
                boolean inWindow = t1 >= windowStart && t1 < windowEnd;
                if (failure == null) {
                    succeeded++;
                    if (inWindow) {
                        latency.recordValue(Math.min(t1 - t0, MAX_RECORDED_NANOS));
                        operations++;
                    }
                } else {
                    if (inWindow) {
                        errors++;
                    }
                    errorsSeen.incrementAndGet();
                    firstError.compareAndSet(null, String.valueOf(failure));
                    try {
                        Thread.sleep(1); // a failing target must not be hammered in a tight loop
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }
}
