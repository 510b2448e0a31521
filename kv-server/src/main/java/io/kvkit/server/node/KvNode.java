package io.kvkit.server.node;

import io.kvkit.server.config.NodeConfig;

import java.net.InetSocketAddress;

/**
 * One kvkit node: the meta group replica (on the first members), the partition replicas the ring
 * gives it, and the client endpoint. Interim surface while the node is assembled this session.
 */
public final class KvNode implements AutoCloseable {

    private KvNode() {
    }

    /** Starts a node; returns once it serves clients. Throws {@link NodeStartException} for what the operator must fix. */
    public static KvNode start(NodeConfig config) {
        throw new NodeStartException("the node process is being assembled (session 3); not usable yet");
    }

    public long nodeId() {
        throw new IllegalStateException();
    }

    public InetSocketAddress clientAddress() {
        throw new IllegalStateException();
    }

    /** Blocks until {@link #close()} has finished (from any thread, e.g. a shutdown hook). */
    public void awaitClosed() throws InterruptedException {
        throw new IllegalStateException();
    }

    @Override
    public void close() {
    }
}
