package io.kvkit.server.node;

import com.google.protobuf.ByteString;
import io.kvkit.client.proto.GetRequest;
import io.kvkit.client.proto.PutRequest;
import io.kvkit.client.proto.ReadConsistency;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.Session;
import io.kvkit.client.proto.StatusCode;
import io.kvkit.server.endpoint.PeerForwarder;
import io.kvkit.server.endpoint.PeerForwarderOptions;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Requests sent to one chosen node, bypassing the client's routing: how the tests check that any
 * node accepts any request. Retries what the protocol says is safe to retry (NOT_LEADER,
 * UNAVAILABLE, TIMEOUT with the same session seq, so a write still applies once) for a while,
 * because right after a start the groups are still electing.
 */
final class RawCalls implements AutoCloseable {
    private static final Set<StatusCode> RETRY = Set.of(StatusCode.NOT_LEADER, StatusCode.UNAVAILABLE, StatusCode.TIMEOUT);

    private final PeerForwarder connection = new PeerForwarder(PeerForwarderOptions.defaults());
    private final long clientId = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    private final AtomicLong seq = new AtomicLong();
    private final AtomicLong ids = new AtomicLong();

    Response call(String address, Request.Builder request) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        Response last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = connection.forward(address, request.setRequestId(ids.incrementAndGet()).build()).get(10, TimeUnit.SECONDS);
                if (!RETRY.contains(last.getStatus().getCode())) {
                    return last;
                }
            } catch (Exception e) {
                // connection refused while a node starts: retry
            }
            sleep(50);
        }
        throw new AssertionError("no final answer from " + address + " within 20 s; last: " + last);
    }

    Response put(String address, String table, byte[] key, byte[] value) {
        long s = seq.incrementAndGet();
        return call(address, Request.newBuilder().setTable(table)
                .setSession(Session.newBuilder().setClientId(clientId).setSeq(s).setFirstIncompleteSeq(s).setOpen(true))
                .setPut(PutRequest.newBuilder().setKey(ByteString.copyFrom(key)).setValue(ByteString.copyFrom(value))));
    }

    Response get(String address, String table, byte[] key, ReadConsistency consistency) {
        return call(address, Request.newBuilder().setTable(table).setConsistency(consistency)
                .setGet(GetRequest.newBuilder().setKey(ByteString.copyFrom(key))));
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        connection.close();
    }
}
