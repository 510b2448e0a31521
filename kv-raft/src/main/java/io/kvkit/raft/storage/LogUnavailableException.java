package io.kvkit.raft.storage;

/** The requested index lies past the log's last index. */
public final class LogUnavailableException extends RuntimeException {
    public LogUnavailableException(long index, long lastIndex) {
        super("log index " + index + " is past the last index " + lastIndex, null, false, false);
    }
}
