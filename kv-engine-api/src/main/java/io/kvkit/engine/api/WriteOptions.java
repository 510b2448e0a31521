package io.kvkit.engine.api;

/**
 * How to write.
 *
 * @param sync when true the call returns only once the write is on stable storage (it survives
 *             power loss); when false it survives a process crash ({@code kill -9}) once the
 *             call returns, unless the engine's capabilities say otherwise
 */
public record WriteOptions(boolean sync) {
    public static final WriteOptions DEFAULT = new WriteOptions(false);
    public static final WriteOptions SYNC = new WriteOptions(true);
}
