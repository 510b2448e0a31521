/**
 * The node's network edges for clients: {@link io.kvkit.server.endpoint.ClientEndpoint}, the
 * client port speaking kv-client's protocol ({@code kvkit.proto}: u32 big-endian length, one
 * protobuf message; many requests in flight per connection, answered in any order), and
 * {@link io.kvkit.server.endpoint.PeerForwarder}, which sends a request on to the node that must
 * execute it over that node's client port.
 *
 * <h2>Plugging in the node</h2>
 * <pre>{@code
 * try (PeerForwarder forwarder = new PeerForwarder(PeerForwarderOptions.defaults());
 *      ClientEndpoint endpoint = ClientEndpoint.start(ClientEndpointOptions.defaults("0.0.0.0", 7000, nodeId), request ->
 *              leadsItsPartition(request) ? execute(request)
 *                      : forwarder.forward(leaderAddress(request), request)
 *                              .exceptionally(e -> unavailable(request, e)))) { ... }
 * }</pre>
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Threads.</b> The endpoint calls {@link io.kvkit.server.endpoint.RequestHandler#handle}
 *   on the connection's event loop ({@code kv-client-io-N}): it must not block. Its future may
 *   complete on any thread; the answer is written through the connection's event loop and
 *   flushed once per loop turn. Forwarded futures complete on {@code kv-forward-io-N} threads:
 *   chain nothing blocking on them.</li>
 *   <li><b>What the handler never sees.</b> Hello (answered by the endpoint with the node id and
 *   the configured limits), request id 0 (INVALID_ARGUMENT), anything before a Hello (closed),
 *   frames over {@code max_frame_bytes} or that do not parse (closed). Everything else comes
 *   through, unvalidated: the handler runs {@code RequestValidator.check} itself.</li>
 *   <li><b>Answers.</b> The endpoint sets the answer's {@code request_id}; a failed future or a
 *   thrown exception becomes INTERNAL naming it; an answer over {@code max_frame_bytes} becomes
 *   INTERNAL saying so.</li>
 *   <li><b>Forwarding failures.</b> {@link io.kvkit.server.endpoint.PeerUnavailableException}:
 *   {@code mayHaveReachedPeer() == false} (CONNECT_FAILED, OVERLOADED, CLOSED, or never sent)
 *   means not executed: answer NOT_LEADER with the hint or UNAVAILABLE, or try another node;
 *   {@code true} (CONNECTION_LOST or TIMEOUT after sending) means the outcome is unknown: answer
 *   TIMEOUT / UNAVAILABLE, never NOT_LEADER. The forwarder never retries by itself.</li>
 *   <li><b>Bounds.</b> Per client connection: {@code maxInFlightPerConnection} requests with the
 *   handler (then the socket is not read), no reading while the client does not take its answers,
 *   closed beyond {@code maxPendingResponseBytesPerConnection} of unread answers. Per peer:
 *   {@code maxInFlightPerPeer} forwarded requests, each with {@code requestTimeout}.</li>
 *   <li><b>Lifecycle.</b> {@code ClientEndpoint.start} binds or throws
 *   {@link java.io.UncheckedIOException} naming host:port; {@code close()} stops accepting,
 *   drops the connections (answers still owed are lost: outcome unknown to the clients) and waits
 *   for the event loops. Close the endpoint before what its handler uses.</li>
 * </ul>
 */
package io.kvkit.server.endpoint;
