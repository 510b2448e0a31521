package io.kvkit.server.resp;

import com.google.protobuf.ByteString;
import io.kvkit.client.KeyPartitioner;
import io.kvkit.client.proto.BatchOperation;
import io.kvkit.client.proto.BatchResponse;
import io.kvkit.client.proto.CompareAndSetRequest;
import io.kvkit.client.proto.CompareAndSetResponse;
import io.kvkit.client.proto.DeleteResponse;
import io.kvkit.client.proto.GetResponse;
import io.kvkit.client.proto.KeyValue;
import io.kvkit.client.proto.MultiGetResponse;
import io.kvkit.client.proto.PutResponse;
import io.kvkit.client.proto.ReadConsistency;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.ScanRequest;
import io.kvkit.client.proto.ScanResponse;
import io.kvkit.client.proto.Session;
import io.kvkit.client.proto.Status;
import io.kvkit.client.proto.StatusCode;
import io.kvkit.server.endpoint.RequestHandler;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A one-node cluster in a map, with the protocol semantics the RESP endpoint relies on: keys in
 * Q partitions (kv-client's {@link KeyPartitioner}), ordered per-partition scans, atomic batches
 * that must stay in one partition, compare-and-set, and exactly-once sessions (a (client, seq)
 * applied before answers its remembered reply; an unknown client without {@code open} answers
 * SESSION_EXPIRED). Faults: {@link #notLeaderNext} answers NOT_LEADER without executing,
 * {@link #timeoutAfterApplyNext} applies a write and then answers TIMEOUT (the retry must not
 * apply it again). Requests of odd id are executed later on {@code offLoop} (so concurrent
 * requests apply and answer out of order) unless {@code offLoop} is null.
 */
final class FakeKvHandler implements RequestHandler {
    static final int MAX_KEY_BYTES = 16 * 1024;
    static final int MAX_VALUE_BYTES = 4 * 1024 * 1024;

    final int partitionCount;
    private final KeyPartitioner partitioner;
    private final Executor offLoop;
    /** Per partition, ordered by unsigned bytes as kvkit orders keys. */
    private final List<NavigableMap<ByteString, ByteString>> partitions = new ArrayList<>();
    private final Map<String, Response> applied = new HashMap<>();
    private final Set<String> knownSessions = new HashSet<>();
    final AtomicInteger notLeaderNext = new AtomicInteger();
    final AtomicInteger timeoutAfterApplyNext = new AtomicInteger();
    final AtomicLong writesApplied = new AtomicLong();
    final AtomicLong requests = new AtomicLong();
    final List<Request> log = java.util.Collections.synchronizedList(new ArrayList<>());
    volatile boolean keepLog;

    FakeKvHandler(int partitionCount, Executor offLoop) {
        this.partitionCount = partitionCount;
        this.partitioner = new KeyPartitioner(partitionCount);
        this.offLoop = offLoop;
        for (int i = 0; i < partitionCount; i++) {
            partitions.add(new TreeMap<>(ByteString.unsignedLexicographicalComparator()));
        }
    }

    /** Forgets every session, as a partition does after a client idled for too long. */
    synchronized void forgetSessions() {
        knownSessions.clear();
        applied.clear();
    }

    int partitionOf(byte[] key) {
        return partitioner.partitionOf(key);
    }

    synchronized byte[] value(String key) {
        ByteString v = partitions.get(partitionOf(key.getBytes())).get(ByteString.copyFromUtf8(key));
        return v == null ? null : v.toByteArray();
    }

    synchronized int size() {
        return partitions.stream().mapToInt(Map::size).sum();
    }

    @Override
    public CompletableFuture<Response> handle(Request r) {
        requests.incrementAndGet();
        if (keepLog) {
            log.add(r);
        }
        if (offLoop != null && (r.getRequestId() & 1) == 1) {
            // executed later on another thread: concurrent requests apply in any order, as on a cluster
            return CompletableFuture.supplyAsync(() -> answer(r).toBuilder().setRequestId(r.getRequestId()).build(), offLoop);
        }
        return CompletableFuture.completedFuture(answer(r).toBuilder().setRequestId(r.getRequestId()).build());
    }

    private synchronized Response answer(Request r) {
        if (r.getRequestId() == 0) {
            return error(StatusCode.INVALID_ARGUMENT, "request_id 0");
        }
        if (!r.getTable().isEmpty() && !r.getTable().equals("default")) {
            return error(StatusCode.NOT_FOUND, "table " + r.getTable());
        }
        if (notLeaderNext.get() > 0 && notLeaderNext.decrementAndGet() >= 0) {
            return error(StatusCode.NOT_LEADER, "not the leader (injected)");
        }
        return switch (r.getBodyCase()) {
            case GET, MULTI_GET, SCAN -> {
                if (r.getConsistency() != ReadConsistency.LINEARIZABLE) {
                    yield error(StatusCode.INVALID_ARGUMENT, "the RESP endpoint must read LINEARIZABLE, got " + r.getConsistency());
                }
                yield read(r);
            }
            case PUT, DELETE, BATCH, COMPARE_AND_SET -> write(r);
            default -> error(StatusCode.INVALID_ARGUMENT, "not served by the fake: " + r.getBodyCase());
        };
    }

    private Response read(Request r) {
        Response.Builder out = Response.newBuilder().setStatus(ok());
        switch (r.getBodyCase()) {
            case GET -> out.setGet(get(r.getGet().getKey()));
            case MULTI_GET -> {
                Set<Integer> ps = new HashSet<>();
                MultiGetResponse.Builder m = MultiGetResponse.newBuilder();
                for (ByteString k : r.getMultiGet().getKeysList()) {
                    ps.add(partitionOf(k.toByteArray()));
                    m.addResults(get(k));
                }
                if (ps.size() > 1) {
                    return error(StatusCode.INVALID_ARGUMENT, "multi_get keys span partitions " + ps);
                }
                out.setMultiGet(m);
            }
            case SCAN -> {
                ScanRequest s = r.getScan();
                if (s.getPartitionId() >= partitionCount || s.getLimit() < 1 || s.getLimit() > 10_000) {
                    return error(StatusCode.INVALID_ARGUMENT, "bad scan " + s);
                }
                NavigableMap<ByteString, ByteString> p = partitions.get(s.getPartitionId());
                NavigableMap<ByteString, ByteString> range = s.getStart().isEmpty() ? p : p.tailMap(s.getStart(), true);
                ScanResponse.Builder b = ScanResponse.newBuilder();
                int n = 0;
                for (var e : range.entrySet()) {
                    if (n == s.getLimit()) {
                        b.setMore(true);
                        break;
                    }
                    b.addEntries(KeyValue.newBuilder().setKey(e.getKey()).setValue(s.getKeysOnly() ? ByteString.EMPTY : e.getValue()));
                    n++;
                }
                out.setScan(b);
            }
            default -> throw new IllegalStateException();
        }
        return out.build();
    }

    private GetResponse get(ByteString key) {
        ByteString v = partitions.get(partitionOf(key.toByteArray())).get(key);
        return v == null ? GetResponse.newBuilder().setFound(false).build() : GetResponse.newBuilder().setFound(true).setValue(v).build();
    }

    private Response write(Request r) {
        if (!r.hasSession() || r.getSession().getClientId() == 0 || r.getSession().getSeq() == 0) {
            return error(StatusCode.INVALID_ARGUMENT, "a write needs a session");
        }
        Session s = r.getSession();
        int p = switch (r.getBodyCase()) {
            case PUT -> partitionOf(r.getPut().getKey().toByteArray());
            case DELETE -> partitionOf(r.getDelete().getKey().toByteArray());
            case COMPARE_AND_SET -> partitionOf(r.getCompareAndSet().getKey().toByteArray());
            case BATCH -> {
                Set<Integer> ps = new HashSet<>();
                r.getBatch().getOperationsList().forEach(o -> ps.add(partitionOf(o.getKey().toByteArray())));
                if (ps.size() != 1) {
                    yield -1;
                }
                yield ps.iterator().next();
            }
            default -> throw new IllegalStateException();
        };
        if (p < 0) {
            return error(StatusCode.INVALID_ARGUMENT, "batch keys span partitions");
        }
        String session = s.getClientId() + "@" + p;
        if (!knownSessions.contains(session) && !s.getOpen()) {
            return error(StatusCode.SESSION_EXPIRED, "session " + s.getClientId() + " unknown on partition " + p);
        }
        String id = s.getClientId() + "/" + s.getSeq();
        Response done = applied.get(id);
        if (done == null) {
            done = apply(r, partitions.get(p));
            if (done.getStatus().getCode() == StatusCode.OK) {
                writesApplied.incrementAndGet();
            }
            applied.put(id, done);
            knownSessions.add(session);
            if (timeoutAfterApplyNext.get() > 0 && timeoutAfterApplyNext.decrementAndGet() >= 0) {
                return error(StatusCode.TIMEOUT, "applied, but the answer was lost (injected)");
            }
        }
        return done;
    }

    private Response apply(Request r, NavigableMap<ByteString, ByteString> data) {
        Response.Builder out = Response.newBuilder().setStatus(ok());
        switch (r.getBodyCase()) {
            case PUT -> {
                if (r.getPut().getValue().size() > MAX_VALUE_BYTES) {
                    return error(StatusCode.INVALID_ARGUMENT, "value of " + r.getPut().getValue().size() + " bytes is over max_value_bytes="
                            + MAX_VALUE_BYTES);
                }
                data.put(r.getPut().getKey(), r.getPut().getValue());
                out.setPut(PutResponse.getDefaultInstance());
            }
            case DELETE -> out.setDelete(DeleteResponse.newBuilder().setExisted(data.remove(r.getDelete().getKey()) != null));
            case BATCH -> {
                for (BatchOperation o : r.getBatch().getOperationsList()) {
                    if (o.getKind() == BatchOperation.Kind.PUT) {
                        data.put(o.getKey(), o.getValue());
                    } else {
                        data.remove(o.getKey());
                    }
                }
                out.setBatch(BatchResponse.getDefaultInstance());
            }
            case COMPARE_AND_SET -> {
                CompareAndSetRequest c = r.getCompareAndSet();
                ByteString cur = data.get(c.getKey());
                boolean match = c.getExpectAbsent() ? cur == null : cur != null && cur.equals(c.getExpectedValue());
                CompareAndSetResponse.Builder b = CompareAndSetResponse.newBuilder().setSucceeded(match).setCurrentExists(cur != null);
                if (cur != null) {
                    b.setCurrentValue(cur);
                }
                if (match) {
                    if (c.getDelete()) {
                        data.remove(c.getKey());
                    } else {
                        data.put(c.getKey(), c.getNewValue());
                    }
                }
                out.setCompareAndSet(b);
            }
            default -> throw new IllegalStateException();
        }
        return out.build();
    }

    private static Status ok() {
        return Status.newBuilder().setCode(StatusCode.OK).build();
    }

    private static Response error(StatusCode code, String message) {
        return Response.newBuilder().setStatus(Status.newBuilder().setCode(code).setMessage(message)).build();
    }
}
