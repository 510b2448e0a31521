package io.kvkit.client;

import io.kvkit.client.proto.StatusCode;

/** The outcome of a request, as the protocol's {@code StatusCode} says it (see kvkit.proto). */
public enum KvStatus {
    OK(StatusCode.OK),
    INVALID_ARGUMENT(StatusCode.INVALID_ARGUMENT),
    NOT_FOUND(StatusCode.NOT_FOUND),
    NOT_LEADER(StatusCode.NOT_LEADER),
    WRONG_EPOCH(StatusCode.WRONG_EPOCH),
    TIMEOUT(StatusCode.TIMEOUT),
    UNAVAILABLE(StatusCode.UNAVAILABLE),
    UNSUPPORTED(StatusCode.UNSUPPORTED),
    SESSION_EXPIRED(StatusCode.SESSION_EXPIRED),
    INTERNAL(StatusCode.INTERNAL),
    ALREADY_EXISTS(StatusCode.ALREADY_EXISTS);

    private final StatusCode wire;

    KvStatus(StatusCode wire) {
        this.wire = wire;
    }

    public StatusCode toWire() {
        return wire;
    }

    /** The status of a wire code; unspecified or unknown codes (a newer or broken peer) are INTERNAL. */
    public static KvStatus fromWire(StatusCode code) {
        return switch (code) {
            case OK -> OK;
            case INVALID_ARGUMENT -> INVALID_ARGUMENT;
            case NOT_FOUND -> NOT_FOUND;
            case NOT_LEADER -> NOT_LEADER;
            case WRONG_EPOCH -> WRONG_EPOCH;
            case TIMEOUT -> TIMEOUT;
            case UNAVAILABLE -> UNAVAILABLE;
            case UNSUPPORTED -> UNSUPPORTED;
            case SESSION_EXPIRED -> SESSION_EXPIRED;
            case INTERNAL -> INTERNAL;
            case ALREADY_EXISTS -> ALREADY_EXISTS;
            case STATUS_UNSPECIFIED, UNRECOGNIZED -> INTERNAL;
        };
    }
}
