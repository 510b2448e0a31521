package io.kvkit.server.resp;

import com.google.protobuf.ByteString;
import io.kvkit.client.proto.GetResponse;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.Status;
import io.kvkit.client.proto.StatusCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A connection never has more than maxInFlightPerConnection commands with the node, and still answers in order. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RespBackPressureTest {

    private record Held(Request request, CompletableFuture<Response> answer) {
    }

    @Test
    void atTheInFlightBoundNothingMoreReachesTheNodeUntilAnAnswerFreesASlot() throws Exception {
        LinkedBlockingQueue<Held> held = new LinkedBlockingQueue<>();
        try (RespEndpoint endpoint = RespEndpoint.start(RespEndpointOptions.defaults("127.0.0.1", 0, 1).withMaxInFlightPerConnection(4),
                r -> {
                    CompletableFuture<Response> f = new CompletableFuture<>();
                    held.add(new Held(r, f));
                    return f;
                }, 4);
             RespTestClient c = new RespTestClient(endpoint.localAddress())) {
            ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
            int n = 60;
            for (int i = 0; i < n; i++) {
                pipeline.writeBytes(RespTestClient.encode("GET", "key" + i));
            }
            c.send(pipeline.toByteArray());
            int answered = 0;
            while (answered < n) {
                List<Held> batch = new ArrayList<>();
                Held first = held.poll(10, TimeUnit.SECONDS);
                assertThat(first).as("a request reaches the node after %d answers", answered).isNotNull();
                batch.add(first);
                Thread.sleep(50); // let the endpoint hand over whatever it would
                held.drainTo(batch);
                assertThat(batch.size()).as("requests with the node at once").isLessThanOrEqualTo(4);
                for (int i = batch.size() - 1; i >= 0; i--) { // answer in reverse: replies must still go out in order
                    Held h = batch.get(i);
                    ByteString key = h.request().getGet().getKey();
                    h.answer().complete(Response.newBuilder().setStatus(Status.newBuilder().setCode(StatusCode.OK))
                            .setGet(GetResponse.newBuilder().setFound(true).setValue(ByteString.copyFromUtf8("value-of-" + key.toStringUtf8())))
                            .build());
                }
                answered += batch.size();
            }
            for (int i = 0; i < n; i++) {
                assertThat(c.read()).isEqualTo("value-of-key" + i);
            }
            assertThat(held).isEmpty();
        }
    }
}
