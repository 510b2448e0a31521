package io.kvkit.engine.api;

/**
 * Iterates key-value pairs. A cursor reads from the point in time it was opened (or from its
 * snapshot): writes after that are not seen. Use as
 * <pre>{@code
 * try (Cursor c = engine.scan(KeyRange.prefix(p))) {
 *     while (c.next()) { use(c.key(), c.value()); }
 * }
 * }</pre>
 * Not thread-safe: one cursor belongs to one thread. An open cursor pins resources; close it.
 */
public interface Cursor extends AutoCloseable {
    /** Advances to the next pair; false when there is none (and from then on). */
    boolean next();

    /** The current key; valid after {@link #next()} returned true. The array is the caller's. */
    byte[] key();

    /** The current value; valid after {@link #next()} returned true. The array is the caller's. */
    byte[] value();

    @Override
    void close();
}
