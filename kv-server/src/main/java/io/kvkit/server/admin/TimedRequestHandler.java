package io.kvkit.server.admin;

import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.server.endpoint.RequestHandler;

import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link RequestHandler} that counts every request it passes on in {@link RequestMetrics}:
 * operation = the request's body ({@code get}, {@code put}, {@code compare_and_set}, ...), table
 * = its table ({@code default} when empty), code = the answer's status code, or
 * {@code INTERNAL} when the handler throws or its future fails (what the endpoint answers then),
 * time = from the call to the completion of the future.
 */
public final class TimedRequestHandler implements RequestHandler {
    private static final String DEFAULT_TABLE = "default";
    private final RequestHandler next;
    private final RequestMetrics metrics;

    public TimedRequestHandler(RequestHandler next, RequestMetrics metrics) {
        this.next = Objects.requireNonNull(next, "next");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    @Override
    public CompletableFuture<Response> handle(Request request) {
        long start = System.nanoTime();
        String op = request.getBodyCase().name().toLowerCase(Locale.ROOT);
        String table = request.getTable().isEmpty() ? DEFAULT_TABLE : request.getTable();
        CompletableFuture<Response> answer;
        try {
            answer = next.handle(request);
        } catch (RuntimeException e) {
            metrics.record(op, table, "INTERNAL", System.nanoTime() - start);
            throw e;
        }
        return answer.whenComplete((response, failure) -> metrics.record(op, table,
                response != null ? response.getStatus().getCode().name() : "INTERNAL", System.nanoTime() - start));
    }
}
