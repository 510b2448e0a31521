package io.kvkit.raft.netty;

import io.kvkit.raft.transport.Transport;
import io.kvkit.raft.Message;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/** A listener that keeps what it is told, for assertions. */
class Recorder implements Transport.Listener {

    record Received(long groupId, Message message) {
    }

    final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
    final AtomicInteger receivedCount = new AtomicInteger();
    final Map<Long, AtomicInteger> unreachable = new ConcurrentHashMap<>();

    @Override
    public void onMessage(long groupId, Message m) {
        received.add(new Received(groupId, m));
        receivedCount.incrementAndGet();
    }

    @Override
    public void onUnreachable(long toNode) {
        unreachable.computeIfAbsent(toNode, k -> new AtomicInteger()).incrementAndGet();
    }

    int unreachableCount(long node) {
        AtomicInteger n = unreachable.get(node);
        return n == null ? 0 : n.get();
    }

    /** Waits until {@code condition} holds, at most {@code timeoutMillis}; fails with {@code what}. */
    static void await(String what, long timeoutMillis, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeoutMillis + " ms waiting for: " + what);
            }
            Thread.sleep(5);
        }
    }
}
