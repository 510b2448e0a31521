package io.kvkit.server.cli;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Keys and values as the CLI reads and prints them: UTF-8 text, or hex with {@code --hex}.
 * Printed text is one line per item whatever the bytes hold: control characters, backslashes and
 * bytes that are not UTF-8 are escaped ({@code \n}, {@code \\}, {@code \xff}), as redis-cli does.
 */
final class ByteText {
    private static final HexFormat HEX = HexFormat.of();

    private ByteText() {
    }

    /** The bytes an argument stands for; {@code what} names it in the error ("key", "--start"). */
    static byte[] parse(String arg, boolean hex, String what) {
        if (!hex) {
            return arg.getBytes(StandardCharsets.UTF_8);
        }
        String digits = arg.startsWith("0x") || arg.startsWith("0X") ? arg.substring(2) : arg;
        if (digits.length() % 2 != 0) {
            throw new IllegalArgumentException(what + " '" + arg + "' is not hex: odd number of digits ("
                    + digits.length() + "); allowed: pairs of 0-9a-f, optionally after 0x");
        }
        for (int i = 0; i < digits.length(); i++) {
            if (Character.digit(digits.charAt(i), 16) < 0) {
                throw new IllegalArgumentException(what + " '" + arg + "' is not hex: '" + digits.charAt(i) + "' at position "
                        + (i + 1) + "; allowed: pairs of 0-9a-f, optionally after 0x");
            }
        }
        return HEX.parseHex(digits);
    }

    /** How the CLI prints bytes: hex, or UTF-8 with escapes. */
    static String format(byte[] bytes, boolean hex) {
        if (hex) {
            return HEX.formatHex(bytes);
        }
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            StringBuilder sb = new StringBuilder(chars.length());
            chars.chars().forEach(c -> escapeChar(sb, (char) c));
            return sb.toString();
        } catch (CharacterCodingException notUtf8) {
            StringBuilder sb = new StringBuilder(bytes.length * 2);
            for (byte b : bytes) {
                int u = b & 0xff;
                if (u >= 0x80) {
                    sb.append(String.format("\\x%02x", u));
                } else {
                    escapeChar(sb, (char) u);
                }
            }
            return sb.toString();
        }
    }

    private static void escapeChar(StringBuilder sb, char c) {
        switch (c) {
            case '\\' -> sb.append("\\\\");
            case '\n' -> sb.append("\\n");
            case '\r' -> sb.append("\\r");
            case '\t' -> sb.append("\\t");
            default -> {
                if (c < 0x20 || c == 0x7f) {
                    sb.append(String.format("\\x%02x", (int) c));
                } else {
                    sb.append(c);
                }
            }
        }
    }
}
