package io.kvkit.engine.api;

/**
 * How to read: from the latest state, or from a {@link Snapshot}.
 *
 * @param snapshot the point in time to read at; null reads the latest committed state
 */
public record ReadOptions(Snapshot snapshot) {
    public static final ReadOptions DEFAULT = new ReadOptions(null);

    public static ReadOptions at(Snapshot snapshot) {
        if (snapshot == null) {
            throw new InvalidArgumentException("snapshot must not be null; use ReadOptions.DEFAULT for the latest state");
        }
        return new ReadOptions(snapshot);
    }
}
