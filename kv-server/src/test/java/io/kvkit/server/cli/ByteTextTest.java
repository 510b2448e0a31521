package io.kvkit.server.cli;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ByteTextTest {

    @Test
    void hexArgumentsDecodeWithOrWithoutPrefix() {
        assertThat(ByteText.parse("00ff7f", true, "key")).containsExactly(0x00, 0xff, 0x7f);
        assertThat(ByteText.parse("0xABcd", true, "key")).containsExactly(0xab, 0xcd);
        assertThat(ByteText.parse("", true, "value")).isEmpty();
        assertThat(ByteText.parse("0x", true, "value")).isEmpty();
    }

    @Test
    void badHexSaysWhatAndWhere() {
        assertThatThrownBy(() -> ByteText.parse("abc", true, "key")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("key 'abc' is not hex: odd number of digits (3); allowed: pairs of 0-9a-f, optionally after 0x");
        assertThatThrownBy(() -> ByteText.parse("0x12zz", true, "--start")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--start '0x12zz' is not hex: 'z' at position 3");
    }

    @Test
    void textArgumentsAreUtf8() {
        assertThat(ByteText.parse("ключ", false, "key")).isEqualTo("ключ".getBytes(StandardCharsets.UTF_8));
        assertThat(ByteText.parse("0xff", false, "key")).isEqualTo("0xff".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void outputIsOneLinePerItemWhateverTheBytes() {
        assertThat(ByteText.format("hello wörld".getBytes(StandardCharsets.UTF_8), false)).isEqualTo("hello wörld");
        assertThat(ByteText.format("a\tb\nc\\d".getBytes(StandardCharsets.UTF_8), false)).isEqualTo("a\\tb\\nc\\\\d");
        assertThat(ByteText.format(new byte[] {'k', 0, 0x7f}, false)).isEqualTo("k\\x00\\x7f");
        // not UTF-8: every high byte escaped, ASCII kept
        assertThat(ByteText.format(new byte[] {'k', (byte) 0xff, (byte) 0xc3, '\n'}, false)).isEqualTo("k\\xff\\xc3\\n");
        assertThat(ByteText.format(new byte[] {0, (byte) 0xff, 0x10}, true)).isEqualTo("00ff10");
    }

    @Test
    void hexRoundTrips() {
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < 200; i++) {
            byte[] b = new byte[random.nextInt(40)];
            random.nextBytes(b);
            assertThat(ByteText.parse(ByteText.format(b, true), true, "key")).isEqualTo(b);
        }
    }
}
