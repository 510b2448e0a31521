package io.kvkit.client;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Gets per second through the client against a one-node {@link FakeCluster} on loopback:
 * blocking calls from one thread (one request in flight) next to asynchronous calls with a
 * window of requests in flight on one connection. The fake server is one Netty thread, so this
 * is a floor for the client's overhead and the gain of pipelining, not a server figure.
 *
 * <p>Arguments: seconds per phase (default 5), window (default 256).
 */
public final class ClientThroughputMain {
    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int window = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        try (FakeCluster cluster = new FakeCluster(1, 4, 1);
             KvClient client = KvClient.builder().seeds(cluster.seeds().getFirst()).defaultDeadline(Duration.ofSeconds(30)).build()) {
            byte[][] keys = new byte[1024][];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = FakeCluster.bytes("key-" + i);
                cluster.load("default", keys[i], new byte[100]);
            }
            KvTable t = client.defaultTable();
            // warm-up, then one measured phase each
            run("warm-up blocking", seconds, t, keys, 0);
            System.out.println(run("blocking, 1 in flight", seconds, t, keys, 0));
            run("warm-up async", seconds, t, keys, window);
            System.out.println(run("async, " + window + " in flight", seconds, t, keys, window));
        }
    }

    private static String run(String name, int seconds, KvTable t, byte[][] keys, int window) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long t0 = System.nanoTime();
        long ops = 0;
        if (window == 0) {
            while (System.nanoTime() < end) {
                t.get(keys[(int) (ops++ & 1023)]);
            }
        } else {
            Semaphore slots = new Semaphore(window);
            AtomicLong done = new AtomicLong();
            while (System.nanoTime() < end) {
                slots.acquire();
                t.getAsync(keys[(int) (ops++ & 1023)]).whenComplete((v, e) -> {
                    if (e != null) {
                        throw new IllegalStateException("a get failed", e);
                    }
                    done.incrementAndGet();
                    slots.release();
                });
            }
            slots.acquire(window);
            ops = done.get();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        return String.format("%-24s %,10.0f gets/s (%,d in %.1f s)", name, ops / secs, ops, secs);
    }
}
