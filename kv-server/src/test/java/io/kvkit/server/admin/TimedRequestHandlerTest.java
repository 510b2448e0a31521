package io.kvkit.server.admin;

import io.kvkit.client.proto.GetRequest;
import io.kvkit.client.proto.PutRequest;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.Status;
import io.kvkit.client.proto.StatusCode;
import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TimedRequestHandlerTest {

    @Test
    void countsEachAnswerByOperationTableAndCode() {
        RequestMetrics metrics = new RequestMetrics();
        CompletableFuture<Response> pending = new CompletableFuture<>();
        TimedRequestHandler handler = new TimedRequestHandler(r -> switch (r.getBodyCase()) {
            case GET -> CompletableFuture.completedFuture(Response.newBuilder()
                    .setStatus(Status.newBuilder().setCode(StatusCode.NOT_LEADER)).build());
            case PUT -> r.getTable().equals("fail") ? CompletableFuture.failedFuture(new IllegalStateException("x")) : pending;
            default -> throw new IllegalStateException("boom");
        }, metrics);
        Request get = Request.newBuilder().setRequestId(1).setGet(GetRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))).build();
        Request put = Request.newBuilder().setRequestId(2).setTable("users").setPut(PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("k"))).build();
        handler.handle(get);
        handler.handle(put);
        handler.handle(put.toBuilder().setTable("fail").build());
        assertThatThrownBy(() -> handler.handle(Request.newBuilder().setRequestId(3).build())).hasMessage("boom");

        var before = scrape(metrics).get("kvkit_requests_total");
        assertThat(before.value("kvkit_requests_total", Map.of("op", "get", "table", "default", "code", "NOT_LEADER"))).isEqualTo(1);
        assertThat(before.value("kvkit_requests_total", Map.of("op", "put", "table", "fail", "code", "INTERNAL"))).isEqualTo(1);
        assertThat(before.value("kvkit_requests_total", Map.of("op", "body_not_set", "table", "default", "code", "INTERNAL")))
                .isEqualTo(1);
        assertThat(before.samples).hasSize(3); // the pending put is not counted until it is answered

        pending.complete(Response.newBuilder().setStatus(Status.newBuilder().setCode(StatusCode.OK)).build());
        var after = scrape(metrics).get("kvkit_requests_total");
        assertThat(after.value("kvkit_requests_total", Map.of("op", "put", "table", "users", "code", "OK"))).isEqualTo(1);
    }

    private static Map<String, PrometheusText.Family> scrape(RequestMetrics m) {
        MetricsWriter w = new MetricsWriter();
        m.writeTo(w);
        return PrometheusText.parse(w.text());
    }
}
