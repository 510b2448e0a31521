package io.kvkit.server.endpoint;

import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;

import java.util.concurrent.CompletableFuture;

/** What the node does with a client request that the {@link ClientEndpoint} hands over. */
@FunctionalInterface
public interface RequestHandler {
    /**
     * One request (never {@code Hello}: the endpoint answers it itself; never a request id of 0).
     * Called on the connection's I/O thread, so it must not block; the future may complete on any
     * thread. The endpoint sets the response's {@code request_id} to the request's. A failed
     * future (or an exception thrown here) becomes an INTERNAL response naming the failure.
     */
    CompletableFuture<Response> handle(Request request);
}
