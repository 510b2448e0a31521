package io.kvkit.raft.transport;

import io.kvkit.raft.Message;

/**
 * Carries Raft messages between nodes for any number of Raft groups. Delivery is at most once:
 * a message may be lost (a peer down, a queue full, a connection cut), never duplicated by the
 * transport; Raft retransmits what matters. Messages from one node to another for one group
 * arrive in the order they were sent while the connection between them stays up.
 *
 * <p>Implementations: {@code NettyTransport} (module kv-raft-netty) (TCP) and {@link InMemoryTransport} (in-process,
 * for tests).
 */
public interface Transport extends AutoCloseable {

    /**
     * What a transport reports to its host. Both methods are called on transport threads
     * (for {@code NettyTransport} (module kv-raft-netty), the Netty event loop that owns the connection): they must
     * hand the work off quickly (e.g. put the message in the group's inbox) and never block.
     */
    interface Listener {

        /** A message for Raft group {@code groupId} arrived. */
        void onMessage(long groupId, Message m);

        /**
         * Node {@code toNode} could not be reached: a connection attempt failed or an open
         * connection was lost, and messages queued for it may have been dropped. The host
         * should call {@code reportUnreachable(toNode)} on the cores of the groups that have
         * it as a peer, so that their leaders probe it again instead of pipelining.
         */
        void onUnreachable(long toNode);

        /**
         * A {@code SNAPSHOT} message this node sent to {@code toNode} for group {@code groupId}
         * has finished: {@code delivered} if the receiver got all of it, false if it was dropped
         * or the transfer failed. Called once per snapshot message accepted by {@code send}. The
         * host should call {@code reportSnapshot(toNode, delivered)} on that group's core, which
         * otherwise keeps the follower waiting in snapshot state.
         */
        default void onSnapshotStatus(long groupId, long toNode, boolean delivered) {
        }

        /**
         * Where the transport may stage file-backed snapshots it receives (on the same file
         * system as the host's snapshot store, so that taking one is a rename), if its own
         * options name no staging directory; null if the host keeps no file snapshots. Called
         * on transport threads; must not block.
         */
        default java.nio.file.Path fileSnapshotStagingDir() {
            return null;
        }
    }

    /** This node's id. */
    long localNode();

    /**
     * Queues {@code m} for node {@code toNode}, tagged with its Raft group; never blocks.
     *
     * @return false if the message was dropped at once (unknown peer, queue full, message larger
     *         than a frame may be, transport closed); true if it was queued, which does not
     *         promise delivery
     * @throws IllegalArgumentException if {@code m} is a kind that never leaves a node
     */
    boolean send(long toNode, long groupId, Message m);

    /** Starts listening and connecting. Call once, before {@link #send}. */
    void start();

    /** Counters since start. */
    TransportStats stats();

    /** Stops: closes connections and releases threads. Idempotent; no callbacks afterwards. */
    @Override
    void close();
}
