package io.kvkit.raft.netty;

import io.kvkit.raft.Snapshot;
import io.kvkit.raft.storage.FileSnapshotSender;
import io.kvkit.raft.storage.LocatedFileSnapshot;
import io.kvkit.raft.netty.NettyTransportOptions.SnapshotStreamOptions;
import io.kvkit.raft.netty.proto.RaftEnvelope;
import io.kvkit.raft.netty.proto.RaftMessage;
import io.kvkit.raft.netty.proto.RaftSnapshotAck;
import io.kvkit.raft.netty.proto.RaftSnapshotChunk;
import io.kvkit.raft.netty.proto.RaftSnapshotOffer;
import io.kvkit.raft.transport.Transport;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The outbound snapshot transfers to one peer: one at a time, streamed as an offer and then
 * chunks, each chunk in a frame of its own, written only when
 * <ul>
 *   <li>the previous chunk has left Netty's buffer for the kernel (so a heartbeat queued now
 *       waits behind at most one chunk in this process),</li>
 *   <li>fewer than {@code windowChunks} chunks are unacknowledged (so the receiver's backlog, in
 *       memory or on its staging thread, stays bounded),</li>
 *   <li>the connection is writable, and the rate limit has been paid for.</li>
 * </ul>
 * The connection's flush drains the normal message queue first and then calls {@link #pump},
 * so heartbeats and appends go ahead of every chunk not yet written.
 *
 * <p><b>One transfer per peer, and one per (peer, group).</b> Transfers for different groups wait
 * in arrival order. A SNAPSHOT message for a group that already has a transfer waiting or
 * running for this peer joins it instead of starting another (a waiting one takes the newer
 * snapshot), and gets the same outcome. Why not replace a running transfer: the core presumes a
 * snapshot lost after an election timeout without news and sends it again; restarting a large
 * transfer each time would never finish (the endless snapshot loop of PITFALLS #10). The
 * follower installs the older snapshot and catches up from the log, or gets a newer snapshot
 * in the next transfer.
 *
 * <p>All methods but {@link #tryReserve} run on the peer's event loop.
 */
final class PeerSnapshotStream {

    private static final Logger LOG = LoggerFactory.getLogger(PeerSnapshotStream.class);

    /** What a stream needs from its connection. */
    interface Connection {
        /** Encodes, writes and flushes {@code env} as one frame on {@code ch}. */
        ChannelFuture writeFrame(Channel ch, RaftEnvelope env);

        /** Runs the connection's flush soon on its event loop (the normal queue first, then {@link #pump}). */
        void requestFlush();
    }

    private enum Phase { OFFER, AWAIT_START, STREAM }

    /** One transfer: the latest SNAPSHOT message of its group, and how many messages await its outcome. */
    private static final class Transfer {
        final long groupId;
        RaftMessage header;
        Snapshot snapshot;
        int reports = 1;

        long id;
        OutboundSnapshotSource source;
        Phase phase;
        long nextOffset;
        long ackedOffset;
        boolean chunkOnWire;
        long readyAtNanos;
        long lastProgressNanos;
        long startNanos;

        Transfer(long groupId, RaftMessage header, Snapshot snapshot) {
            this.groupId = groupId;
            this.header = header;
            this.snapshot = snapshot;
        }
    }

    private final long localNode;
    private final long peerNode;
    private final SnapshotStreamOptions opts;
    private final SnapshotRateLimiter limiter;
    private final SnapshotStreamCounters counters;
    private final Transport.Listener listener;
    private final AtomicLong transferIds;
    private final EventLoop loop;
    private final Connection connection;
    /** SNAPSHOT messages accepted by send and not yet reported: bounds what waits here. */
    private final AtomicInteger unresolved = new AtomicInteger();
    private final ArrayDeque<Transfer> waiting = new ArrayDeque<>();
    private Transfer active;
    private ScheduledFuture<?> progressCheck;

    PeerSnapshotStream(long localNode, long peerNode, SnapshotStreamOptions opts, SnapshotRateLimiter limiter,
                       SnapshotStreamCounters counters, Transport.Listener listener, AtomicLong transferIds,
                       EventLoop loop, Connection connection) {
        this.localNode = localNode;
        this.peerNode = peerNode;
        this.opts = opts;
        this.limiter = limiter;
        this.counters = counters;
        this.listener = listener;
        this.transferIds = transferIds;
        this.loop = loop;
        this.connection = connection;
    }

    /** Any thread: takes room for one more SNAPSHOT message; false if {@code maxQueuedPerPeer} are pending. */
    boolean tryReserve() {
        if (unresolved.incrementAndGet() > opts.maxQueuedPerPeer()) {
            unresolved.decrementAndGet();
            return false;
        }
        return true;
    }

    /** Any thread: gives back a reservation whose message never reached {@link #add}. */
    void release() {
        unresolved.decrementAndGet();
    }

    /**
     * A SNAPSHOT message accepted by send (after {@link #tryReserve}); {@code wire} is its full
     * encoding. For a file-backed snapshot ({@link LocatedFileSnapshot} data) the offer carries
     * the manifest as the snapshot's data and the chunks carry the files; otherwise the offer's
     * data is empty and the chunks carry the snapshot's encoding.
     */
    void add(long groupId, RaftMessage wire, Snapshot snapshot) {
        RaftMessage.Builder hb = wire.toBuilder();
        if (LocatedFileSnapshot.isLocated(snapshot.data())) {
            LocatedFileSnapshot loc = LocatedFileSnapshot.decode(snapshot.data(), "snapshot of group " + groupId);
            hb.setSnapshot(wire.getSnapshot().toBuilder().setData(com.google.protobuf.ByteString.copyFrom(loc.manifest().encode())));
        } else {
            hb.setSnapshot(wire.getSnapshot().toBuilder().clearData());
        }
        RaftMessage header = hb.build();
        if (active != null && active.groupId == groupId) {
            active.reports++;
            counters.coalesced.increment();
            return;
        }
        for (Transfer t : waiting) {
            if (t.groupId == groupId) {
                if (snapshot.index() >= t.snapshot.index()) {
                    t.header = header;
                    t.snapshot = snapshot;
                }
                t.reports++;
                counters.coalesced.increment();
                return;
            }
        }
        waiting.add(new Transfer(groupId, header, snapshot));
    }

    /** Whether a transfer is running or waiting. */
    boolean busy() {
        return active != null || !waiting.isEmpty();
    }

    /**
     * From the connection's flush, after the normal queue: writes at most one frame of the active
     * transfer (starting the next one if none runs) if everything listed in the class comment allows.
     */
    void pump(Channel ch) {
        if (active == null) {
            start();
            if (active == null) {
                return;
            }
        }
        Transfer t = active;
        if (!ch.isWritable()) {
            return; // channelWritabilityChanged flushes again
        }
        switch (t.phase) {
            case OFFER -> {
                RaftSnapshotOffer offer = RaftSnapshotOffer.newBuilder().setTransferId(t.id).setMessage(t.header)
                        .setTotalBytes(t.source.totalBytes()).build();
                connection.writeFrame(ch, envelope().setSnapshotOffer(offer).build());
                t.phase = Phase.AWAIT_START;
            }
            case AWAIT_START -> {
                // the receiver's first ack says where to start
            }
            case STREAM -> writeChunk(ch, t);
        }
    }

    private void writeChunk(Channel ch, Transfer t) {
        long total = t.source.totalBytes();
        if (t.chunkOnWire || t.nextOffset >= total) {
            return;
        }
        int len = (int) Math.min(opts.chunkBytes(), total - t.nextOffset);
        if (t.nextOffset + len - t.ackedOffset > (long) opts.windowChunks() * opts.chunkBytes()) {
            return; // window full: the next ack pumps again
        }
        long now = System.nanoTime();
        if (t.readyAtNanos == 0) {
            long wait = limiter.reserve(len, now);
            if (wait > 0) {
                t.readyAtNanos = now + wait;
                counters.throttledNanos.add(wait);
                loop.schedule(connection::requestFlush, wait, TimeUnit.NANOSECONDS);
                return;
            }
        } else if (now - t.readyAtNanos < 0) {
            return; // paid for, not yet due: the scheduled flush comes
        }
        t.readyAtNanos = 0;
        SnapshotChunkSource.Chunk c;
        try {
            c = t.source.chunkAt(t.nextOffset, len);
        } catch (RuntimeException e) {
            // a file snapshot deleted (replaced by a newer one) or damaged under the transfer
            finish(t, false, "cannot read the snapshot at byte " + t.nextOffset + ": " + e.getMessage());
            connection.requestFlush();
            return;
        }
        RaftSnapshotChunk chunk = RaftSnapshotChunk.newBuilder().setTransferId(t.id).setOffset(c.offset())
                .setData(c.bytes()).setCrc32C(c.crc32c()).build();
        t.chunkOnWire = true;
        t.nextOffset += len;
        t.lastProgressNanos = now;
        counters.bytesSent.add(len);
        connection.writeFrame(ch, envelope().setSnapshotChunk(chunk).build()).addListener(f -> {
            t.chunkOnWire = false;
            if (f.isSuccess() && active == t) {
                connection.requestFlush();
            }
            // a failed write closes the connection, which fails the transfer
        });
    }

    private void start() {
        Transfer t = waiting.poll();
        if (t == null) {
            return;
        }
        t.id = transferIds.incrementAndGet();
        if (LocatedFileSnapshot.isLocated(t.snapshot.data())) {
            LocatedFileSnapshot loc = LocatedFileSnapshot.decode(t.snapshot.data(), "snapshot of group " + t.groupId);
            t.source = new FileSnapshotChunkSource(new FileSnapshotSender(t.snapshot.index(), t.snapshot.term(), loc.manifest(),
                    loc.directory()));
        } else {
            t.source = new SnapshotChunkSource(t.snapshot);
        }
        t.phase = Phase.OFFER;
        t.startNanos = t.lastProgressNanos = System.nanoTime();
        active = t;
        counters.transfersStarted.increment();
        LOG.info("node {}: snapshot transfer {} to node {} starts: group {}, snapshot {}/{}, {} bytes",
                localNode, t.id, peerNode, t.groupId, t.snapshot.index(), t.snapshot.term(), t.source.totalBytes());
        scheduleProgressCheck();
    }

    private void scheduleProgressCheck() {
        long period = Math.max(1, opts.progressTimeoutMillis() / 4);
        progressCheck = loop.schedule(this::checkProgress, period, TimeUnit.MILLISECONDS);
    }

    private void checkProgress() {
        Transfer t = active;
        if (t == null) {
            return;
        }
        long now = System.nanoTime();
        long since = t.lastProgressNanos;
        if (t.readyAtNanos != 0 && t.readyAtNanos - since > 0) {
            since = t.readyAtNanos; // waiting on our own rate limit is not a stall (nanoTime: compare by difference)
        }
        if (now - since > opts.progressTimeoutMillis() * 1_000_000L) {
            finish(t, false, "no progress for " + opts.progressTimeoutMillis() + " ms (progressTimeoutMillis) at "
                    + t.ackedOffset + " of " + t.source.totalBytes() + " bytes acknowledged");
            connection.requestFlush();
        } else {
            scheduleProgressCheck();
        }
    }

    /**
     * An ack from the receiver.
     *
     * @return null, or why the ack breaks the protocol (the caller closes the connection)
     */
    String onAck(RaftSnapshotAck ack) {
        Transfer t = active;
        if (t == null || ack.getTransferId() != t.id) {
            return null; // for a transfer already given up (timeout): harmless
        }
        if (ack.getRefused()) {
            finish(t, false, "refused by the receiver: " + ack.getReason());
            connection.requestFlush();
            return null;
        }
        long r = ack.getReceivedBytes();
        long total = t.source.totalBytes();
        if (t.phase == Phase.AWAIT_START) {
            if (total == 0 && r == 0) {
                finish(t, true, null); // a file snapshot of empty files only: the offer was all of it
                connection.requestFlush();
                return null;
            }
            if (r >= total) {
                return "transfer " + t.id + " starts at " + r + " of " + total + " bytes; allowed: below the total";
            }
            t.nextOffset = t.ackedOffset = r;
            t.phase = Phase.STREAM;
            if (r > 0) {
                LOG.info("node {}: snapshot transfer {} to node {} resumes at byte {} of {}", localNode, t.id, peerNode, r, total);
            }
        } else if (t.phase == Phase.STREAM) {
            if (r < t.ackedOffset || r > t.nextOffset) {
                return "ack of transfer " + t.id + " at " + r + " bytes; allowed: between " + t.ackedOffset + " (acknowledged) and "
                        + t.nextOffset + " (sent)";
            }
            t.ackedOffset = r;
        } else {
            return "ack of transfer " + t.id + " before its offer was sent";
        }
        t.lastProgressNanos = System.nanoTime();
        if (r == total) {
            finish(t, true, null);
        }
        connection.requestFlush();
        return null;
    }

    /** Fails the running and every waiting transfer (connection lost or never made, peer removed, closed). */
    void failAll(String why) {
        if (active != null) {
            finish(active, false, why);
        }
        Transfer t;
        while ((t = waiting.poll()) != null) {
            counters.transfersFailed.increment();
            report(t, false);
        }
    }

    private void finish(Transfer t, boolean delivered, String why) {
        active = null;
        if (t.source != null) {
            t.source.close();
        }
        if (progressCheck != null) {
            progressCheck.cancel(false);
            progressCheck = null;
        }
        long millis = (System.nanoTime() - t.startNanos) / 1_000_000;
        if (delivered) {
            counters.transfersSucceeded.increment();
            LOG.info("node {}: snapshot transfer {} to node {} delivered: group {}, {} bytes in {} ms",
                    localNode, t.id, peerNode, t.groupId, t.source.totalBytes(), millis);
        } else {
            counters.transfersFailed.increment();
            LOG.warn("node {}: snapshot transfer {} to node {} failed after {} ms: group {}, {} of {} bytes acknowledged: {}",
                    localNode, t.id, peerNode, millis, t.groupId, t.ackedOffset, t.source.totalBytes(), why);
        }
        report(t, delivered);
    }

    private void report(Transfer t, boolean delivered) {
        unresolved.addAndGet(-t.reports);
        for (int i = 0; i < t.reports; i++) {
            try {
                listener.onSnapshotStatus(t.groupId, peerNode, delivered);
            } catch (RuntimeException e) {
                LOG.error("node {}: listener failed on onSnapshotStatus({}, {}, {})", localNode, t.groupId, peerNode, delivered, e);
            }
        }
    }

    private RaftEnvelope.Builder envelope() {
        return RaftEnvelope.newBuilder().setFromNode(localNode).setToNode(peerNode);
    }
}
