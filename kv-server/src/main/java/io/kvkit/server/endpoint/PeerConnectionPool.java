package io.kvkit.server.endpoint;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The {@link PeerForwarder}'s connections to one peer: {@code connectionsPerPeer} slots used in
 * turn, each opened on first use and opened again on the first use after it closed (lazy
 * reconnection: a peer that is down costs a refused connect per forward, not a retry loop), and
 * the count of requests in flight to the peer.
 */
final class PeerConnectionPool {
    private final String peer;
    private final InetSocketAddress address;
    private final EventLoopGroup group;
    private final Class<? extends SocketChannel> channelClass;
    private final PeerForwarderOptions options;
    private final AtomicReferenceArray<PeerConnection> slots;
    private final AtomicInteger next = new AtomicInteger();
    final AtomicInteger inFlight = new AtomicInteger();

    PeerConnectionPool(String peer, InetSocketAddress address, EventLoopGroup group, Class<? extends SocketChannel> channelClass,
                       PeerForwarderOptions options) {
        this.peer = peer;
        this.address = address;
        this.group = group;
        this.channelClass = channelClass;
        this.options = options;
        this.slots = new AtomicReferenceArray<>(options.connectionsPerPeer());
    }

    /** The next connection in turn, (re)opened if needed. */
    PeerConnection connection() {
        int i = Math.floorMod(next.getAndIncrement(), slots.length());
        PeerConnection c = slots.get(i);
        if (c != null && !c.isClosed()) {
            return c;
        }
        synchronized (this) { // rare: only when a slot needs a new connection; one connect per slot, not per caller
            c = slots.get(i);
            if (c == null || c.isClosed()) {
                c = PeerConnection.open(peer, address, group.next(), channelClass, options, p -> connection().send(p));
                slots.set(i, c);
            }
            return c;
        }
    }

    void close() {
        for (int i = 0; i < slots.length(); i++) {
            PeerConnection c = slots.get(i);
            if (c != null) {
                c.close(PeerUnavailableException.Reason.CLOSED, "the forwarder is closed");
            }
        }
    }
}
