package io.kvkit.server.endpoint;

import java.util.Map;

/**
 * Counters of a {@link ClientEndpoint} at one moment (each read on its own: not one snapshot).
 *
 * @param openConnections     client connections open now
 * @param connectionsAccepted since start
 * @param requestsReceived    requests parsed, Hello and refused ones included
 * @param requestsHandled     requests handed to the {@link RequestHandler}
 * @param responsesSent       responses written to a connection (not necessarily flushed or received)
 * @param flushes             flushes of answers to connections (one system call each): under
 *                            pipelining far fewer than {@code responsesSent}
 * @param closedByReason      connections the endpoint closed itself, by why; every reason is present
 */
public record EndpointStats(int openConnections, long connectionsAccepted, long requestsReceived, long requestsHandled,
                            long responsesSent, long flushes, Map<CloseReason, Long> closedByReason) {
    public EndpointStats {
        closedByReason = Map.copyOf(closedByReason);
    }

    public long closed(CloseReason reason) {
        return closedByReason.getOrDefault(reason, 0L);
    }
}
