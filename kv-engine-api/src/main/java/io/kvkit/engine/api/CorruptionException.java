package io.kvkit.engine.api;

import java.nio.file.Path;

/**
 * Persistent data failed a check (checksum, magic, format version, structure). Names the file
 * and the byte offset so that an operator can find the damage. Corruption is never silent: an
 * engine raises this instead of returning data it cannot vouch for.
 */
public class CorruptionException extends KvException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long offset;

    public CorruptionException(Path file, long offset, String what) {
        super("corruption in " + file + " at offset " + offset + ": " + what);
        this.file = file;
        this.offset = offset;
    }

    public CorruptionException(Path file, long offset, String what, Throwable cause) {
        super("corruption in " + file + " at offset " + offset + ": " + what, cause);
        this.file = file;
        this.offset = offset;
    }

    /** The damaged file. */
    public Path file() {
        return file;
    }

    /** Byte offset in {@link #file()} of the record, block or page that failed its check. */
    public long offset() {
        return offset;
    }
}
