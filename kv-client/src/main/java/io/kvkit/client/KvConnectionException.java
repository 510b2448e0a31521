package io.kvkit.client;

/**
 * A connection to a node failed: it could not be established, or it closed with the request
 * in flight. {@link #mayHaveReachedServer()} says whether the request was written (then a write
 * may have applied; the client retries it only under its session, so it applies once).
 */
public final class KvConnectionException extends KvException {
    private final boolean mayHaveReachedServer;

    public KvConnectionException(String message, boolean mayHaveReachedServer) {
        super(KvStatus.UNAVAILABLE, message);
        this.mayHaveReachedServer = mayHaveReachedServer;
    }

    public boolean mayHaveReachedServer() {
        return mayHaveReachedServer;
    }
}
