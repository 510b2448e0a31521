package io.kvkit.client;

/**
 * The outcome of a compare-and-set. A mismatch is not an error: {@code succeeded} is false and
 * {@code currentValue} is what the key held (null if absent).
 *
 * @param succeeded    whether the expectation held and the new state was written
 * @param currentValue the key's value before the operation, null if it was absent
 */
public record CasResult(boolean succeeded, byte[] currentValue) {}
