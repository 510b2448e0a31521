package io.kvkit.ycsb;

/** A stored value is not a record this binding can read: wrong format version, or lengths that do not add up. */
public final class RecordFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RecordFormatException(String message) {
        super(message);
    }
}
