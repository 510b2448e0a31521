package io.kvkit.raft;

import java.nio.charset.StandardCharsets;

/** Rendering of byte payloads in traces and error messages. */
final class Texts {
    private Texts() {
    }

    static String printable(byte[] data) {
        boolean text = true;
        for (byte b : data) {
            if (b < 0x20 || b > 0x7e) {
                text = false;
                break;
            }
        }
        if (text) {
            return "\"" + new String(data, StandardCharsets.US_ASCII) + "\"";
        }
        StringBuilder sb = new StringBuilder("0x");
        for (int i = 0; i < Math.min(data.length, 16); i++) {
            sb.append(String.format("%02x", data[i]));
        }
        if (data.length > 16) {
            sb.append("...(").append(data.length).append(" bytes)");
        }
        return sb.toString();
    }
}
