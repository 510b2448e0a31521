package io.kvkit.server.endpoint;

import io.kvkit.client.ProtocolLimits;
import io.kvkit.client.proto.ServerLimits;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link ClientEndpoint}; {@link #defaults} shows every default.
 *
 * @param host                                 address to listen on (e.g. "0.0.0.0", "127.0.0.1")
 * @param port                                 TCP port; 0 = an ephemeral port (see {@link ClientEndpoint#localAddress()})
 * @param nodeId                               announced in the handshake; must be &gt; 0
 * @param limits                               announced in the handshake; every field must be set (&gt; 0);
 *                                             {@code max_frame_bytes} is also the limit on inbound frames
 *                                             and on the responses this endpoint writes
 * @param maxInFlightPerConnection             requests handed to the handler and not yet answered, per
 *                                             connection; at the bound the endpoint stops reading the
 *                                             socket until an answer frees a slot (default 1,024)
 * @param maxPendingResponseBytesPerConnection encoded responses written and not yet taken by the
 *                                             client's socket; beyond it the connection is closed as a
 *                                             client that does not read (default 64 MiB)
 * @param ioThreads                            event-loop threads, named {@code kv-client-io-N} (default 2)
 * @param handshakeTimeout                     a connection without a Hello by then is closed (default 10 s)
 */
public record ClientEndpointOptions(String host, int port, long nodeId, ServerLimits limits, int maxInFlightPerConnection,
                                    long maxPendingResponseBytesPerConnection, int ioThreads, Duration handshakeTimeout) {
    public static final int DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION = 1024;
    public static final long DEFAULT_MAX_PENDING_RESPONSE_BYTES_PER_CONNECTION = 64L * 1024 * 1024;
    public static final int DEFAULT_IO_THREADS = 2;
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    public ClientEndpointOptions {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0 (ephemeral) to 65535, got " + port);
        }
        if (nodeId <= 0) {
            throw new IllegalArgumentException("nodeId must be > 0, got " + nodeId);
        }
        Objects.requireNonNull(limits, "limits");
        try {
            // the same rules the client applies to what a server announces, and every field set
            new ProtocolLimits(limits.getMaxKeyBytes(), limits.getMaxValueBytes(), limits.getMaxFrameBytes(),
                    limits.getMaxBatchOperations(), limits.getMaxScanLimit());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("limits: " + e.getMessage() + " (every field of ServerLimits must be > 0)", e);
        }
        if (maxInFlightPerConnection < 1) {
            throw new IllegalArgumentException("maxInFlightPerConnection must be >= 1, got " + maxInFlightPerConnection);
        }
        if (maxPendingResponseBytesPerConnection < limits.getMaxFrameBytes()) {
            throw new IllegalArgumentException("maxPendingResponseBytesPerConnection=" + maxPendingResponseBytesPerConnection
                    + " must hold at least one frame of max_frame_bytes=" + limits.getMaxFrameBytes());
        }
        if (ioThreads < 1) {
            throw new IllegalArgumentException("ioThreads must be >= 1, got " + ioThreads);
        }
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("handshakeTimeout must be > 0, got " + handshakeTimeout);
        }
    }

    /** Every default: the protocol's default limits, 1,024 in flight, 64 MiB of pending responses, 2 threads, 10 s. */
    public static ClientEndpointOptions defaults(String host, int port, long nodeId) {
        return new ClientEndpointOptions(host, port, nodeId, ProtocolLimits.defaults().toWire(), DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION,
                DEFAULT_MAX_PENDING_RESPONSE_BYTES_PER_CONNECTION, DEFAULT_IO_THREADS, DEFAULT_HANDSHAKE_TIMEOUT);
    }

    public ClientEndpointOptions withLimits(ServerLimits l) {
        return new ClientEndpointOptions(host, port, nodeId, l, maxInFlightPerConnection, maxPendingResponseBytesPerConnection,
                ioThreads, handshakeTimeout);
    }

    public ClientEndpointOptions withMaxInFlightPerConnection(int n) {
        return new ClientEndpointOptions(host, port, nodeId, limits, n, maxPendingResponseBytesPerConnection, ioThreads,
                handshakeTimeout);
    }

    public ClientEndpointOptions withMaxPendingResponseBytesPerConnection(long n) {
        return new ClientEndpointOptions(host, port, nodeId, limits, maxInFlightPerConnection, n, ioThreads, handshakeTimeout);
    }

    public ClientEndpointOptions withIoThreads(int n) {
        return new ClientEndpointOptions(host, port, nodeId, limits, maxInFlightPerConnection,
                maxPendingResponseBytesPerConnection, n, handshakeTimeout);
    }

    public ClientEndpointOptions withHandshakeTimeout(Duration d) {
        return new ClientEndpointOptions(host, port, nodeId, limits, maxInFlightPerConnection,
                maxPendingResponseBytesPerConnection, ioThreads, d);
    }
}
