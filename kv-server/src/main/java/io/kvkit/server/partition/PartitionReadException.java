package io.kvkit.server.partition;

import io.kvkit.client.proto.StatusCode;

/** A read the replica cannot serve, with the status the server answers and a message naming what was wrong. */
public final class PartitionReadException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final StatusCode code;

    public PartitionReadException(StatusCode code, String message) {
        super(message);
        this.code = code;
    }

    public StatusCode code() {
        return code;
    }
}
