package io.kvkit.raft.runtime;

/** A read or leadership transfer did not complete within {@code RaftNodeConfig.requestTimeout}. */
public final class RaftTimeoutException extends RuntimeException {
    public RaftTimeoutException(String what) {
        super(what, null, false, false);
    }
}
