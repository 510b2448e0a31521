package io.kvkit.engine.api;

/**
 * The engine hit an error after which it cannot vouch for durability (typically a failed
 * fsync: the kernel may have dropped the dirty pages, so a later successful fsync would prove
 * nothing) and refuses further writes. Reopen the engine to recover from what is on disk.
 */
public class EngineHaltedException extends KvException {
    private static final long serialVersionUID = 1L;

    public EngineHaltedException(String message, Throwable cause) {
        super(message, cause);
    }
}
