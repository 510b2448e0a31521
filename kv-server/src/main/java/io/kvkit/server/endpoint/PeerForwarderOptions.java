package io.kvkit.server.endpoint;

import io.kvkit.client.ProtocolLimits;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link PeerForwarder}; {@link #defaults()} shows every default.
 *
 * @param connectTimeout     TCP connect plus the Hello exchange, per connection (default 2 s)
 * @param requestTimeout     from {@link PeerForwarder#forward} to the answer, waiting for a connection
 *                           included (default 10 s)
 * @param connectionsPerPeer connections kept to each peer, requests spread over them (default 2)
 * @param maxInFlightPerPeer requests forwarded to one peer and not answered; beyond it a forward
 *                           fails at once as OVERLOADED (default 4,096)
 * @param ioThreads          event-loop threads, named {@code kv-forward-io-N} (default 2)
 * @param maxFrameBytes      largest response frame accepted from a peer (default the protocol's
 *                           5 MiB); a larger one closes the connection
 */
public record PeerForwarderOptions(Duration connectTimeout, Duration requestTimeout, int connectionsPerPeer, int maxInFlightPerPeer,
                                   int ioThreads, int maxFrameBytes) {
    public PeerForwarderOptions {
        positive("connectTimeout", connectTimeout);
        positive("requestTimeout", requestTimeout);
        atLeastOne("connectionsPerPeer", connectionsPerPeer);
        atLeastOne("maxInFlightPerPeer", maxInFlightPerPeer);
        atLeastOne("ioThreads", ioThreads);
        atLeastOne("maxFrameBytes", maxFrameBytes);
    }

    public static PeerForwarderOptions defaults() {
        return new PeerForwarderOptions(Duration.ofSeconds(2), Duration.ofSeconds(10), 2, 4096, 2,
                ProtocolLimits.DEFAULT_MAX_FRAME_BYTES);
    }

    public PeerForwarderOptions withConnectTimeout(Duration d) {
        return new PeerForwarderOptions(d, requestTimeout, connectionsPerPeer, maxInFlightPerPeer, ioThreads, maxFrameBytes);
    }

    public PeerForwarderOptions withRequestTimeout(Duration d) {
        return new PeerForwarderOptions(connectTimeout, d, connectionsPerPeer, maxInFlightPerPeer, ioThreads, maxFrameBytes);
    }

    public PeerForwarderOptions withConnectionsPerPeer(int n) {
        return new PeerForwarderOptions(connectTimeout, requestTimeout, n, maxInFlightPerPeer, ioThreads, maxFrameBytes);
    }

    public PeerForwarderOptions withMaxInFlightPerPeer(int n) {
        return new PeerForwarderOptions(connectTimeout, requestTimeout, connectionsPerPeer, n, ioThreads, maxFrameBytes);
    }

    public PeerForwarderOptions withIoThreads(int n) {
        return new PeerForwarderOptions(connectTimeout, requestTimeout, connectionsPerPeer, maxInFlightPerPeer, n, maxFrameBytes);
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be > 0, got " + d);
        }
    }

    private static void atLeastOne(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + v);
        }
    }
}
