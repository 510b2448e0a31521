package io.kvkit.server.endpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;

/**
 * The one way the node's ports report that they cannot listen: an {@link UncheckedIOException}
 * naming the endpoint and the address, whose cause is a {@link BindException} when the port is
 * in use, so that the node can say "port in use" whatever the transport (NIO throws a
 * BindException, epoll a NativeIoException saying the same).
 */
public final class ListenFailure {
    private ListenFailure() {
    }

    /** {@code what} names the endpoint (e.g. "the client endpoint of node 1"), {@code where} is host:port. */
    public static UncheckedIOException of(String what, String where, Exception e) {
        String message = what + " cannot listen on " + where + ": " + e.getMessage();
        if (e instanceof BindException || String.valueOf(e.getMessage()).contains("Address already in use")) {
            BindException named = new BindException(message);
            named.initCause(e);
            return new UncheckedIOException(message + " (is another process using the port?)", named);
        }
        return new UncheckedIOException(message, e instanceof IOException ioe ? ioe : new IOException(e));
    }
}
