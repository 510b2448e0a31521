package io.kvkit.engine.api;

/** An operation on an engine, cursor or snapshot that has been closed. */
public class EngineClosedException extends KvException {
    private static final long serialVersionUID = 1L;

    public EngineClosedException(String message) {
        super(message);
    }
}
