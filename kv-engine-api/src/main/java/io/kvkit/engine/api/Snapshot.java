package io.kvkit.engine.api;

/**
 * A point-in-time view of an engine: reads through {@link ReadOptions#at(Snapshot)} see exactly
 * the writes acknowledged before the snapshot was taken. Holding a snapshot keeps the data it
 * can see alive (old versions, old pages, old log segments), so close it when done. Using a
 * closed snapshot is an error.
 */
public interface Snapshot extends AutoCloseable {
    /** The engine's sequence number (or equivalent) the snapshot reads at; for diagnostics. */
    long sequence();

    @Override
    void close();
}
