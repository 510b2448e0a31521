package io.kvkit.server.resp;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The decoder alone: both command forms, any split of the bytes, and every kind of bad input. */
class RespDecoderTest {
    private static final RespEndpointOptions OPTIONS = RespEndpointOptions.defaults("127.0.0.1", 0, 1).withMaxInlineBytes(64)
            .withMaxArrayElements(1000).withMaxBulkBytes(1000);

    private static List<Object> decode(byte[]... chunks) {
        EmbeddedChannel ch = new EmbeddedChannel(new RespDecoder(OPTIONS));
        for (byte[] c : chunks) {
            ch.writeInbound(Unpooled.wrappedBuffer(c));
        }
        List<Object> out = new ArrayList<>();
        Object m;
        while ((m = ch.readInbound()) != null) {
            out.add(m);
        }
        ch.finishAndReleaseAll();
        return out;
    }

    private static List<String> words(Object command) {
        @SuppressWarnings("unchecked") List<byte[]> args = (List<byte[]>) command;
        return args.stream().map(b -> new String(b, StandardCharsets.ISO_8859_1)).toList();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aPipelineSplitAtEveryByteBoundaryDecodesToTheSameCommands() {
        byte[] all = bytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nv\r\nx!\r\n" + "*1\r\n$4\r\nPING\r\n" + "GET \"a b\" 'c'\r\n"
                + "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n");
        List<List<String>> expected = List.of(List.of("SET", "k", "v\r\nx!"), List.of("PING"), List.of("GET", "a b", "c"),
                List.of("ECHO", ""));
        for (int cut = 0; cut <= all.length; cut++) {
            for (int cut2 = cut; cut2 <= all.length; cut2 += 7) {
                byte[] a = java.util.Arrays.copyOfRange(all, 0, cut);
                byte[] b = java.util.Arrays.copyOfRange(all, cut, cut2);
                byte[] c = java.util.Arrays.copyOfRange(all, cut2, all.length);
                List<Object> out = decode(a, b, c);
                assertThat(out).as("cut at %d and %d", cut, cut2).hasSize(4);
                for (int i = 0; i < 4; i++) {
                    assertThat(words(out.get(i))).as("cut at %d/%d, command %d", cut, cut2, i).isEqualTo(expected.get(i));
                }
            }
        }
        // one byte at a time
        byte[][] single = new byte[all.length][];
        for (int i = 0; i < all.length; i++) {
            single[i] = new byte[] {all[i]};
        }
        assertThat(decode(single).stream().map(RespDecoderTest::words).toList()).isEqualTo(expected);
    }

    @Test
    void inlineCommandsFollowRedisQuotingRules() {
        assertThat(words(decode(bytes("set  k   v\n")).getFirst())).containsExactly("set", "k", "v");
        assertThat(words(decode(bytes("set k \"a\\x41\\n\\\"q\"\r\n")).getFirst())).containsExactly("set", "k", "aA\n\"q");
        assertThat(words(decode(bytes("echo 'it\\'s'\r\n")).getFirst())).containsExactly("echo", "it's");
        assertThat(decode(bytes("\r\n\n   \r\n"))).as("empty lines are skipped").isEmpty();
        assertThat(decode(bytes("*0\r\n*-1\r\nPING\r\n"))).hasSize(1);
        assertThat(decode(bytes("echo \"open\r\n")).getFirst()).isEqualTo(new RespProtocolError("unbalanced quotes in request"));
        assertThat(decode(bytes("echo \"a\"b\r\n")).getFirst()).isInstanceOf(RespProtocolError.class);
    }

    @Test
    void badInputIsOneProtocolErrorNamingWhatWasWrongThenNothing() {
        assertThat(error("*1\r\n$2147483648\r\n")).contains("invalid bulk length '2147483648'").contains("0 to 1000");
        assertThat(error("*1\r\n$1001\r\n")).contains("invalid bulk length");
        assertThat(error("*1\r\n$-1\r\n")).contains("invalid bulk length '-1'");
        assertThat(error("*1\r\n$-5\r\n")).contains("invalid bulk length");
        assertThat(error("*1\r\n$abc\r\n")).contains("invalid bulk length 'abc'");
        assertThat(error("*x\r\n")).contains("invalid multibulk length 'x'");
        assertThat(error("*-2\r\n")).contains("invalid multibulk length '-2'");
        assertThat(error("*1001\r\n")).contains("invalid multibulk length '1001'");
        assertThat(error("*2\r\n*1\r\n$1\r\na\r\n")).contains("expected '$', got '*'").contains("nested arrays");
        assertThat(error("*1\r\n:5\r\n")).contains("expected '$', got ':'");
        assertThat(error("*1\r\n$1\r\nabc\r\n")).contains("not followed by CRLF");
        assertThat(error("*1" + "1".repeat(40))).contains("longer than");
        assertThat(error("x".repeat(65))).contains("too big inline request");
        assertThat(error("*1\n")).contains("invalid multibulk length");
        // after the error, valid commands are not decoded
        List<Object> out = decode(bytes("*1\r\n$x\r\n*1\r\n$4\r\nPING\r\n"), bytes("PING\r\n"));
        assertThat(out).hasSize(1);
    }

    @Test
    void theArgumentsOfOneCommandAreBoundedInTotal() {
        RespEndpointOptions small = RespEndpointOptions.defaults("127.0.0.1", 0, 1);
        EmbeddedChannel ch = new EmbeddedChannel(new RespDecoder(small));
        long limit = small.maxCommandBytes();
        int bulk = small.maxBulkBytes();
        // headers only: the decoder refuses before buffering the bytes that would pass the limit
        StringBuilder s = new StringBuilder("*1000\r\n");
        byte[] body = new byte[bulk];
        ch.writeInbound(Unpooled.wrappedBuffer(bytes(s.toString())));
        long sent = 0;
        Object m = null;
        while (sent <= limit + bulk && (m = ch.readInbound()) == null) {
            ch.writeInbound(Unpooled.wrappedBuffer(bytes("$" + bulk + "\r\n")), Unpooled.wrappedBuffer(body),
                    Unpooled.wrappedBuffer(bytes("\r\n")));
            sent += bulk;
        }
        assertThat(m).isInstanceOf(RespProtocolError.class);
        assertThat(((RespProtocolError) m).what()).contains("add up to more than " + limit);
        ch.finishAndReleaseAll();
    }

    private static String error(String input) {
        List<Object> out = decode(bytes(input));
        assertThat(out).as("decoding %s", input).hasSize(1);
        assertThat(out.getFirst()).isInstanceOf(RespProtocolError.class);
        return ((RespProtocolError) out.getFirst()).what();
    }
}
