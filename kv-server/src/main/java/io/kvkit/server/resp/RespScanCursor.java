package io.kvkit.server.resp;

import java.util.HexFormat;

/**
 * Where a SCAN continues: a partition and the last key returned from it (null: from the
 * partition's first key). Partitions are scanned in order 0..Q-1, each in key order, so the
 * cursor survives any number of writes and needs no state on the server.
 *
 * <p>Text form: {@code "0"} is the start (and, returned, the end) as in Redis; otherwise
 * {@code <partition>:<last key in lowercase hex>}, e.g. {@code 5:6b6579} (an empty hex part: the
 * start of that partition). Clients treat cursors as opaque strings (Jedis, Lettuce, and
 * redis-cli 7 both interactively and with {@code --scan}); a client that parses cursors as
 * numbers cannot use these.
 */
record RespScanCursor(int partition, byte[] after) {
    static final RespScanCursor START = new RespScanCursor(0, null);
    private static final HexFormat HEX = HexFormat.of();

    /** The cursor text, or null when it is not one this endpoint made for {@code partitionCount} partitions. */
    static RespScanCursor parse(String text, int partitionCount, int maxKeyBytes) {
        if (text.equals("0")) {
            return START;
        }
        int colon = text.indexOf(':');
        if (colon <= 0 || colon > 10) {
            return null;
        }
        int p;
        try {
            p = Integer.parseInt(text, 0, colon, 10);
        } catch (NumberFormatException e) {
            return null;
        }
        String hex = text.substring(colon + 1);
        if (p < 0 || p >= partitionCount || hex.length() % 2 != 0 || hex.length() / 2 > maxKeyBytes) {
            return null;
        }
        try {
            byte[] key = HEX.parseHex(hex);
            return new RespScanCursor(p, key.length == 0 ? null : key);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The cursor to hand out; {@code "0"} at the end. */
    static String format(int partition, byte[] after, int partitionCount) {
        if (partition >= partitionCount) {
            return "0";
        }
        return partition + ":" + (after == null ? "" : HEX.formatHex(after));
    }
}
