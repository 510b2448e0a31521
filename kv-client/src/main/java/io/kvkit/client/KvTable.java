package io.kvkit.client;

import com.google.protobuf.ByteString;
import io.kvkit.client.proto.BatchOperation;
import io.kvkit.client.proto.BatchRequest;
import io.kvkit.client.proto.CompareAndSetRequest;
import io.kvkit.client.proto.CompareAndSetResponse;
import io.kvkit.client.proto.DeleteRequest;
import io.kvkit.client.proto.GetRequest;
import io.kvkit.client.proto.GetResponse;
import io.kvkit.client.proto.MultiGetRequest;
import io.kvkit.client.proto.PutRequest;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The data operations on one table, with a read consistency and a deadline: an immutable view
 * from {@link KvClient#table}. Every operation comes as a blocking method and as an
 * {@code ...Async} method returning a {@link CompletableFuture}.
 *
 * <p>Callbacks attached to the futures run on the client's I/O threads: they must not block
 * (in particular, must not call the blocking methods); use {@code thenApplyAsync(fn, executor)}
 * for slow work.
 *
 * <p>Arguments are checked before anything is sent: keys must be 1 to max_key_bytes bytes,
 * values at most max_value_bytes (the server's limits once known, the client's defaults
 * before), else INVALID_ARGUMENT naming the limit.
 */
public final class KvTable {
    private final KvClient client;
    private final String name;
    private final Consistency consistency;
    private final Duration deadline;

    KvTable(KvClient client, String name, Consistency consistency, Duration deadline) {
        this.client = client;
        this.name = name;
        this.consistency = consistency;
        this.deadline = deadline;
    }

    public String name() {
        return name;
    }

    public Consistency consistency() {
        return consistency;
    }

    public Duration deadline() {
        return deadline;
    }

    /** This table with reads at {@code c}. */
    public KvTable withConsistency(Consistency c) {
        return new KvTable(client, name, Objects.requireNonNull(c, "consistency"), deadline);
    }

    /** This table with calls bounded by {@code d} (retries included). */
    public KvTable withDeadline(Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("deadline must be positive, got " + d);
        }
        return new KvTable(client, name, consistency, d);
    }

    // ----- get

    /** The key's value, or null if absent. */
    public byte[] get(byte[] key) {
        return KvClient.await(getAsync(key));
    }

    public CompletableFuture<byte[]> getAsync(byte[] key) {
        return routed(key, k -> {
            client.limits().checkKey("key", k);
            return Request.newBuilder().setGet(GetRequest.newBuilder().setKey(ByteString.copyFrom(k)));
        }, false, r -> {
            GetResponse g = expect(r, Response.BodyCase.GET).getGet();
            return g.getFound() ? g.getValue().toByteArray() : null;
        });
    }

    // ----- put

    public void put(byte[] key, byte[] value) {
        KvClient.await(putAsync(key, value));
    }

    public CompletableFuture<Void> putAsync(byte[] key, byte[] value) {
        return routed(key, k -> {
            client.limits().checkKey("key", k);
            client.limits().checkValue("value", value);
            return Request.newBuilder().setPut(PutRequest.newBuilder().setKey(ByteString.copyFrom(k)).setValue(ByteString.copyFrom(value)));
        }, true, r -> {
            expect(r, Response.BodyCase.PUT);
            return null;
        });
    }

    // ----- delete

    /** Deletes the key; true if it held a value. */
    public boolean delete(byte[] key) {
        return KvClient.await(deleteAsync(key));
    }

    public CompletableFuture<Boolean> deleteAsync(byte[] key) {
        return routed(key, k -> {
            client.limits().checkKey("key", k);
            return Request.newBuilder().setDelete(DeleteRequest.newBuilder().setKey(ByteString.copyFrom(k)));
        }, true, r -> expect(r, Response.BodyCase.DELETE).getDelete().getExisted());
    }

    // ----- compare and set

    /**
     * Atomically: if the key holds {@code expected} (null: if it is absent), set it to
     * {@code newValue} (null: delete it). Applied exactly once however often it is retried.
     */
    public CasResult compareAndSet(byte[] key, byte[] expected, byte[] newValue) {
        return KvClient.await(compareAndSetAsync(key, expected, newValue));
    }

    public CompletableFuture<CasResult> compareAndSetAsync(byte[] key, byte[] expected, byte[] newValue) {
        return routed(key, k -> {
            ProtocolLimits l = client.limits();
            l.checkKey("key", k);
            CompareAndSetRequest.Builder cas = CompareAndSetRequest.newBuilder().setKey(ByteString.copyFrom(k));
            if (expected == null) {
                cas.setExpectAbsent(true);
            } else {
                l.checkValue("expected value", expected);
                cas.setExpectedValue(ByteString.copyFrom(expected));
            }
            if (newValue == null) {
                cas.setDelete(true);
            } else {
                l.checkValue("new value", newValue);
                cas.setNewValue(ByteString.copyFrom(newValue));
            }
            return Request.newBuilder().setCompareAndSet(cas);
        }, true, r -> {
            CompareAndSetResponse c = expect(r, Response.BodyCase.COMPARE_AND_SET).getCompareAndSet();
            return new CasResult(c.getSucceeded(), c.getCurrentExists() ? c.getCurrentValue().toByteArray() : null);
        });
    }

    // ----- multi get

    /** The values of {@code keys} in their order (null where absent), fetched per partition in parallel. */
    public List<byte[]> multiGet(List<byte[]> keys) {
        return KvClient.await(multiGetAsync(keys));
    }

    public CompletableFuture<List<byte[]>> multiGetAsync(List<byte[]> keys) {
        ProtocolLimits l = client.limits();
        for (int i = 0; i < keys.size(); i++) {
            try {
                l.checkKey("key #" + i, keys.get(i));
            } catch (KvException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        long deadlineNanos = deadlineNanos();
        return client.topologyBefore(deadlineNanos).thenCompose(t -> {
            Map<Integer, List<Integer>> byPartition = new TreeMap<>();
            for (int i = 0; i < keys.size(); i++) {
                byPartition.computeIfAbsent(t.partitionOf(keys.get(i)), p -> new ArrayList<>()).add(i);
            }
            byte[][] values = new byte[keys.size()][];
            int chunk = client.limits().maxBatchOperations();
            List<CompletableFuture<Void>> parts = new ArrayList<>();
            for (Map.Entry<Integer, List<Integer>> e : byPartition.entrySet()) {
                List<Integer> idx = e.getValue();
                for (int from = 0; from < idx.size(); from += chunk) {
                    List<Integer> slice = idx.subList(from, Math.min(idx.size(), from + chunk));
                    MultiGetRequest.Builder mg = MultiGetRequest.newBuilder();
                    for (int i : slice) {
                        mg.addKeys(ByteString.copyFrom(keys.get(i)));
                    }
                    parts.add(read(e.getKey(), Request.newBuilder().setMultiGet(mg), deadlineNanos).thenAccept(r -> {
                        List<GetResponse> results = expect(r, Response.BodyCase.MULTI_GET).getMultiGet().getResultsList();
                        if (results.size() != slice.size()) {
                            throw new KvProtocolException("a multi_get of " + slice.size() + " keys was answered with "
                                    + results.size() + " results");
                        }
                        for (int j = 0; j < slice.size(); j++) {
                            GetResponse g = results.get(j);
                            values[slice.get(j)] = g.getFound() ? g.getValue().toByteArray() : null;
                        }
                    }));
                }
            }
            return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                    .thenApply(v -> Arrays.asList(values));
        });
    }

    // ----- batch

    /**
     * Applies the batch atomically. All its keys must fall in one partition; otherwise nothing
     * is sent and INVALID_ARGUMENT names the partitions (see {@link #batchPerPartition}).
     */
    public void batch(WriteBatch batch) {
        KvClient.await(batchAsync(batch));
    }

    public CompletableFuture<Void> batchAsync(WriteBatch batch) {
        return batchAsync(batch, false);
    }

    /**
     * Applies the batch as one atomic batch per partition, in parallel: NOT atomic across
     * partitions. If some partitions fail, the others may have applied; the exception says which.
     */
    public void batchPerPartition(WriteBatch batch) {
        KvClient.await(batchPerPartitionAsync(batch));
    }

    public CompletableFuture<Void> batchPerPartitionAsync(WriteBatch batch) {
        return batchAsync(batch, true);
    }

    private CompletableFuture<Void> batchAsync(WriteBatch batch, boolean split) {
        List<WriteBatch.Operation> ops = batch.operations();
        ProtocolLimits l = client.limits();
        try {
            if (ops.isEmpty()) {
                throw new KvException(KvStatus.INVALID_ARGUMENT, "a batch needs at least one operation");
            }
            for (int i = 0; i < ops.size(); i++) {
                l.checkKey("key of operation #" + i, ops.get(i).key());
                if (!ops.get(i).isDelete()) {
                    l.checkValue("value of operation #" + i, ops.get(i).value());
                }
            }
        } catch (KvException e) {
            return CompletableFuture.failedFuture(e);
        }
        long deadlineNanos = deadlineNanos();
        return client.topologyBefore(deadlineNanos).thenCompose(t -> {
            Map<Integer, List<WriteBatch.Operation>> byPartition = new TreeMap<>();
            for (WriteBatch.Operation op : ops) {
                byPartition.computeIfAbsent(t.partitionOf(op.key()), p -> new ArrayList<>()).add(op);
            }
            if (byPartition.size() > 1 && !split) {
                throw new KvException(KvStatus.INVALID_ARGUMENT, "a batch is atomic only within one partition; its "
                        + ops.size() + " keys fall in " + byPartition.size() + " partitions " + byPartition.keySet()
                        + " of " + t.partitionCount() + ". Nothing was sent. Use batchPerPartition to apply one atomic batch"
                        + " per partition (not atomic across partitions)");
            }
            for (Map.Entry<Integer, List<WriteBatch.Operation>> e : byPartition.entrySet()) {
                if (e.getValue().size() > l.maxBatchOperations()) {
                    throw new KvException(KvStatus.INVALID_ARGUMENT, "a batch of " + e.getValue().size()
                            + " operations in partition " + e.getKey() + " exceeds max_batch_operations=" + l.maxBatchOperations());
                }
            }
            Map<Integer, CompletableFuture<Response>> calls = new TreeMap<>();
            for (Map.Entry<Integer, List<WriteBatch.Operation>> e : byPartition.entrySet()) {
                BatchRequest.Builder b = BatchRequest.newBuilder();
                for (WriteBatch.Operation op : e.getValue()) {
                    BatchOperation.Builder o = BatchOperation.newBuilder().setKey(ByteString.copyFrom(op.key()));
                    if (op.isDelete()) {
                        o.setKind(BatchOperation.Kind.DELETE);
                    } else {
                        o.setKind(BatchOperation.Kind.PUT).setValue(ByteString.copyFrom(op.value()));
                    }
                    b.addOperations(o);
                }
                calls.put(e.getKey(), write(e.getKey(), Request.newBuilder().setBatch(b), deadlineNanos));
            }
            return CompletableFuture.allOf(calls.values().toArray(CompletableFuture[]::new)).handle((v, err) -> {
                List<Integer> applied = new ArrayList<>();
                List<String> failed = new ArrayList<>();
                KvException first = null;
                for (Map.Entry<Integer, CompletableFuture<Response>> c : calls.entrySet()) {
                    try {
                        Response r = c.getValue().join();
                        expect(r, Response.BodyCase.BATCH);
                        applied.add(c.getKey());
                    } catch (RuntimeException e) {
                        KvException ke = asKv(PartitionCall.unwrap(e));
                        first = first == null ? ke : first;
                        failed.add(c.getKey() + " (" + ke.getMessage() + ")");
                    }
                }
                if (first == null) {
                    return null;
                }
                if (calls.size() == 1) {
                    throw first;
                }
                throw new KvException(first.status(), "batch per partition: partitions " + applied + " applied, partitions "
                        + failed + " failed or have an unknown outcome", first);
            });
        });
    }

    // ----- scan

    /**
     * One page of an ordered scan of the range over all partitions (merged by key). Continue
     * with {@code scan(page.next())} while {@link ScanPage#hasMore()}. Tables on the hash
     * engine cannot scan (UNSUPPORTED).
     */
    public ScanPage scan(ScanRange range) {
        return KvClient.await(scanAsync(range));
    }

    public CompletableFuture<ScanPage> scanAsync(ScanRange range) {
        long deadlineNanos = deadlineNanos();
        return scanAsync(range, (t, l) -> ScanMerge.run(this, range, t, l.maxScanLimit(), deadlineNanos));
    }

    /**
     * A cursor over the whole range, {@code range.limit()} entries per page, that keeps every
     * partition's position between pages (cheaper than repeated {@link #scan} calls for long scans).
     */
    public ScanCursor scanCursor(ScanRange range) {
        return new ScanCursor(this, range);
    }

    /** Checks the range against the limits, then runs {@code merge} with the topology. */
    CompletableFuture<ScanPage> scanAsync(ScanRange range,
                                          BiFunction<Topology, ProtocolLimits, CompletableFuture<ScanPage>> merge) {
        ProtocolLimits l = client.limits();
        try {
            if (range.limit() > l.maxScanLimit()) {
                throw new KvException(KvStatus.INVALID_ARGUMENT, "scan limit " + range.limit() + " exceeds max_scan_limit="
                        + l.maxScanLimit());
            }
            // a continuation bound is one byte longer than its key (last key + 0x00)
            for (byte[] bound : new byte[][] {range.start(), range.end()}) {
                if (bound != null && bound.length > l.maxKeyBytes() + 1) {
                    throw new KvException(KvStatus.INVALID_ARGUMENT, "scan bound of " + bound.length
                            + " bytes exceeds max_key_bytes + 1=" + (l.maxKeyBytes() + 1));
                }
            }
        } catch (KvException e) {
            return CompletableFuture.failedFuture(e);
        }
        return client.topologyBefore(deadlineNanos()).thenCompose(t -> merge.apply(t, l));
    }

    // ----- plumbing

    /** A single-key request routed by the key's partition. */
    private <T> CompletableFuture<T> routed(byte[] key, Function<byte[], Request.Builder> build, boolean mutating,
                                           Function<Response, T> decode) {
        Request.Builder request;
        try {
            request = build.apply(key);
        } catch (KvException e) {
            return CompletableFuture.failedFuture(e);
        }
        long deadlineNanos = deadlineNanos();
        return client.topologyBefore(deadlineNanos).thenCompose(t -> {
            int partition = t.partitionOf(key);
            return mutating ? write(partition, request, deadlineNanos) : read(partition, request, deadlineNanos);
        }).thenApply(decode);
    }

    CompletableFuture<Response> read(int partition, Request.Builder request, long deadlineNanos) {
        request.setTable(name).setConsistency(consistency.toWire());
        return PartitionCall.run(client, partition, request, consistency.leaderOnly(), false, deadlineNanos);
    }

    CompletableFuture<Response> write(int partition, Request.Builder request, long deadlineNanos) {
        request.setTable(name);
        return PartitionCall.run(client, partition, request, true, true, deadlineNanos);
    }

    /** The deadline of a call starting now. */
    long deadlineNanos() {
        return System.nanoTime() + deadline.toNanos();
    }

    /** Checks that an OK answer has the body of the request's kind. */
    static Response expect(Response r, Response.BodyCase want) {
        if (r.getBodyCase() != want) {
            throw new KvProtocolException("a " + want + " request was answered with a " + r.getBodyCase() + " body");
        }
        return r;
    }

    static KvException asKv(Throwable e) {
        return e instanceof KvException ke ? ke : new KvException(KvStatus.INTERNAL, e.toString(), e);
    }

    @Override
    public String toString() {
        return "KvTable{" + name + ", " + consistency + ", deadline " + deadline + "}";
    }
}
