package io.kvkit.client;

import com.google.protobuf.ByteString;
import io.kvkit.client.proto.BatchOperation;
import io.kvkit.client.proto.ReadConsistency;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.ScanRequest;
import io.kvkit.client.proto.Status;
import io.kvkit.client.proto.StatusCode;

/**
 * The checks a server makes on every request before routing or executing it, written once
 * here so that the client and the server agree on them: ids, the session of mutating
 * requests, keys and values within the limits, batch and multi-get sizes, scan bounds and
 * limits, table names and engines. A refused request is answered INVALID_ARGUMENT (or
 * UNSUPPORTED for an unknown consistency level) with a message naming the field, the limit and
 * what is allowed; it is not executed. What needs the ring (do a batch's keys share a
 * partition?) or the tables (does the table exist?) is left to the server.
 */
public final class RequestValidator {
    private final ProtocolLimits limits;

    public RequestValidator(ProtocolLimits limits) {
        this.limits = limits;
    }

    /** Whether the request changes state and so must carry a session. */
    public static boolean isMutating(Request r) {
        return switch (r.getBodyCase()) {
            case PUT, DELETE, BATCH, COMPARE_AND_SET, CREATE_TABLE, DROP_TABLE -> true;
            default -> false;
        };
    }

    /** Null if the request may go on, else the status to answer with. */
    public Status check(Request r) {
        try {
            checkOrThrow(r);
            return null;
        } catch (KvException e) {
            return Status.newBuilder().setCode(e.status().toWire()).setMessage(e.getMessage()).build();
        }
    }

    private void checkOrThrow(Request r) {
        if (r.getRequestId() == 0) {
            throw invalid("request_id must not be 0");
        }
        if (r.getBodyCase() == Request.BodyCase.BODY_NOT_SET) {
            throw invalid("the request has no body (one of hello, route, get, put, delete, multi_get, batch,"
                    + " compare_and_set, scan, create_table, drop_table, list_tables)");
        }
        if (r.getConsistency() == ReadConsistency.UNRECOGNIZED) {
            throw new KvException(KvStatus.UNSUPPORTED, "read consistency " + r.getConsistencyValue()
                    + " is unknown here (allowed: LINEARIZABLE, LEASE, FOLLOWER, STALE)");
        }
        if (!r.getTable().isEmpty()) {
            Protocol.checkTableName(r.getTable());
        }
        if (isMutating(r)) {
            if (!r.hasSession() || r.getSession().getClientId() == 0 || r.getSession().getSeq() == 0) {
                throw invalid("a " + r.getBodyCase() + " request needs a session with a non-zero client_id and a seq >= 1");
            }
        }
        switch (r.getBodyCase()) {
            case GET -> key("key", r.getGet().getKey());
            case PUT -> {
                key("key", r.getPut().getKey());
                value("value", r.getPut().getValue());
            }
            case DELETE -> key("key", r.getDelete().getKey());
            case COMPARE_AND_SET -> {
                key("key", r.getCompareAndSet().getKey());
                value("expected_value", r.getCompareAndSet().getExpectedValue());
                value("new_value", r.getCompareAndSet().getNewValue());
            }
            case MULTI_GET -> {
                count("multi_get keys", r.getMultiGet().getKeysCount());
                for (int i = 0; i < r.getMultiGet().getKeysCount(); i++) {
                    key("key #" + i, r.getMultiGet().getKeys(i));
                }
            }
            case BATCH -> {
                count("batch operations", r.getBatch().getOperationsCount());
                for (int i = 0; i < r.getBatch().getOperationsCount(); i++) {
                    BatchOperation op = r.getBatch().getOperations(i);
                    if (op.getKind() != BatchOperation.Kind.PUT && op.getKind() != BatchOperation.Kind.DELETE) {
                        throw invalid("operation #" + i + " has kind " + op.getKindValue() + " (allowed: PUT, DELETE)");
                    }
                    key("key of operation #" + i, op.getKey());
                    if (op.getKind() == BatchOperation.Kind.PUT) {
                        value("value of operation #" + i, op.getValue());
                    }
                }
            }
            case SCAN -> scan(r.getScan());
            case CREATE_TABLE -> {
                Protocol.checkTableName(r.getCreateTable().getName());
                if (!Protocol.ENGINES.contains(r.getCreateTable().getEngine())) {
                    throw invalid("engine '" + r.getCreateTable().getEngine() + "' is not one of " + Protocol.ENGINES);
                }
            }
            case DROP_TABLE -> Protocol.checkTableName(r.getDropTable().getName());
            default -> { }
        }
    }

    private void scan(ScanRequest s) {
        if (s.getLimit() < 1 || s.getLimit() > limits.maxScanLimit()) {
            throw invalid("scan limit " + Integer.toUnsignedString(s.getLimit()) + " is outside [1, max_scan_limit="
                    + limits.maxScanLimit() + "]");
        }
        bound("start", s.getStart());
        bound("end", s.getEnd());
        if (!s.getStart().isEmpty() && !s.getEnd().isEmpty()
                && ByteString.unsignedLexicographicalComparator().compare(s.getStart(), s.getEnd()) > 0) {
            throw invalid("scan start is after its end (keys compare as unsigned bytes)");
        }
    }

    private void bound(String what, ByteString b) {
        if (b.size() > limits.maxKeyBytes() + 1) {
            throw invalid("scan " + what + " of " + b.size() + " bytes exceeds max_key_bytes + 1=" + (limits.maxKeyBytes() + 1));
        }
    }

    private void key(String what, ByteString k) {
        if (k.isEmpty()) {
            throw invalid(what + " must not be empty (allowed: 1 to max_key_bytes=" + limits.maxKeyBytes() + " bytes)");
        }
        if (k.size() > limits.maxKeyBytes()) {
            throw invalid(what + " of " + k.size() + " bytes exceeds max_key_bytes=" + limits.maxKeyBytes());
        }
    }

    private void value(String what, ByteString v) {
        if (v.size() > limits.maxValueBytes()) {
            throw invalid(what + " of " + v.size() + " bytes exceeds max_value_bytes=" + limits.maxValueBytes());
        }
    }

    private void count(String what, int n) {
        if (n < 1 || n > limits.maxBatchOperations()) {
            throw invalid(n + " " + what + " is outside [1, max_batch_operations=" + limits.maxBatchOperations() + "]");
        }
    }

    private static KvException invalid(String message) {
        return new KvException(KvStatus.INVALID_ARGUMENT, message);
    }
}
