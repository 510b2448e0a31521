package io.kvkit.raft.runtime;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static io.kvkit.raft.runtime.RuntimeCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The apply hand-off: per-queue FIFO, never two tasks of one queue at once, and a throwing task stops the queue. */
class ApplyQueueTest {

    @Test
    void tasksOfOneQueueRunInOrderAndNeverConcurrentlyWhileQueuesRunInParallel() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            int queues = 8;
            int perProducer = 2_000;
            List<List<Integer>> seen = new ArrayList<>();
            List<ApplyQueue> qs = new ArrayList<>();
            AtomicInteger overlaps = new AtomicInteger();
            for (int i = 0; i < queues; i++) {
                seen.add(Collections.synchronizedList(new ArrayList<>()));
                qs.add(new ApplyQueue(pool, t -> overlaps.addAndGet(1000)));
            }
            AtomicInteger[] running = new AtomicInteger[queues];
            for (int i = 0; i < queues; i++) {
                running[i] = new AtomicInteger();
            }
            // one producer per queue, as a worker is the only producer of its groups' queues
            List<Thread> producers = new ArrayList<>();
            for (int q = 0; q < queues; q++) {
                int qi = q;
                producers.add(Thread.ofPlatform().start(() -> {
                    for (int k = 0; k < perProducer; k++) {
                        int v = k;
                        qs.get(qi).submit(new ApplyQueue.Task() {
                            @Override
                            public void run() {
                                if (running[qi].incrementAndGet() != 1) {
                                    overlaps.incrementAndGet();
                                }
                                seen.get(qi).add(v);
                                running[qi].decrementAndGet();
                            }

                            @Override
                            public void abandon() {
                            }
                        });
                    }
                }));
            }
            for (Thread t : producers) {
                t.join();
            }
            await("every task to run", () -> seen.stream().allMatch(l -> l.size() == perProducer));
            assertThat(overlaps.get()).isZero();
            for (List<Integer> l : seen) {
                for (int k = 0; k < perProducer; k++) {
                    assertThat(l.get(k)).isEqualTo(k);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aThrowingTaskStopsTheQueueAbandoningTheRestAndReportsOnce() {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            ApplyQueue q = new ApplyQueue(pool, failure::set);
            AtomicInteger ran = new AtomicInteger();
            AtomicInteger abandoned = new AtomicInteger();
            for (int i = 0; i < 10; i++) {
                int v = i;
                q.submit(new ApplyQueue.Task() {
                    @Override
                    public void run() {
                        if (v == 3) {
                            throw new IllegalStateException("state machine broke at " + v);
                        }
                        ran.incrementAndGet();
                    }

                    @Override
                    public void abandon() {
                        abandoned.incrementAndGet();
                    }
                });
            }
            await("the failure report", () -> failure.get() != null);
            assertThat(failure.get()).hasMessageContaining("broke at 3");
            await("the rest to be abandoned", () -> ran.get() + abandoned.get() == 10);
            assertThat(ran.get()).isEqualTo(3);
        } finally {
            pool.shutdownNow();
        }
    }
}
