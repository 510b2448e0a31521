package io.kvkit.client;

/**
 * A request failed with {@link #status()}; the message says what was wrong (and for limits,
 * what is allowed). Thrown by the synchronous API and completing the futures of the
 * asynchronous one.
 */
public class KvException extends RuntimeException {
    private final KvStatus status;

    public KvException(KvStatus status, String message) {
        super(status + ": " + message);
        this.status = status;
    }

    public KvException(KvStatus status, String message, Throwable cause) {
        super(status + ": " + message, cause);
        this.status = status;
    }

    public KvStatus status() {
        return status;
    }
}
