package io.kvkit.server.resp;

/**
 * Redis's glob patterns (SCAN MATCH, KEYS) over bytes: {@code *} any run, {@code ?} one byte,
 * {@code [abc]}, {@code [^abc]}, {@code [a-z]} a class, {@code \x} the byte x itself. Matching
 * backtracks only to the last {@code *}, so it is linear in practice and never exponential (the
 * recursive matcher Redis had once blew up on patterns like {@code a*a*a*a*b}).
 */
final class GlobPattern {
    private final byte[] pattern;

    GlobPattern(byte[] pattern) {
        this.pattern = pattern.clone();
    }

    boolean matches(byte[] s) {
        byte[] p = pattern;
        int pi = 0;
        int si = 0;
        int starP = -1;
        int starS = 0;
        while (si < s.length) {
            if (pi < p.length) {
                if (p[pi] == '*') {
                    starP = pi++;
                    starS = si;
                    continue;
                }
                int next = matchOne(p, pi, s[si]);
                if (next >= 0) {
                    pi = next;
                    si++;
                    continue;
                }
            }
            if (starP < 0) {
                return false;
            }
            pi = starP + 1;
            si = ++starS;
        }
        while (pi < p.length && p[pi] == '*') {
            pi++;
        }
        return pi == p.length;
    }

    /** If the token at {@code pi} matches {@code c}: the index after the token; else -1. */
    private static int matchOne(byte[] p, int pi, byte c) {
        byte t = p[pi];
        if (t == '?') {
            return pi + 1;
        }
        if (t == '\\' && pi + 1 < p.length) {
            return p[pi + 1] == c ? pi + 2 : -1;
        }
        if (t != '[') {
            return t == c ? pi + 1 : -1;
        }
        int i = pi + 1;
        boolean not = i < p.length && p[i] == '^';
        if (not) {
            i++;
        }
        boolean match = false;
        int u = c & 0xff;
        // an unterminated class ends with the pattern, as in Redis
        while (i < p.length && p[i] != ']') {
            if (p[i] == '\\' && i + 1 < p.length) {
                match |= (p[i + 1] & 0xff) == u;
                i += 2;
            } else if (i + 2 < p.length && p[i + 1] == '-' && p[i + 2] != ']') {
                int a = p[i] & 0xff;
                int b = p[i + 2] & 0xff;
                match |= u >= Math.min(a, b) && u <= Math.max(a, b);
                i += 3;
            } else {
                match |= (p[i] & 0xff) == u;
                i++;
            }
        }
        int after = i < p.length ? i + 1 : i;
        return match != not ? after : -1;
    }
}
