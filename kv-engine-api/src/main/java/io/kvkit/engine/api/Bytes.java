package io.kvkit.engine.api;

import java.util.Arrays;
import java.util.Comparator;

/** Key ordering and display. Keys compare as unsigned bytes, lexicographically (DESIGN.md). */
public final class Bytes {
    /** The one key order of kvkit. */
    public static final Comparator<byte[]> ORDER = Arrays::compareUnsigned;

    private Bytes() {
    }

    /** Unsigned lexicographic comparison. */
    public static int compare(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }

    /** Printable ASCII as is, other bytes as \xNN; long keys cut at 64 bytes. */
    public static String toDisplay(byte[] b) {
        if (b == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder();
        int n = Math.min(b.length, 64);
        for (int i = 0; i < n; i++) {
            int c = b[i] & 0xFF;
            if (c >= 0x20 && c < 0x7F && c != '\\') {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\x%02x", c));
            }
        }
        if (b.length > n) {
            sb.append("...(").append(b.length).append(" bytes)");
        }
        return sb.toString();
    }
}
