package io.kvkit.server.resp;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class GlobPatternTest {
    private static boolean m(String pattern, String s) {
        return new GlobPattern(pattern.getBytes(StandardCharsets.ISO_8859_1)).matches(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void redisGlobSyntax() {
        assertThat(m("*", "")).isTrue();
        assertThat(m("*", "anything")).isTrue();
        assertThat(m("user:*", "user:42")).isTrue();
        assertThat(m("user:*", "users:42")).isFalse();
        assertThat(m("h?llo", "hello")).isTrue();
        assertThat(m("h?llo", "hllo")).isFalse();
        assertThat(m("h[ae]llo", "hallo")).isTrue();
        assertThat(m("h[ae]llo", "hillo")).isFalse();
        assertThat(m("h[^e]llo", "hallo")).isTrue();
        assertThat(m("h[^e]llo", "hello")).isFalse();
        assertThat(m("h[a-c]llo", "hbllo")).isTrue();
        assertThat(m("h[c-a]llo", "hbllo")).as("reversed range").isTrue();
        assertThat(m("h[a-c]llo", "hdllo")).isFalse();
        assertThat(m("a\\*b", "a*b")).isTrue();
        assertThat(m("a\\*b", "axb")).isFalse();
        assertThat(m("a\\?", "a?")).isTrue();
        assertThat(m("[\\]]", "]")).isTrue();
        assertThat(m("*a*b", "xaxxbyb")).isTrue();
        assertThat(m("*a*b", "xaxxby")).isFalse();
        assertThat(m("k*[0-9]", "key9")).isTrue();
    }

    @Test
    void patternsThatBlewUpRecursiveMatchersAreLinear() {
        String s = "a".repeat(10_000);
        assertThat(m("a*a*a*a*a*a*a*a*a*a*a*a*b", s)).isFalse();
    }
}
