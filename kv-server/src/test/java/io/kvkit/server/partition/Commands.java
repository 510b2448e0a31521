package io.kvkit.server.partition;

import com.google.protobuf.ByteString;
import io.kvkit.client.proto.BatchOperation;
import io.kvkit.client.proto.BatchRequest;
import io.kvkit.client.proto.CompareAndSetRequest;
import io.kvkit.client.proto.CreateTableRequest;
import io.kvkit.client.proto.DeleteRequest;
import io.kvkit.client.proto.DropTableRequest;
import io.kvkit.client.proto.PutRequest;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.Session;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Builds partition commands and reads replies, for tests. */
final class Commands {
    private Commands() {
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }

    static Request.Builder on(String table) {
        return Request.newBuilder().setTable(table);
    }

    static byte[] put(String table, String key, String value) {
        return PartitionCommand.encode(on(table).setPut(PutRequest.newBuilder().setKey(bs(key)).setValue(bs(value))).build());
    }

    static byte[] delete(String table, String key) {
        return PartitionCommand.encode(on(table).setDelete(DeleteRequest.newBuilder().setKey(bs(key))).build());
    }

    static BatchOperation opPut(String k, String v) {
        return BatchOperation.newBuilder().setKind(BatchOperation.Kind.PUT).setKey(bs(k)).setValue(bs(v)).build();
    }

    static BatchOperation opDelete(String k) {
        return BatchOperation.newBuilder().setKind(BatchOperation.Kind.DELETE).setKey(bs(k)).build();
    }

    static byte[] batch(String table, BatchOperation... ops) {
        return PartitionCommand.encode(on(table).setBatch(BatchRequest.newBuilder().addAllOperations(java.util.List.of(ops))).build());
    }

    /** expected == null: expect absent; newValue == null: delete. */
    static byte[] cas(String table, String key, String expected, String newValue) {
        CompareAndSetRequest.Builder c = CompareAndSetRequest.newBuilder().setKey(bs(key));
        if (expected == null) {
            c.setExpectAbsent(true);
        } else {
            c.setExpectedValue(bs(expected));
        }
        if (newValue == null) {
            c.setDelete(true);
        } else {
            c.setNewValue(bs(newValue));
        }
        return PartitionCommand.encode(on(table).setCompareAndSet(c).build());
    }

    static byte[] createTable(String name, String engine) {
        return PartitionCommand.encode(Request.newBuilder().setCreateTable(CreateTableRequest.newBuilder()
                .setName(name).setEngine(engine).putAllOptions(TestEngines.engineOptions(engine))).build());
    }

    static byte[] dropTable(String name) {
        return PartitionCommand.encode(Request.newBuilder().setDropTable(DropTableRequest.newBuilder().setName(name)).build());
    }

    /** {@code command} with a session attached. */
    static byte[] withSession(byte[] command, long clientId, long seq, long floor, boolean open) {
        Request r = PartitionCommand.decode(command).toBuilder().setSession(Session.newBuilder().setClientId(clientId)
                .setSeq(seq).setFirstIncompleteSeq(floor).setOpen(open)).build();
        return PartitionCommand.encode(r);
    }

    static Response reply(byte[] bytes) {
        try {
            return Response.parseFrom(bytes);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError("reply does not parse", e);
        }
    }
}
