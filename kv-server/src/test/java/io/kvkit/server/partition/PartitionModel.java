package io.kvkit.server.partition;

import com.google.protobuf.ByteString;
import io.kvkit.client.proto.BatchOperation;
import io.kvkit.client.proto.BatchResponse;
import io.kvkit.client.proto.CompareAndSetRequest;
import io.kvkit.client.proto.CompareAndSetResponse;
import io.kvkit.client.proto.CreateTableResponse;
import io.kvkit.client.proto.DeleteResponse;
import io.kvkit.client.proto.DropTableResponse;
import io.kvkit.client.proto.PutResponse;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.Status;
import io.kvkit.client.proto.StatusCode;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The simplest partition that could work: tables as sorted maps, sessions as a map of replies
 * (no eviction; the tests stay far inside the session bounds). Error replies carry only a code.
 */
final class PartitionModel {
    static final int MAX_KEY = PartitionOptions.DEFAULT_MAX_KEY_BYTES;
    static final int MAX_VALUE = PartitionOptions.DEFAULT_MAX_VALUE_BYTES;

    final Map<String, TreeMap<ByteString, ByteString>> tables = new HashMap<>();
    private final Map<Long, Map<Long, Response>> sessions = new HashMap<>();

    PartitionModel() {
        tables.put("default", newTable());
    }

    static TreeMap<ByteString, ByteString> newTable() {
        return new TreeMap<>(ByteString.unsignedLexicographicalComparator());
    }

    /** The reply the replica must give to {@code command}; the model's state follows it. */
    Response apply(byte[] command) {
        Request r;
        try {
            r = PartitionCommand.decode(command);
        } catch (IllegalArgumentException e) {
            return error(StatusCode.INVALID_ARGUMENT);
        }
        if (r.hasSession()) {
            Response earlier = sessions.getOrDefault(r.getSession().getClientId(), Map.of()).get(r.getSession().getSeq());
            if (earlier != null) {
                return earlier;
            }
        }
        Response reply = execute(r);
        if (r.hasSession()) {
            sessions.computeIfAbsent(r.getSession().getClientId(), k -> new HashMap<>()).put(r.getSession().getSeq(), reply);
        }
        return reply;
    }

    /** Whether {@code command} parses and carries a session. */
    boolean hasSession(byte[] command) {
        try {
            return PartitionCommand.decode(command).hasSession();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Whether {@code command} is a retry of a session command already applied. */
    boolean isDuplicate(byte[] command) {
        Request r;
        try {
            r = PartitionCommand.decode(command);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return r.hasSession() && sessions.getOrDefault(r.getSession().getClientId(), Map.of()).containsKey(r.getSession().getSeq());
    }

    /** Replaces the recorded reply (the replica's error messages are richer than the model's codes). */
    void recordActual(byte[] command, Response actual) {
        Request r;
        try {
            r = PartitionCommand.decode(command);
        } catch (IllegalArgumentException e) {
            return;
        }
        if (r.hasSession()) {
            sessions.get(r.getSession().getClientId()).put(r.getSession().getSeq(), actual);
        }
    }

    private Response execute(Request r) {
        String table = r.getTable().isEmpty() ? "default" : r.getTable();
        TreeMap<ByteString, ByteString> t = tables.get(table);
        switch (r.getBodyCase()) {
            case CREATE_TABLE -> {
                if (tables.containsKey(r.getCreateTable().getName())) {
                    return ok().setCreateTable(CreateTableResponse.newBuilder().setCreated(false)).build();
                }
                tables.put(r.getCreateTable().getName(), newTable());
                return ok().setCreateTable(CreateTableResponse.newBuilder().setCreated(true)).build();
            }
            case DROP_TABLE -> {
                String name = r.getDropTable().getName();
                if (name.equals("default")) {
                    return error(StatusCode.INVALID_ARGUMENT);
                }
                if (tables.remove(name) == null) {
                    return error(StatusCode.NOT_FOUND);
                }
                return ok().setDropTable(DropTableResponse.getDefaultInstance()).build();
            }
            default -> {
            }
        }
        if (t == null) {
            return error(StatusCode.NOT_FOUND);
        }
        return switch (r.getBodyCase()) {
            case PUT -> {
                if (badKey(r.getPut().getKey()) || r.getPut().getValue().size() > MAX_VALUE) {
                    yield error(StatusCode.INVALID_ARGUMENT);
                }
                t.put(r.getPut().getKey(), r.getPut().getValue());
                yield ok().setPut(PutResponse.getDefaultInstance()).build();
            }
            case DELETE -> {
                if (badKey(r.getDelete().getKey())) {
                    yield error(StatusCode.INVALID_ARGUMENT);
                }
                boolean existed = t.remove(r.getDelete().getKey()) != null;
                yield ok().setDelete(DeleteResponse.newBuilder().setExisted(existed)).build();
            }
            case BATCH -> {
                for (BatchOperation op : r.getBatch().getOperationsList()) {
                    if (badKey(op.getKey()) || op.getValue().size() > MAX_VALUE
                            || (op.getKind() != BatchOperation.Kind.PUT && op.getKind() != BatchOperation.Kind.DELETE)) {
                        yield error(StatusCode.INVALID_ARGUMENT);
                    }
                }
                if (r.getBatch().getOperationsCount() == 0) {
                    yield error(StatusCode.INVALID_ARGUMENT);
                }
                for (BatchOperation op : r.getBatch().getOperationsList()) {
                    if (op.getKind() == BatchOperation.Kind.PUT) {
                        t.put(op.getKey(), op.getValue());
                    } else {
                        t.remove(op.getKey());
                    }
                }
                yield ok().setBatch(BatchResponse.getDefaultInstance()).build();
            }
            case COMPARE_AND_SET -> {
                CompareAndSetRequest c = r.getCompareAndSet();
                if (badKey(c.getKey())) {
                    yield error(StatusCode.INVALID_ARGUMENT);
                }
                ByteString cur = t.get(c.getKey());
                boolean matches = c.getExpectAbsent() ? cur == null : cur != null && cur.equals(c.getExpectedValue());
                CompareAndSetResponse.Builder b = CompareAndSetResponse.newBuilder().setSucceeded(matches).setCurrentExists(cur != null);
                if (cur != null) {
                    b.setCurrentValue(cur);
                }
                if (matches) {
                    if (c.getDelete()) {
                        t.remove(c.getKey());
                    } else {
                        t.put(c.getKey(), c.getNewValue());
                    }
                }
                yield ok().setCompareAndSet(b).build();
            }
            default -> error(StatusCode.INVALID_ARGUMENT);
        };
    }

    private static boolean badKey(ByteString k) {
        return k.isEmpty() || k.size() > MAX_KEY;
    }

    private static Response.Builder ok() {
        return Response.newBuilder().setStatus(Status.newBuilder().setCode(StatusCode.OK));
    }

    static Response error(StatusCode code) {
        return Response.newBuilder().setStatus(Status.newBuilder().setCode(code)).build();
    }

    /** OK replies must match to the byte; errors by code. */
    static boolean sameReply(Response expected, Response actual) {
        if (expected.getStatus().getCode() != StatusCode.OK) {
            return expected.getStatus().getCode() == actual.getStatus().getCode();
        }
        return expected.equals(actual);
    }
}
