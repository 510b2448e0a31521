package io.kvkit.server.resp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a connection's bytes into commands ({@code List<byte[]>}: the name, then the arguments).
 * Two forms, as Redis accepts them:
 * <ul>
 *   <li>an array of bulk strings: {@code *N\r\n} then N times {@code $len\r\n<len bytes>\r\n};
 *       {@code *0} and {@code *-1} are skipped;</li>
 *   <li>an inline command: one line (LF or CRLF) of space-separated words, each optionally in
 *       double quotes (with {@code \n \r \t \b \a \\ \" \xHH} escapes) or single quotes
 *       ({@code \'} only); an empty line is skipped.</li>
 * </ul>
 * The decoder is incremental: it keeps its place inside a command across reads, so it holds at
 * most one bulk string (plus what the socket delivered) in its buffer, and the arguments of the
 * command under way (bounded by {@link RespEndpointOptions#maxCommandBytes()}).
 *
 * <p>Anything else is emitted once as a {@link RespProtocolError} naming what was wrong, and every
 * later byte is discarded: an array count over {@code maxArrayElements} or not a number, an
 * element that is not a bulk string (clients send flat arrays: a nested array is refused), a bulk
 * length that is negative, not a number or over {@code maxBulkBytes}, a bulk not followed by
 * CRLF, an inline line over {@code maxInlineBytes}, unbalanced quotes.
 */
final class RespDecoder extends ByteToMessageDecoder {
    /** A {@code *N} or {@code $N} line is at most this long, CRLF included (a 64-bit number and its sign). */
    private static final int MAX_HEADER_LINE_BYTES = 32;

    private final int maxBulkBytes;
    private final int maxArrayElements;
    private final int maxInlineBytes;
    private final long maxCommandBytes;
    private boolean failed;
    /** Elements still to read in the array under way; -1 between commands. */
    private long remaining = -1;
    /** Length of the bulk string being read, -1 before its header. */
    private long bulkLength = -1;
    private List<byte[]> args;
    private long argBytes;

    RespDecoder(RespEndpointOptions options) {
        this.maxBulkBytes = options.maxBulkBytes();
        this.maxArrayElements = options.maxArrayElements();
        this.maxInlineBytes = options.maxInlineBytes();
        this.maxCommandBytes = options.maxCommandBytes();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (!failed && in.isReadable()) {
            if (remaining < 0) {
                boolean progressed = in.getByte(in.readerIndex()) == '*' ? arrayHeader(in, out) : inline(in, out);
                if (!progressed) {
                    return;
                }
            } else if (bulkLength < 0) {
                if (!bulkHeader(in, out)) {
                    return;
                }
            } else {
                if (in.readableBytes() < bulkLength + 2) {
                    return;
                }
                byte[] arg = new byte[(int) bulkLength];
                in.readBytes(arg);
                if (in.readByte() != '\r' || in.readByte() != '\n') {
                    fail(in, out, "a bulk string of " + bulkLength + " bytes is not followed by CRLF");
                    return;
                }
                args.add(arg);
                bulkLength = -1;
                if (--remaining == 0) {
                    out.add(args);
                    args = null;
                    remaining = -1;
                }
            }
        }
        if (failed) {
            in.skipBytes(in.readableBytes());
        }
    }

    private boolean arrayHeader(ByteBuf in, List<Object> out) {
        int eol = lineEnd(in, MAX_HEADER_LINE_BYTES);
        if (eol == -2) {
            fail(in, out, "invalid multibulk length (the line after '*' is longer than " + MAX_HEADER_LINE_BYTES + " bytes)");
            return false;
        }
        if (eol < 0) {
            return false;
        }
        Long n = number(in, in.readerIndex() + 1, eol);
        if (n == null || n < -1 || n > maxArrayElements) {
            fail(in, out, "invalid multibulk length '" + text(in, in.readerIndex() + 1, eol) + "' (allowed: -1 to "
                    + maxArrayElements + " elements)");
            return false;
        }
        in.readerIndex(eol + 2);
        if (n <= 0) {
            return true; // *0 and *-1: nothing to do, as in Redis
        }
        remaining = n;
        args = new ArrayList<>((int) Math.min(n, 64));
        argBytes = 0;
        return true;
    }

    private boolean bulkHeader(ByteBuf in, List<Object> out) {
        byte first = in.getByte(in.readerIndex());
        if (first != '$') {
            fail(in, out, "expected '$', got '" + printable(first) + "'" + (first == '*' ? " (nested arrays are not commands: "
                    + "a command is a flat array of bulk strings)" : " (a command is an array of bulk strings)"));
            return false;
        }
        int eol = lineEnd(in, MAX_HEADER_LINE_BYTES);
        if (eol == -2) {
            fail(in, out, "invalid bulk length (the line after '$' is longer than " + MAX_HEADER_LINE_BYTES + " bytes)");
            return false;
        }
        if (eol < 0) {
            return false;
        }
        Long n = number(in, in.readerIndex() + 1, eol);
        if (n == null || n < 0 || n > maxBulkBytes) {
            fail(in, out, "invalid bulk length '" + text(in, in.readerIndex() + 1, eol) + "' (allowed: 0 to " + maxBulkBytes + " bytes)");
            return false;
        }
        if (argBytes + n > maxCommandBytes) {
            fail(in, out, "the arguments of this command add up to more than " + maxCommandBytes + " bytes");
            return false;
        }
        argBytes += n;
        in.readerIndex(eol + 2);
        bulkLength = n;
        return true;
    }

    private boolean inline(ByteBuf in, List<Object> out) {
        int searchable = Math.min(in.readableBytes(), maxInlineBytes + 1);
        int lf = in.indexOf(in.readerIndex(), in.readerIndex() + searchable, (byte) '\n');
        if (lf < 0) {
            if (in.readableBytes() > maxInlineBytes) {
                fail(in, out, "too big inline request (over " + maxInlineBytes + " bytes without a newline)");
            }
            return false;
        }
        int end = lf > in.readerIndex() && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
        byte[] line = new byte[end - in.readerIndex()];
        in.getBytes(in.readerIndex(), line);
        in.readerIndex(lf + 1);
        List<byte[]> words = splitInline(line);
        if (words == null) {
            fail(in, out, "unbalanced quotes in request");
            return false;
        }
        if (!words.isEmpty()) {
            out.add(words);
        }
        return true;
    }

    /** Redis's {@code sdssplitargs}: the words of an inline line, or null for unbalanced quotes. */
    static List<byte[]> splitInline(byte[] line) {
        List<byte[]> words = new ArrayList<>();
        int i = 0;
        int n = line.length;
        while (true) {
            while (i < n && isSpace(line[i])) {
                i++;
            }
            if (i >= n) {
                return words;
            }
            ByteArrayOutputStream word = new ByteArrayOutputStream();
            boolean inDouble = false;
            boolean inSingle = false;
            boolean done = false;
            while (!done) {
                if (inDouble) {
                    if (i >= n) {
                        return null;
                    }
                    byte c = line[i];
                    if (c == '\\' && i + 3 < n && line[i + 1] == 'x' && hex(line[i + 2]) >= 0 && hex(line[i + 3]) >= 0) {
                        word.write(hex(line[i + 2]) * 16 + hex(line[i + 3]));
                        i += 3;
                    } else if (c == '\\' && i + 1 < n) {
                        i++;
                        word.write(switch (line[i]) {
                            case 'n' -> '\n';
                            case 'r' -> '\r';
                            case 't' -> '\t';
                            case 'b' -> '\b';
                            case 'a' -> 7;
                            default -> line[i];
                        });
                    } else if (c == '"') {
                        if (i + 1 < n && !isSpace(line[i + 1])) {
                            return null; // the closing quote must end the word
                        }
                        done = true;
                    } else {
                        word.write(c);
                    }
                } else if (inSingle) {
                    if (i >= n) {
                        return null;
                    }
                    byte c = line[i];
                    if (c == '\\' && i + 1 < n && line[i + 1] == '\'') {
                        i++;
                        word.write('\'');
                    } else if (c == '\'') {
                        if (i + 1 < n && !isSpace(line[i + 1])) {
                            return null;
                        }
                        done = true;
                    } else {
                        word.write(c);
                    }
                } else {
                    if (i >= n) {
                        break;
                    }
                    byte c = line[i];
                    if (isSpace(c)) {
                        done = true;
                    } else if (c == '"') {
                        inDouble = true;
                    } else if (c == '\'') {
                        inSingle = true;
                    } else {
                        word.write(c);
                    }
                }
                if (i < n) {
                    i++;
                }
            }
            words.add(word.toByteArray());
        }
    }

    private static boolean isSpace(byte c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0b;
    }

    private static int hex(byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /**
     * The index of the CR of the CRLF ending the line that starts at the reader index; -1 if it has
     * not arrived yet; -2 if none within {@code max} bytes or a LF comes without CR.
     */
    private static int lineEnd(ByteBuf in, int max) {
        int from = in.readerIndex();
        int to = from + Math.min(in.readableBytes(), max);
        int lf = in.indexOf(from, to, (byte) '\n');
        if (lf < 0) {
            return in.readableBytes() >= max ? -2 : -1;
        }
        if (lf == from || in.getByte(lf - 1) != '\r') {
            return -2;
        }
        return lf - 1;
    }

    /** A strict base-10 long (optional '-', digits only, at most 19 of them), or null. */
    private static Long number(ByteBuf in, int from, int to) {
        int i = from;
        boolean negative = false;
        if (i < to && in.getByte(i) == '-') {
            negative = true;
            i++;
        }
        if (i == to || to - i > 18) {
            return null;
        }
        long v = 0;
        for (; i < to; i++) {
            byte c = in.getByte(i);
            if (c < '0' || c > '9') {
                return null;
            }
            v = v * 10 + (c - '0');
        }
        return negative ? -v : v;
    }

    private static String text(ByteBuf in, int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < to && b.length() < 40; i++) {
            b.append(printable(in.getByte(i)));
        }
        return b.toString();
    }

    private static String printable(byte c) {
        return c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\x%02x", c & 0xff);
    }

    private void fail(ByteBuf in, List<Object> out, String what) {
        failed = true;
        args = null;
        out.add(new RespProtocolError(what));
        in.skipBytes(in.readableBytes());
    }
}
