package io.kvkit.engine.api;

import java.io.IOException;

/** An I/O error from the file system, wrapped unchecked with what the engine was doing. */
public class StorageIOException extends KvException {
    private static final long serialVersionUID = 1L;

    public StorageIOException(String whatFailed, IOException cause) {
        super(whatFailed + ": " + cause, cause);
    }
}
