package io.kvkit.server.endpoint;

import com.google.protobuf.ByteString;
import io.kvkit.client.Protocol;
import io.kvkit.client.proto.DeleteResponse;
import io.kvkit.client.proto.GetResponse;
import io.kvkit.client.proto.NodeInfo;
import io.kvkit.client.proto.PartitionInfo;
import io.kvkit.client.proto.PutResponse;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.RouteResponse;
import io.kvkit.client.proto.Status;
import io.kvkit.client.proto.StatusCode;
import io.kvkit.client.proto.TableInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A test node: Route answers a one-partition table with this node as the only replica and leader
 * (its address from {@code selfAddress}), Get/Put/Delete are served from a map. Every other
 * request is INVALID_ARGUMENT. Answers of every odd request id complete on {@code offLoop}, to
 * exercise completion on other threads (and out of order), unless {@link #inline}. Switches: {@link #hold} keeps every
 * data answer until {@link #releaseHeld}; a key "fail" fails the future; {@link #valueSize} pads
 * Get answers.
 */
final class MapRequestHandler implements RequestHandler {
    final long nodeId;
    final Supplier<String> selfAddress;
    final Executor offLoop;
    final Map<ByteString, ByteString> data = new ConcurrentHashMap<>();
    final AtomicLong calls = new AtomicLong();
    /** The thread of the last call. */
    volatile String callerThread;
    volatile boolean hold;
    /** Every answer completes inside {@link #handle}, on the endpoint's thread. */
    volatile boolean inline;
    /** When > 0, Get answers carry a value of this many bytes whatever the key. */
    volatile int valueSize;
    private final List<Runnable> held = new ArrayList<>();

    MapRequestHandler(long nodeId, Supplier<String> selfAddress, Executor offLoop) {
        this.nodeId = nodeId;
        this.selfAddress = selfAddress;
        this.offLoop = offLoop;
    }

    @Override
    public CompletableFuture<Response> handle(Request r) {
        calls.incrementAndGet();
        callerThread = Thread.currentThread().getName();
        if (r.getBodyCase() == Request.BodyCase.HELLO) {
            throw new AssertionError("the endpoint must answer hello itself");
        }
        if (r.getBodyCase() == Request.BodyCase.GET && r.getGet().getKey().toStringUtf8().equals("fail")) {
            return CompletableFuture.failedFuture(new IllegalStateException("disk on fire"));
        }
        CompletableFuture<Response> f = new CompletableFuture<>();
        Runnable answer = () -> f.complete(answer(r));
        if (hold && r.getBodyCase() != Request.BodyCase.ROUTE) {
            synchronized (held) {
                held.add(answer);
            }
        } else if (!inline && (r.getRequestId() & 1) == 1) {
            offLoop.execute(answer);
        } else {
            answer.run();
        }
        return f;
    }

    /** Answers every held request (on this thread) and stops holding. */
    void releaseHeld() {
        hold = false;
        List<Runnable> now;
        synchronized (held) {
            now = new ArrayList<>(held);
            held.clear();
        }
        now.forEach(Runnable::run);
    }

    int heldCount() {
        synchronized (held) {
            return held.size();
        }
    }

    private Response answer(Request r) {
        Response.Builder b = Response.newBuilder().setRequestId(r.getRequestId()).setStatus(Status.newBuilder().setCode(StatusCode.OK));
        switch (r.getBodyCase()) {
            case ROUTE -> b.setRoute(RouteResponse.newBuilder().setEpoch(1).setPartitionCount(1)
                    .addNodes(NodeInfo.newBuilder().setNodeId(nodeId).setAddress(selfAddress.get()))
                    .addPartitions(PartitionInfo.newBuilder().setPartitionId(0).addReplicaNodeIds(nodeId).setLeaderNodeId(nodeId))
                    .addTables(TableInfo.newBuilder().setName(Protocol.DEFAULT_TABLE).setEngine("lsm")));
            case GET -> {
                int pad = valueSize;
                if (pad > 0) {
                    b.setGet(GetResponse.newBuilder().setFound(true).setValue(ByteString.copyFrom(new byte[pad])));
                } else {
                    ByteString v = data.get(r.getGet().getKey());
                    b.setGet(v == null ? GetResponse.newBuilder().setFound(false) : GetResponse.newBuilder().setFound(true).setValue(v));
                }
            }
            case PUT -> {
                data.put(r.getPut().getKey(), r.getPut().getValue());
                b.setPut(PutResponse.getDefaultInstance());
            }
            case DELETE -> b.setDelete(DeleteResponse.newBuilder().setExisted(data.remove(r.getDelete().getKey()) != null));
            default -> b.setStatus(Status.newBuilder().setCode(StatusCode.INVALID_ARGUMENT)
                    .setMessage("the test node serves route, get, put and delete; got " + r.getBodyCase()));
        }
        return b.build();
    }
}
