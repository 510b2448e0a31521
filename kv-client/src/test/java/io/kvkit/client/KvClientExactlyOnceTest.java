package io.kvkit.client;

import static io.kvkit.client.FakeCluster.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * PITFALLS #16 (blind retries): threads increment shared counters with read-then-CAS loops while
 * every 5th applied CAS loses its answer with its connection. If a retry applied twice, or a
 * retried CAS that had applied were reported as a mismatch (its retry finding its own new value),
 * the counters would overshoot the number of increments the threads saw succeed.
 */
class KvClientExactlyOnceTest {
    @Test
    void casIncrementsUnderLostAnswersAreCountedExactlyOnce() throws Exception {
        int threads = 4;
        int incrementsPerThread = 40;
        int counters = 3;
        try (FakeCluster cluster = new FakeCluster(3, 8, 3);
             KvClient client = KvClient.builder().seeds(cluster.seeds().toArray(String[]::new))
                     .defaultDeadline(Duration.ofSeconds(60)).build()) {
            for (int c = 0; c < counters; c++) {
                client.put(bytes("counter-" + c), bytes("0"));
            }
            cluster.dropEveryNthCas = 5;
            AtomicInteger mismatches = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < incrementsPerThread; i++) {
                        byte[] key = bytes("counter-" + ((thread + i) % counters));
                        while (true) {
                            byte[] current = client.get(key);
                            int n = Integer.parseInt(new String(current, StandardCharsets.UTF_8));
                            CasResult r = client.compareAndSet(key, current, bytes(Integer.toString(n + 1)));
                            if (r.succeeded()) {
                                break;
                            }
                            mismatches.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
            pool.shutdown();
            int total = 0;
            for (int c = 0; c < counters; c++) {
                total += Integer.parseInt(new String(cluster.valueOf("default", bytes("counter-" + c)), StandardCharsets.UTF_8));
            }
            System.out.println("exactly-once: " + threads * incrementsPerThread + " increments, " + mismatches.get()
                    + " CAS mismatches retried by the threads, " + cluster.sessionDuplicates.get()
                    + " retries answered from the session table");
            assertThat(total).isEqualTo(threads * incrementsPerThread);
            assertThat(cluster.casApplications.get()).isEqualTo(threads * incrementsPerThread);
            assertThat(cluster.sessionDuplicates.get()).isGreaterThanOrEqualTo(threads * incrementsPerThread / 5);
        }
    }
}
