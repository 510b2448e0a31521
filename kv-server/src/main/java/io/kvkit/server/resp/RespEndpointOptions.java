package io.kvkit.server.resp;

import io.kvkit.client.ProtocolLimits;

import java.util.Objects;

/**
 * Settings of a {@link RespEndpoint}; {@link #defaults} shows every default.
 *
 * @param host                     address to listen on (e.g. "0.0.0.0", "127.0.0.1")
 * @param port                     TCP port; 0 = an ephemeral port (see {@link RespEndpoint#localAddress()})
 * @param nodeId                   the node this endpoint belongs to (shown by INFO); must be &gt; 0
 * @param maxInFlightPerConnection commands of one connection executing or waiting for their turn to be
 *                                 answered; at the bound the socket is no longer read (default 1,024)
 * @param maxBulkBytes             longest bulk string accepted in a command (default the value limit + 1 KiB);
 *                                 a longer one is a protocol error that closes the connection
 * @param maxArrayElements         most arguments of one command (default 1,048,576)
 * @param maxInlineBytes           longest inline (telnet-style) command line (default 64 KiB)
 * @param ioThreads                event-loop threads, named {@code kv-resp-io-N} (default 2)
 */
public record RespEndpointOptions(String host, int port, long nodeId, int maxInFlightPerConnection, int maxBulkBytes,
                                  int maxArrayElements, int maxInlineBytes, int ioThreads) {
    public static final int DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION = 1024;
    public static final int DEFAULT_MAX_BULK_BYTES = ProtocolLimits.DEFAULT_MAX_VALUE_BYTES + 1024;
    public static final int DEFAULT_MAX_ARRAY_ELEMENTS = 1024 * 1024;
    public static final int DEFAULT_MAX_INLINE_BYTES = 64 * 1024;
    public static final int DEFAULT_IO_THREADS = 2;
    /**
     * The bytes of all the arguments of one command together are bounded too (else an array of a
     * million bulk strings of 4 MiB each would be buffered whole): 64 MiB, or two bulk strings'
     * worth when {@code maxBulkBytes} is larger.
     */
    public static final long MIN_MAX_COMMAND_BYTES = 64L * 1024 * 1024;

    public RespEndpointOptions {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0 (ephemeral) to 65535, got " + port);
        }
        if (nodeId <= 0) {
            throw new IllegalArgumentException("nodeId must be > 0, got " + nodeId);
        }
        atLeastOne("maxInFlightPerConnection", maxInFlightPerConnection);
        atLeastOne("maxBulkBytes", maxBulkBytes);
        atLeastOne("maxArrayElements", maxArrayElements);
        if (maxInlineBytes < 16) {
            throw new IllegalArgumentException("maxInlineBytes must be >= 16, got " + maxInlineBytes);
        }
        atLeastOne("ioThreads", ioThreads);
    }

    /** Every default: 1,024 in flight, the value limit + 1 KiB per bulk string, 1M arguments, 64 KiB inline lines, 2 threads. */
    public static RespEndpointOptions defaults(String host, int port, long nodeId) {
        return new RespEndpointOptions(host, port, nodeId, DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION, DEFAULT_MAX_BULK_BYTES,
                DEFAULT_MAX_ARRAY_ELEMENTS, DEFAULT_MAX_INLINE_BYTES, DEFAULT_IO_THREADS);
    }

    /** The most bytes the arguments of one command may add up to (see {@link #MIN_MAX_COMMAND_BYTES}). */
    public long maxCommandBytes() {
        return Math.max(MIN_MAX_COMMAND_BYTES, 2L * maxBulkBytes);
    }

    public RespEndpointOptions withMaxInFlightPerConnection(int n) {
        return new RespEndpointOptions(host, port, nodeId, n, maxBulkBytes, maxArrayElements, maxInlineBytes, ioThreads);
    }

    public RespEndpointOptions withMaxBulkBytes(int n) {
        return new RespEndpointOptions(host, port, nodeId, maxInFlightPerConnection, n, maxArrayElements, maxInlineBytes, ioThreads);
    }

    public RespEndpointOptions withMaxArrayElements(int n) {
        return new RespEndpointOptions(host, port, nodeId, maxInFlightPerConnection, maxBulkBytes, n, maxInlineBytes, ioThreads);
    }

    public RespEndpointOptions withMaxInlineBytes(int n) {
        return new RespEndpointOptions(host, port, nodeId, maxInFlightPerConnection, maxBulkBytes, maxArrayElements, n, ioThreads);
    }

    public RespEndpointOptions withIoThreads(int n) {
        return new RespEndpointOptions(host, port, nodeId, maxInFlightPerConnection, maxBulkBytes, maxArrayElements, maxInlineBytes, n);
    }

    private static void atLeastOne(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + v);
        }
    }
}
