package io.kvkit.server.endpoint;

/** Why the {@link ClientEndpoint} closed a client's connection itself (counted in {@link EndpointStats}). */
public enum CloseReason {
    /** A length prefix over {@code max_frame_bytes} (a "negative" length, read unsigned, is one too). */
    FRAME_TOO_LONG,
    /** Bytes the frame decoder refused for another reason. */
    MALFORMED_FRAME,
    /** A frame whose body does not parse as a {@code kvkit.client.v1.Request}. */
    UNPARSEABLE_REQUEST,
    /** The client closed its side in the middle of a frame. */
    TRUNCATED_FRAME,
    /** The first request was not a {@code Hello}. */
    FIRST_REQUEST_NOT_HELLO,
    /** A {@code Hello} with a protocol version this node does not speak. */
    UNSUPPORTED_VERSION,
    /** No {@code Hello} within the handshake timeout. */
    HANDSHAKE_TIMEOUT,
    /** The client did not read its responses: more than {@code maxPendingResponseBytesPerConnection} waited for it. */
    RESPONSES_NOT_READ
}
