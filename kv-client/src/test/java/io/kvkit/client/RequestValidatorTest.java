package io.kvkit.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.kvkit.client.proto.BatchOperation;
import io.kvkit.client.proto.BatchRequest;
import io.kvkit.client.proto.CreateTableRequest;
import io.kvkit.client.proto.GetRequest;
import io.kvkit.client.proto.MultiGetRequest;
import io.kvkit.client.proto.PutRequest;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.ScanRequest;
import io.kvkit.client.proto.Session;
import io.kvkit.client.proto.Status;
import io.kvkit.client.proto.StatusCode;
import org.junit.jupiter.api.Test;

/** The server-side checks: every refusal names the field, the limit and what is allowed. */
class RequestValidatorTest {
    private final RequestValidator validator = new RequestValidator(new ProtocolLimits(8, 16, 1024, 3, 5));
    private static final Session SESSION = Session.newBuilder().setClientId(1).setSeq(1).setFirstIncompleteSeq(1).build();

    private static ByteString b(int n) {
        return ByteString.copyFrom(new byte[n]);
    }

    private Status check(Request.Builder r) {
        return validator.check(r.setRequestId(1).build());
    }

    private void refused(Request.Builder r, StatusCode code, String... parts) {
        Status s = check(r);
        assertThat(s).as("refused").isNotNull();
        assertThat(s.getCode()).isEqualTo(code);
        assertThat(s.getMessage()).contains(parts);
    }

    @Test
    void wellFormedRequestsPass() {
        assertThat(check(Request.newBuilder().setGet(GetRequest.newBuilder().setKey(b(8))))).isNull();
        assertThat(check(Request.newBuilder().setSession(SESSION).setPut(PutRequest.newBuilder().setKey(b(1)).setValue(b(16))))).isNull();
        assertThat(check(Request.newBuilder().setScan(ScanRequest.newBuilder().setLimit(5).setStart(b(9))))).isNull();
    }

    @Test
    void keysValuesAndCountsBeyondTheLimitsAreRefusedNamingTheLimit() {
        refused(Request.newBuilder().setGet(GetRequest.newBuilder().setKey(b(9))), StatusCode.INVALID_ARGUMENT,
                "key of 9 bytes exceeds max_key_bytes=8");
        refused(Request.newBuilder().setGet(GetRequest.newBuilder()), StatusCode.INVALID_ARGUMENT, "key must not be empty");
        refused(Request.newBuilder().setSession(SESSION).setPut(PutRequest.newBuilder().setKey(b(1)).setValue(b(17))),
                StatusCode.INVALID_ARGUMENT, "value of 17 bytes exceeds max_value_bytes=16");
        refused(Request.newBuilder().setMultiGet(MultiGetRequest.newBuilder().addKeys(b(1)).addKeys(b(1)).addKeys(b(1)).addKeys(b(1))),
                StatusCode.INVALID_ARGUMENT, "4 multi_get keys is outside [1, max_batch_operations=3]");
        refused(Request.newBuilder().setSession(SESSION).setBatch(BatchRequest.newBuilder().addOperations(
                BatchOperation.newBuilder().setKey(b(1)))), StatusCode.INVALID_ARGUMENT, "operation #0 has kind 0 (allowed: PUT, DELETE)");
        refused(Request.newBuilder().setScan(ScanRequest.newBuilder().setLimit(6)), StatusCode.INVALID_ARGUMENT,
                "scan limit 6 is outside [1, max_scan_limit=5]");
        refused(Request.newBuilder().setScan(ScanRequest.newBuilder().setLimit(1).setEnd(b(10))), StatusCode.INVALID_ARGUMENT,
                "max_key_bytes + 1=9");
    }

    @Test
    void writesNeedASessionAndTablesAValidNameAndEngine() {
        refused(Request.newBuilder().setPut(PutRequest.newBuilder().setKey(b(1))), StatusCode.INVALID_ARGUMENT,
                "PUT request needs a session");
        refused(Request.newBuilder().setSession(SESSION).setCreateTable(CreateTableRequest.newBuilder().setName("t").setEngine("btree")),
                StatusCode.INVALID_ARGUMENT, "engine 'btree' is not one of [lsm, hash, bplustree]");
        refused(Request.newBuilder().setTable("no spaces").setGet(GetRequest.newBuilder().setKey(b(1))), StatusCode.INVALID_ARGUMENT,
                "[A-Za-z0-9_.-]");
        refused(Request.newBuilder().setConsistencyValue(99).setGet(GetRequest.newBuilder().setKey(b(1))), StatusCode.UNSUPPORTED,
                "consistency 99");
        Status noId = validator.check(Request.newBuilder().setGet(GetRequest.newBuilder().setKey(b(1))).build());
        assertThat(noId.getMessage()).contains("request_id must not be 0");
    }
}
