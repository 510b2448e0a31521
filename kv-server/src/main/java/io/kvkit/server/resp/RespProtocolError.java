package io.kvkit.server.resp;

/**
 * What the {@link RespDecoder} emits instead of a command when the input is not RESP it accepts:
 * the connection answers {@code -ERR Protocol error: <what>} after the replies it owes, and closes.
 */
record RespProtocolError(String what) {
}
