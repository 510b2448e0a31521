package io.kvkit.raft.example;

import io.kvkit.raft.example.ClientProtocol.Consistency;
import io.kvkit.raft.sim.LinearizabilityChecker;
import io.kvkit.raft.sim.Operation;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Concurrent clients writing and reading a few registers of one group while a test injects
 * faults, recording every operation as a client saw it. A write that failed with an unknown
 * outcome may have happened at any time after it was sent (its return is "never"); a read that
 * failed had no effect and is left out. The history must be linearizable.
 */
final class ClusterHistory {

    private final RaftKvClient client;
    private final int group;
    private final int keys;
    private final Random random;
    private final List<Operation> ops = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong acknowledgedWrites = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final long t0 = System.nanoTime();
    private final List<CompletableFuture<Void>> loops = new ArrayList<>();
    private long nextValue;

    ClusterHistory(RaftKvClient client, int group, int keys, long seed) {
        this.client = client;
        this.group = group;
        this.keys = keys;
        this.random = new Random(seed);
    }

    /** Starts {@code clients} closed-loop clients, each with one operation outstanding. */
    void start(int clients) {
        for (int c = 0; c < clients; c++) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            loops.add(done);
            next(c, done);
        }
    }

    private void next(int c, CompletableFuture<Void> done) {
        if (!running.get()) {
            done.complete(null);
            return;
        }
        boolean put;
        String key;
        String value;
        synchronized (this) {
            put = random.nextBoolean();
            key = "k" + random.nextInt(keys);
            value = put ? "v" + (++nextValue) : null;
        }
        long invoked = now();
        CompletableFuture<?> f = put
                ? client.put(group, bytes(key), bytes(value))
                : client.get(group, bytes(key), Consistency.LINEARIZABLE);
        f.whenComplete((r, err) -> {
            long returned = now();
            synchronized (this) {
                if (err == null) {
                    if (put) {
                        acknowledgedWrites.incrementAndGet();
                    }
                    String read = put ? value : r == null ? null : new String((byte[]) r, StandardCharsets.UTF_8);
                    ops.add(new Operation(c, put, key, read, invoked, returned));
                } else {
                    failed.incrementAndGet();
                    if (put) {
                        ops.add(new Operation(c, true, key, value, invoked, Long.MAX_VALUE));
                    }
                }
            }
            // a new client id after an unknown outcome: a client has one operation outstanding
            next(err != null && put ? c + 1000 * (int) (failed.get() + 1) : c, done);
        });
    }

    private long now() {
        return System.nanoTime() - t0;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Stops the clients and waits for their last operations. */
    void stop() {
        running.set(false);
        CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).join();
    }

    long acknowledgedWrites() {
        return acknowledgedWrites.get();
    }

    long failedOperations() {
        return failed.get();
    }

    synchronized int size() {
        return ops.size();
    }

    synchronized LinearizabilityChecker.Result check() {
        return new LinearizabilityChecker(50_000_000).check(List.copyOf(ops));
    }
}
