package io.kvkit.client;

/**
 * The peer broke the protocol: a frame over the size limit, bytes that do not parse, a
 * response of the wrong kind, an unsupported protocol version. The connection was closed; the
 * call is not retried (the same server would do it again).
 */
public final class KvProtocolException extends KvException {
    public KvProtocolException(String message) {
        super(KvStatus.INTERNAL, message);
    }
}
