package io.kvkit.server.resp;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** A RESP2 reply: what a command answers, encoded by {@link #encode}. */
sealed interface RespReply {
    RespReply OK = new Simple("OK");
    RespReply NULL_BULK = new NullBulk();
    RespReply EMPTY_ARRAY = new Array(List.of());

    void encode(ByteBuf out);

    /** {@code +text}: a status line (no CR or LF). */
    record Simple(String text) implements RespReply {
        @Override
        public void encode(ByteBuf out) {
            out.writeByte('+');
            out.writeCharSequence(text, StandardCharsets.UTF_8);
            crlf(out);
        }
    }

    /** {@code -text}: text starts with an error code word such as ERR; CR and LF are replaced by spaces. */
    record Error(String text) implements RespReply {
        public Error {
            text = text.replace('\r', ' ').replace('\n', ' ');
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeByte('-');
            out.writeCharSequence(text, StandardCharsets.UTF_8);
            crlf(out);
        }
    }

    /** {@code :n}. */
    record Int(long value) implements RespReply {
        @Override
        public void encode(ByteBuf out) {
            out.writeByte(':');
            out.writeCharSequence(Long.toString(value), StandardCharsets.US_ASCII);
            crlf(out);
        }
    }

    /** {@code $len bytes}. */
    record Bulk(byte[] bytes) implements RespReply {
        static Bulk of(String s) {
            return new Bulk(s.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeByte('$');
            out.writeCharSequence(Integer.toString(bytes.length), StandardCharsets.US_ASCII);
            crlf(out);
            out.writeBytes(bytes);
            crlf(out);
        }
    }

    /** {@code $-1}: no value. */
    record NullBulk() implements RespReply {
        @Override
        public void encode(ByteBuf out) {
            out.writeBytes(new byte[] {'$', '-', '1', '\r', '\n'});
        }
    }

    /** {@code *n} then the elements. */
    record Array(List<RespReply> elements) implements RespReply {
        @Override
        public void encode(ByteBuf out) {
            out.writeByte('*');
            out.writeCharSequence(Integer.toString(elements.size()), StandardCharsets.US_ASCII);
            crlf(out);
            for (RespReply e : elements) {
                e.encode(out);
            }
        }
    }

    static RespReply error(String text) {
        return new Error(text);
    }

    static RespReply bulkOrNull(byte[] value) {
        return value == null ? NULL_BULK : new Bulk(value);
    }

    private static void crlf(ByteBuf out) {
        out.writeByte('\r');
        out.writeByte('\n');
    }
}
