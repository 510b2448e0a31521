package io.kvkit.raft.example;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;

import java.nio.charset.StandardCharsets;

/**
 * The example's client protocol: 4-byte length-prefixed frames, each one request or one
 * response, matched by a request id so that one connection carries many requests in flight.
 * Deliberately tiny — the real client protocol is kv-client's protobuf.
 *
 * <pre>
 * request:  id u64 | op u8 | consistency u8 | group u32 | key length u16 | key | value
 * response: id u64 | status u8 | leader hint u64 | payload   (value, or an error message in UTF-8)
 * </pre>
 */
public final class ClientProtocol {

    static final int MAX_FRAME_BYTES = 1 << 20;

    /** STATUS answers with the node's runtime counters and its groups' roles, as text (key and group ignored). */
    public enum Op { GET, PUT, DELETE, STATUS }

    public enum Consistency { LINEARIZABLE, LEASE, FOLLOWER, STALE }

    public enum Status { OK, NOT_FOUND, NOT_LEADER, ERROR }

    record Request(long id, Op op, Consistency consistency, int group, byte[] key, byte[] value) {
        Request withNewId(long newId) {
            return new Request(newId, op, consistency, group, key, value);
        }
    }

    record Response(long id, Status status, long leaderHint, byte[] payload) {
        static Response error(long id, String message) {
            return new Response(id, Status.ERROR, 0, message.getBytes(StandardCharsets.UTF_8));
        }

        String message() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    private ClientProtocol() {}

    /** Splits the byte stream into frames; a frame over the limit closes the connection. */
    static LengthFieldBasedFrameDecoder frameDecoder() {
        return new LengthFieldBasedFrameDecoder(MAX_FRAME_BYTES, 0, 4, 0, 4);
    }

    static LengthFieldPrepender framePrepender() {
        return new LengthFieldPrepender(4);
    }

    static ByteBuf encode(ByteBufAllocator alloc, Request r) {
        ByteBuf b = alloc.buffer(16 + r.key().length + r.value().length);
        b.writeLong(r.id()).writeByte(r.op().ordinal()).writeByte(r.consistency().ordinal()).writeInt(r.group())
                .writeShort(r.key().length).writeBytes(r.key()).writeBytes(r.value());
        return b;
    }

    /** @throws IllegalArgumentException naming what is wrong with the frame */
    static Request decodeRequest(ByteBuf b) {
        if (b.readableBytes() < 16) {
            throw new IllegalArgumentException("request frame of " + b.readableBytes() + " bytes is shorter than the 16-byte header");
        }
        long id = b.readLong();
        Op op = pick(Op.values(), b.readUnsignedByte(), "op");
        Consistency c = pick(Consistency.values(), b.readUnsignedByte(), "consistency");
        int group = b.readInt();
        int keyLength = b.readUnsignedShort();
        if (keyLength == 0 || keyLength > b.readableBytes()) {
            throw new IllegalArgumentException("key length " + keyLength + " must be 1.." + b.readableBytes() + " (the rest of the frame)");
        }
        byte[] key = new byte[keyLength];
        b.readBytes(key);
        byte[] value = new byte[b.readableBytes()];
        b.readBytes(value);
        return new Request(id, op, c, group, key, value);
    }

    static ByteBuf encode(ChannelHandlerContext ctx, Response r) {
        ByteBuf b = ctx.alloc().buffer(17 + r.payload().length);
        b.writeLong(r.id()).writeByte(r.status().ordinal()).writeLong(r.leaderHint()).writeBytes(r.payload());
        return b;
    }

    static Response decodeResponse(ByteBuf b) {
        if (b.readableBytes() < 17) {
            throw new IllegalArgumentException("response frame of " + b.readableBytes() + " bytes is shorter than the 17-byte header");
        }
        long id = b.readLong();
        Status s = pick(Status.values(), b.readUnsignedByte(), "status");
        long hint = b.readLong();
        byte[] payload = new byte[b.readableBytes()];
        b.readBytes(payload);
        return new Response(id, s, hint, payload);
    }

    private static <E> E pick(E[] values, int ordinal, String what) {
        if (ordinal >= values.length) {
            throw new IllegalArgumentException(what + " " + ordinal + " is unknown; allowed 0.." + (values.length - 1));
        }
        return values[ordinal];
    }
}
