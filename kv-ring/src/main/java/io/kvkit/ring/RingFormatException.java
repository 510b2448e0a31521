package io.kvkit.ring;

/** A ring encoding that cannot be decoded: the message says what was wrong and where. */
public final class RingFormatException extends IllegalArgumentException {
    public RingFormatException(String message) {
        super(message);
    }
}
