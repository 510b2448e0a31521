package io.kvkit.server.admin;

import io.kvkit.server.endpoint.CloseReason;
import io.kvkit.server.endpoint.EndpointStats;

import java.util.Locale;
import java.util.Map;

/** The client endpoint's counters ({@link EndpointStats}). */
public final class EndpointMetrics {
    private EndpointMetrics() {
    }

    public static void writeTo(MetricsWriter w, EndpointStats s) {
        Map<String, String> none = Map.of();
        w.gauge("kvkit_client_connections_open", "Client connections open now.", none, s.openConnections());
        w.counter("kvkit_client_connections_accepted_total", "Client connections accepted.", none, s.connectionsAccepted());
        for (CloseReason r : CloseReason.values()) {
            w.counter("kvkit_client_connections_closed_total", "Client connections the node closed itself, by why.",
                    Map.of("reason", r.name().toLowerCase(Locale.ROOT)), s.closed(r));
        }
        w.counter("kvkit_client_requests_received_total", "Client requests parsed, Hello and refused ones included.", none,
                s.requestsReceived());
        w.counter("kvkit_client_requests_handled_total", "Client requests handed to the node's request handler.", none,
                s.requestsHandled());
        w.counter("kvkit_client_responses_sent_total", "Responses written to client connections.", none, s.responsesSent());
        w.counter("kvkit_client_flushes_total", "Flushes of answers to client connections (one system call each).", none,
                s.flushes());
    }
}
