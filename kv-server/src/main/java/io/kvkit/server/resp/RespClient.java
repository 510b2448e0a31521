package io.kvkit.server.resp;

import io.netty.channel.EventLoop;

/**
 * One RESP connection as its commands see it: the CLIENT ID, the name set by CLIENT SETNAME or
 * HELLO, the exactly-once session of its writes, and its event loop (every call to the node's
 * request handler and every retry timer runs there).
 */
final class RespClient {
    final long id;
    final EventLoop loop;
    /** Replaced by a fresh one when a partition has forgotten it (SESSION_EXPIRED); on the loop only. */
    RespSession session;
    volatile String name;
    volatile boolean closed;

    RespClient(long id, EventLoop loop, RespSession session) {
        this.id = id;
        this.loop = loop;
        this.session = session;
    }
}
