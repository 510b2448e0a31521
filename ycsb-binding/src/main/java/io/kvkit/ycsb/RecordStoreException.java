package io.kvkit.ycsb;

import java.util.Objects;

/**
 * A {@link RecordStore} operation failed in a way the store can classify, so that
 * {@link RecordStoreDB} answers YCSB with the status that says what happened rather than a bare
 * ERROR. Stores throw it only when they know the kind; anything else they throw is an ERROR.
 */
public final class RecordStoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What kind of failure; {@link RecordStoreDB} maps each to one YCSB status. */
    public enum Kind {
        /**
         * The store could not answer in time or had no one to answer (a deadline passed, no quorum,
         * nodes unreachable): YCSB's SERVICE_UNAVAILABLE. A write's outcome is unknown.
         */
        UNAVAILABLE,
        /** The store cannot do this operation here (a scan of an unordered table): YCSB's NOT_IMPLEMENTED. */
        UNSUPPORTED,
        /** The request itself was refused (a key or value over a limit): YCSB's BAD_REQUEST. Nothing was written. */
        REFUSED,
        /** Anything else (a missing table, a server error, a lost race retried too often): YCSB's ERROR. */
        FAILED
    }

    private final Kind kind;

    public RecordStoreException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public Kind kind() {
        return kind;
    }
}
