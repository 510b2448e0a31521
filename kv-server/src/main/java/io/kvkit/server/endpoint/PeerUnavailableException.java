package io.kvkit.server.endpoint;

/**
 * A request forwarded by {@link PeerForwarder} got no answer from its peer. {@link #reason()}
 * says why and {@link #mayHaveReachedPeer()} whether the peer may have executed it: false means
 * it was certainly not executed (safe to answer NOT_LEADER / UNAVAILABLE or to try elsewhere);
 * true means the outcome is unknown.
 */
public final class PeerUnavailableException extends RuntimeException {
    /** Why a forwarded request got no answer. */
    public enum Reason {
        /** The connection or its handshake could not be made. Not sent. */
        CONNECT_FAILED,
        /** The connection closed (or the peer broke the protocol) before the answer came. */
        CONNECTION_LOST,
        /** No answer within the forwarder's {@code requestTimeout}. */
        TIMEOUT,
        /** {@code maxInFlightPerPeer} requests were already in flight to the peer. Not sent. */
        OVERLOADED,
        /** The forwarder is closed. */
        CLOSED
    }

    private final Reason reason;
    private final String peer;
    private final boolean mayHaveReachedPeer;

    public PeerUnavailableException(Reason reason, String peer, String message, boolean mayHaveReachedPeer) {
        super("peer " + peer + " unavailable (" + reason + "): " + message, null, false, false);
        this.reason = reason;
        this.peer = peer;
        this.mayHaveReachedPeer = mayHaveReachedPeer;
    }

    public Reason reason() {
        return reason;
    }

    /** The peer's "host:port" as given to {@link PeerForwarder#forward}. */
    public String peer() {
        return peer;
    }

    public boolean mayHaveReachedPeer() {
        return mayHaveReachedPeer;
    }
}
