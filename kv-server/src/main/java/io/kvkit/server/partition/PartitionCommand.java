package io.kvkit.server.partition;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kvkit.client.proto.Request;

/**
 * The bytes a partition's Raft log carries for one client write:
 * {@code format u8 = 1 | kvkit.client.v1.Request protobuf}. The request is the client's own
 * (table, session, one of put / delete / batch / compare_and_set / create_table / drop_table);
 * {@code request_id}, {@code routing_epoch}, {@code consistency}, {@code timeout_millis}, {@code forwarded} and {@code partition} are
 * the proxying node's business and are cleared, so that a retry produces the same bytes. The
 * leading byte versions the envelope; fields inside evolve by protobuf's rules.
 */
public final class PartitionCommand {

    /** The only envelope format so far. */
    public static final byte FORMAT_V1 = 1;

    private PartitionCommand() {
    }

    /** The log bytes for {@code request}. */
    public static byte[] encode(Request request) {
        Request clean = request.toBuilder().clearRequestId().clearRoutingEpoch().clearConsistency().clearTimeoutMillis()
                .clearForwarded().clearPartition().build();
        byte[] body = clean.toByteArray();
        byte[] out = new byte[body.length + 1];
        out[0] = FORMAT_V1;
        System.arraycopy(body, 0, out, 1, body.length);
        return out;
    }

    /**
     * The request inside {@code command}.
     *
     * @throws IllegalArgumentException naming what is wrong; the state machine turns it into an
     *                                  INVALID_ARGUMENT reply
     */
    public static Request decode(byte[] command) {
        if (command == null || command.length == 0) {
            throw new IllegalArgumentException("empty partition command (expected format byte " + FORMAT_V1 + " then a Request)");
        }
        if (command[0] != FORMAT_V1) {
            throw new IllegalArgumentException("partition command format " + (command[0] & 0xff)
                    + " is not supported (allowed: " + FORMAT_V1 + ")");
        }
        try {
            return Request.parseFrom(java.nio.ByteBuffer.wrap(command, 1, command.length - 1));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("partition command of " + command.length
                    + " bytes does not parse as a Request: " + e.getMessage());
        }
    }
}
