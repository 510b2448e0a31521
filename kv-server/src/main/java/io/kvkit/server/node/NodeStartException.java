package io.kvkit.server.node;

/**
 * A node could not start, for a reason the operator can fix: a port in use, a data directory it
 * cannot write, a data directory that belongs to another node or cluster. The message says what
 * and where; the process prints it and exits non-zero.
 */
public final class NodeStartException extends RuntimeException {
    public NodeStartException(String message) {
        super(message);
    }

    public NodeStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
