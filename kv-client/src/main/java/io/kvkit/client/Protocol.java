package io.kvkit.client;

/** Constants of the wire protocol (kvkit.proto, package kvkit.client.v1). */
public final class Protocol {
    /** The protocol version this code speaks, sent and checked in the handshake. */
    public static final int VERSION = 1;
    /** The table a request without a table name addresses; it always exists. */
    public static final String DEFAULT_TABLE = "default";
    /** The engines a table can use. */
    public static final java.util.List<String> ENGINES = java.util.List.of("lsm", "hash", "bplustree");

    private Protocol() {}
}
