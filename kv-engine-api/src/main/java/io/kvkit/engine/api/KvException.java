package io.kvkit.engine.api;

/**
 * Root of every error an engine raises. Unchecked, as storage errors are rarely recoverable at
 * the call site; callers that care catch the specific subclasses.
 */
public class KvException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public KvException(String message) {
        super(message);
    }

    public KvException(String message, Throwable cause) {
        super(message, cause);
    }
}
