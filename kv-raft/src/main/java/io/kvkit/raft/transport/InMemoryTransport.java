package io.kvkit.raft.transport;

import io.kvkit.raft.Message;
import io.kvkit.raft.MessageType;
import io.kvkit.raft.Snapshot;
import io.kvkit.raft.storage.FileSnapshotReceiver;
import io.kvkit.raft.storage.FileSnapshotSender;
import io.kvkit.raft.storage.LocatedFileSnapshot;

import java.nio.file.Path;

import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * A {@link Transport} between nodes of one process, for tests: nodes join a {@link Hub}, which
 * delivers each message on the destination's own delivery thread, in send order. The hub can
 * drop messages at random (seeded) and cut links, so tests can exercise Raft over a lossy network
 * without sockets. Messages are passed by reference (kv-raft messages are immutable), not encoded.
 *
 * <p>A file-backed snapshot ({@link LocatedFileSnapshot} data) is passed by reference too (the
 * receiver copies or links the sender's files), unless {@link Hub#streamFileSnapshots} is set:
 * then it is streamed in chunks from the sender's files into a staging directory of the
 * receiver, as a network transport does, and delivered from there.
 *
 * <p>Same contract as {@code NettyTransport} (module kv-raft-netty): {@code send} never blocks and never calls the
 * listener on the caller's thread; at most once; in order per (sender, destination); a bounded
 * inbox per node whose overflow is dropped and counted.
 */
public final class InMemoryTransport implements Transport {

    /** Connects the in-process nodes of one test. Thread-safe. */
    public static final class Hub {
        private final Map<Long, InMemoryTransport> nodes = new ConcurrentHashMap<>();
        private final Set<Long> cutLinks = ConcurrentHashMap.newKeySet();
        private final Random random;
        private volatile double dropProbability;
        private volatile Path stagingRoot;
        private volatile int chunkBytes;

        /** @param seed seeds the random drops (print it in the test) */
        public Hub(long seed) {
            this.random = new Random(seed);
        }

        /**
         * A transport for node {@code node}, delivering to {@code listener}; at most
         * {@code maxQueuedMessages} messages wait for that node's delivery thread.
         */
        public InMemoryTransport join(long node, int maxQueuedMessages, Transport.Listener listener) {
            InMemoryTransport t = new InMemoryTransport(this, node, maxQueuedMessages, listener);
            if (nodes.putIfAbsent(node, t) != null) {
                throw new IllegalArgumentException("node " + node + " has already joined this hub");
            }
            return t;
        }

        /**
         * Streams file-backed snapshots in chunks of {@code chunkBytes} through
         * {@code stagingRoot/node-<receiver>/...} instead of passing the sender's directory.
         */
        public void streamFileSnapshots(Path stagingRoot, int chunkBytes) {
            if (chunkBytes <= 0) {
                throw new IllegalArgumentException("chunkBytes must be > 0, got " + chunkBytes);
            }
            this.chunkBytes = chunkBytes;
            this.stagingRoot = Objects.requireNonNull(stagingRoot, "stagingRoot");
        }

        /** Every message is dropped with probability {@code p} (0 = none, 1 = all). */
        public void setDropProbability(double p) {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("drop probability must be within [0, 1], got " + p);
            }
            this.dropProbability = p;
        }

        /** Cuts ({@code down = true}) or restores the one-way link {@code from -> to}. */
        public void setLinkDown(long from, long to, boolean down) {
            long key = from * 1_000_003L ^ to;
            if (down) {
                cutLinks.add(key);
            } else {
                cutLinks.remove(key);
            }
        }

        private boolean linkDown(long from, long to) {
            return !cutLinks.isEmpty() && cutLinks.contains(from * 1_000_003L ^ to);
        }

        private boolean drawDrop() {
            double p = dropProbability;
            if (p == 0) {
                return false;
            }
            synchronized (random) {
                return random.nextDouble() < p;
            }
        }
    }

    private final Hub hub;
    private final long node;
    private final int maxQueuedMessages;
    private final Transport.Listener listener;
    private volatile ThreadPoolExecutor delivery;
    private volatile boolean closed;

    private final LongAdder messagesSent = new LongAdder();
    private final LongAdder messagesReceived = new LongAdder();
    private final LongAdder droppedQueueFull = new LongAdder();
    private final LongAdder droppedUnreachable = new LongAdder();
    private final LongAdder droppedClosed = new LongAdder();

    private InMemoryTransport(Hub hub, long node, int maxQueuedMessages, Transport.Listener listener) {
        if (maxQueuedMessages <= 0) {
            throw new IllegalArgumentException("maxQueuedMessages must be > 0, got " + maxQueuedMessages);
        }
        this.hub = hub;
        this.node = node;
        this.maxQueuedMessages = maxQueuedMessages;
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    @Override
    public long localNode() {
        return node;
    }

    @Override
    public void start() {
        if (delivery != null) {
            throw new IllegalStateException("InMemoryTransport of node " + node + " was already started");
        }
        delivery = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(maxQueuedMessages),
                r -> {
                    Thread t = new Thread(r, "raft-inmemory-" + node);
                    t.setDaemon(true);
                    return t;
                });
    }

    @Override
    public boolean send(long toNode, long groupId, Message m) {
        if (m.type().isLocal()) { // refuse local kinds, as the network transport does
            throw new IllegalArgumentException(m.type() + " is a local message kind and never leaves a node");
        }
        if (closed) {
            droppedClosed.increment();
            return false;
        }
        InMemoryTransport dest = hub.nodes.get(toNode);
        if (dest == null || dest.closed || dest.delivery == null || hub.linkDown(node, toNode)) {
            droppedUnreachable.increment();
            reportUnreachable(toNode);
            return false;
        }
        boolean snapshot = m.type() == MessageType.SNAPSHOT;
        if (hub.drawDrop()) {
            droppedUnreachable.increment();
            if (snapshot) {
                reportSnapshotStatus(groupId, toNode, false);
            }
            return true; // lost on the wire: the sender cannot tell
        }
        try {
            dest.delivery.execute(() -> {
                Message out = m;
                if (snapshot && hub.stagingRoot != null && LocatedFileSnapshot.isLocated(m.snapshot().data())) {
                    try {
                        out = stream(toNode, groupId, m);
                    } catch (RuntimeException e) {
                        reportSnapshotStatus(groupId, toNode, false);
                        return;
                    }
                }
                dest.deliver(groupId, out);
                if (snapshot) {
                    reportSnapshotStatus(groupId, toNode, true);
                }
            });
        } catch (RejectedExecutionException e) {
            droppedQueueFull.increment();
            return false;
        }
        messagesSent.increment();
        return true;
    }

    /** Streams a file snapshot chunk by chunk into the receiver's staging directory; returns the message to deliver. */
    private Message stream(long toNode, long groupId, Message m) {
        Snapshot s = m.snapshot();
        LocatedFileSnapshot loc = LocatedFileSnapshot.decode(s.data(), "snapshot for node " + toNode);
        Path staging = hub.stagingRoot.resolve("node-" + toNode).resolve("from-" + node + "-group-" + groupId + "-" + s.index());
        FileSnapshotReceiver receiver = new FileSnapshotReceiver(staging, s.index(), s.term(), loc.manifest());
        try (FileSnapshotSender sender = new FileSnapshotSender(s.index(), s.term(), loc.manifest(), loc.directory())) {
            for (long at = receiver.resumeOffset(); at < sender.totalBytes(); at = receiver.resumeOffset()) {
                receiver.accept(sender.chunkAt(at, hub.chunkBytes));
            }
        }
        if (!receiver.isComplete()) {
            throw new IllegalStateException("snapshot " + s.index() + " for node " + toNode + " arrived incomplete");
        }
        byte[] data = new LocatedFileSnapshot(staging, true, loc.manifest()).encode();
        return m.toBuilder().snapshot(new Snapshot(s.index(), s.term(), s.confState(), data)).build();
    }

    private void deliver(long groupId, Message m) {
        if (closed) {
            return;
        }
        messagesReceived.increment();
        listener.onMessage(groupId, m);
    }

    /** Reports on this (the sender's) delivery thread, like every other callback to its listener. */
    private void reportSnapshotStatus(long groupId, long toNode, boolean delivered) {
        ThreadPoolExecutor own = delivery;
        if (own == null || closed) {
            return;
        }
        try {
            own.execute(() -> {
                if (!closed) {
                    listener.onSnapshotStatus(groupId, toNode, delivered);
                }
            });
        } catch (RejectedExecutionException e) {
            // our own inbox is full: the core's snapshot timeout (probe again) covers a lost report
        }
    }

    private void reportUnreachable(long toNode) {
        ThreadPoolExecutor own = delivery;
        if (own == null || closed) {
            return;
        }
        try {
            own.execute(() -> {
                if (!closed) {
                    listener.onUnreachable(toNode);
                }
            });
        } catch (RejectedExecutionException e) {
            // our own inbox is full: the report is as droppable as a message
        }
    }

    @Override
    public TransportStats stats() {
        long sent = messagesSent.sum();
        long received = messagesReceived.sum();
        return new TransportStats(sent, sent, 0, received, received, 0, droppedQueueFull.sum(), 0,
                droppedUnreachable.sum(), droppedClosed.sum(), 0, 0, 0);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        hub.nodes.remove(node, this);
        ThreadPoolExecutor d = delivery;
        if (d != null) {
            d.shutdownNow();
            try {
                d.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
