package io.kvkit.bench.cluster;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.kvkit.bench.cluster.etcdpb.PutRequest;
import io.kvkit.bench.cluster.etcdpb.PutResponse;
import io.kvkit.bench.cluster.etcdpb.RangeRequest;
import io.kvkit.bench.cluster.etcdpb.RangeResponse;
import io.kvkit.bench.cluster.etcdpb.StatusRequest;
import io.kvkit.bench.cluster.etcdpb.StatusResponse;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An asynchronous etcd v3 client for one member: KV.Put, KV.Range and Maintenance.Status over
 * gRPC, with method descriptors built by hand from etcd's method names and our wire-compatible
 * messages (src/main/proto/etcd_kv.proto), so no gRPC code generator is needed.
 *
 * <p>Why not jetcd: it is not among the artifacts known to be served here, and it puts a retry
 * layer and its own executor between the caller and the call. Here each request is one HTTP/2
 * stream, nothing is retried, and the response completes the future on the Netty event loop
 * (direct executor), so the latency measured is etcd's plus one loopback round trip. Requests
 * go round-robin over several channels (TCP connections), each with its own event loop, so 256
 * requests in flight are not serialized behind one connection.
 */
public final class EtcdClient implements AutoCloseable {
    static final MethodDescriptor<PutRequest, PutResponse> PUT = unary("etcdserverpb.KV", "Put",
            PutRequest.getDefaultInstance(), PutResponse.getDefaultInstance());
    static final MethodDescriptor<RangeRequest, RangeResponse> RANGE = unary("etcdserverpb.KV", "Range",
            RangeRequest.getDefaultInstance(), RangeResponse.getDefaultInstance());
    static final MethodDescriptor<StatusRequest, StatusResponse> STATUS = unary("etcdserverpb.Maintenance", "Status",
            StatusRequest.getDefaultInstance(), StatusResponse.getDefaultInstance());

    private final String endpoint;
    private final ManagedChannel[] channels;
    private final AtomicInteger next = new AtomicInteger();

    /** Opens {@code channelCount} channels to the member serving clients on 127.0.0.1:{@code port}. */
    public EtcdClient(int port, int channelCount) {
        if (channelCount < 1 || channelCount > 64) {
            throw new IllegalArgumentException("channels per member must be in 1..64, got " + channelCount);
        }
        this.endpoint = "127.0.0.1:" + port;
        this.channels = new ManagedChannel[channelCount];
        for (int i = 0; i < channelCount; i++) {
            channels[i] = Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
                    .directExecutor() // completions run on the event loop: no hand-off to a thread pool
                    .build();
        }
    }

    public String endpoint() {
        return endpoint;
    }

    /** KV.Put of one key; completes when etcd has committed and applied it. */
    public CompletableFuture<PutResponse> put(byte[] key, byte[] value, Duration deadline) {
        PutRequest req = PutRequest.newBuilder().setKey(ByteString.copyFrom(key)).setValue(ByteString.copyFrom(value)).build();
        return call(PUT, req, deadline);
    }

    /** KV.Range of one key; {@code linearizable} sends serializable=false (etcd then confirms leadership through Raft first). */
    public CompletableFuture<RangeResponse> get(byte[] key, boolean linearizable, Duration deadline) {
        RangeRequest req = RangeRequest.newBuilder().setKey(ByteString.copyFrom(key)).setSerializable(!linearizable).build();
        return call(RANGE, req, deadline);
    }

    /** Maintenance.Status: this member's id (in the header), the leader it knows, its Raft index. */
    public CompletableFuture<StatusResponse> status(Duration deadline) {
        return call(STATUS, StatusRequest.getDefaultInstance(), deadline);
    }

    private <Q, R> CompletableFuture<R> call(MethodDescriptor<Q, R> method, Q request, Duration deadline) {
        ManagedChannel ch = channels[Math.floorMod(next.getAndIncrement(), channels.length)];
        CompletableFuture<R> result = new CompletableFuture<>();
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
        ClientCalls.asyncUnaryCall(ch.newCall(method, options), request, new StreamObserver<>() {
            @Override
            public void onNext(R value) {
                result.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                if (!result.isDone()) {
                    result.completeExceptionally(new IllegalStateException(method.getFullMethodName() + " returned no response"));
                }
            }
        });
        return result;
    }

    @Override
    public void close() {
        for (ManagedChannel ch : channels) {
            ch.shutdownNow();
        }
        for (ManagedChannel ch : channels) {
            try {
                ch.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static <Q extends Message, R extends Message> MethodDescriptor<Q, R> unary(
            String service, String method, Q request, R response) {
        return MethodDescriptor.<Q, R>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(service, method))
                .setRequestMarshaller(ProtoUtils.marshaller(request))
                .setResponseMarshaller(ProtoUtils.marshaller(response))
                .build();
    }
}
