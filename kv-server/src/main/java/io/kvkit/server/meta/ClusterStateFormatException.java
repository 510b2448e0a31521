package io.kvkit.server.meta;

/**
 * An encoded {@link ClusterState} that cannot be read: truncated, damaged (CRC32C mismatch), of
 * an unknown format version, or decoding to a state that breaks the state's own rules. The
 * message says which, and where.
 */
public final class ClusterStateFormatException extends IllegalArgumentException {
    public ClusterStateFormatException(String message) {
        super(message);
    }

    public ClusterStateFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
