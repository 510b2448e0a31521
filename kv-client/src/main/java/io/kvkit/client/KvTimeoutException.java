package io.kvkit.client;

/**
 * The call's deadline passed before a definitive answer. A write may or may not have applied
 * (its last attempt may still be in a Raft log): treat its outcome as unknown.
 */
public final class KvTimeoutException extends KvException {
    public KvTimeoutException(String message) {
        super(KvStatus.TIMEOUT, message);
    }

    public KvTimeoutException(String message, Throwable lastFailure) {
        super(KvStatus.TIMEOUT, message, lastFailure);
    }
}
