package io.kvkit.engine.api;

/**
 * The caller passed something the engine does not accept: an empty or oversized key, an
 * oversized value, an unknown option, a snapshot of another engine. The message says what was
 * wrong and what is allowed. Nothing was written.
 */
public class InvalidArgumentException extends KvException {
    private static final long serialVersionUID = 1L;

    public InvalidArgumentException(String message) {
        super(message);
    }
}
