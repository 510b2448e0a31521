package io.kvkit.client;

/** Constants of the wire protocol (kvkit.proto, package kvkit.client.v1). */
public final class Protocol {
    /** The protocol version this code speaks, sent and checked in the handshake. */
    public static final int VERSION = 1;
    /** The table a request without a table name addresses; it always exists. */
    public static final String DEFAULT_TABLE = "default";
    /** The engines a table can use. */
    public static final java.util.List<String> ENGINES = java.util.List.of("lsm", "hash", "bplustree");

    /** Longest table name, in characters. */
    public static final int MAX_TABLE_NAME_LENGTH = 128;

    private Protocol() {}

    /**
     * Table names: 1 to 128 characters of {@code [A-Za-z0-9_.-]}, so they are safe as directory
     * and metric names on the server.
     */
    public static void checkTableName(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_TABLE_NAME_LENGTH
                || !name.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                        || c == '_' || c == '.' || c == '-')) {
            throw new KvException(KvStatus.INVALID_ARGUMENT, "table name '" + name + "' is not 1 to " + MAX_TABLE_NAME_LENGTH
                    + " characters of [A-Za-z0-9_.-]");
        }
    }
}
