package io.kvkit.client;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;

import java.io.IOException;

/**
 * The framing of the protocol, shared by the client and the server:
 * {@code length (u32, big-endian) | protobuf message of length bytes}.
 */
public final class FrameCodec {
    /** Bytes of the length prefix. */
    public static final int LENGTH_PREFIX_BYTES = 4;

    private FrameCodec() {}

    /**
     * A decoder that emits each frame's body (without the prefix) as a {@link ByteBuf} and fails
     * with a {@link io.netty.handler.codec.TooLongFrameException} as soon as a length over
     * {@code maxFrameBytes} is read (before buffering it), or a
     * {@link io.netty.handler.codec.CorruptedFrameException} for a negative length.
     */
    public static LengthFieldBasedFrameDecoder newFrameDecoder(int maxFrameBytes) {
        return new LengthFieldBasedFrameDecoder(maxFrameBytes + LENGTH_PREFIX_BYTES, 0, LENGTH_PREFIX_BYTES, 0,
                LENGTH_PREFIX_BYTES, true);
    }

    /** One frame holding {@code message}. */
    public static ByteBuf encode(ByteBufAllocator alloc, MessageLite message) {
        int size = message.getSerializedSize();
        ByteBuf buf = alloc.ioBuffer(LENGTH_PREFIX_BYTES + size);
        try {
            buf.writeInt(size);
            CodedOutputStream out = CodedOutputStream.newInstance(buf.nioBuffer(LENGTH_PREFIX_BYTES, size));
            message.writeTo(out);
            out.checkNoSpaceLeft();
            buf.writerIndex(LENGTH_PREFIX_BYTES + size);
            return buf;
        } catch (IOException | RuntimeException e) {
            buf.release();
            throw new IllegalStateException("cannot encode a frame of " + size + " bytes", e);
        }
    }
}
