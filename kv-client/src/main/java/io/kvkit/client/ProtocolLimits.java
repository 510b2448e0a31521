package io.kvkit.client;

import io.kvkit.client.proto.ServerLimits;

/**
 * The size limits of the protocol. A server announces its own in {@code HelloResponse}; until a
 * client has heard them it assumes {@link #defaults()}.
 *
 * @param maxKeyBytes        largest key (keys are never empty)
 * @param maxValueBytes      largest value
 * @param maxFrameBytes      largest frame body in either direction; must leave room for a
 *                           value of {@code maxValueBytes} plus a key and the envelope
 * @param maxBatchOperations most operations in one batch, most keys in one multi-get request
 * @param maxScanLimit       most entries in one scan response
 */
public record ProtocolLimits(int maxKeyBytes, int maxValueBytes, int maxFrameBytes, int maxBatchOperations, int maxScanLimit) {
    public static final int DEFAULT_MAX_KEY_BYTES = 16 * 1024;
    public static final int DEFAULT_MAX_VALUE_BYTES = 4 * 1024 * 1024;
    /** The largest value plus 1 MiB for its key and the envelope. */
    public static final int DEFAULT_MAX_FRAME_BYTES = DEFAULT_MAX_VALUE_BYTES + 1024 * 1024;
    public static final int DEFAULT_MAX_BATCH_OPERATIONS = 10_000;
    public static final int DEFAULT_MAX_SCAN_LIMIT = 10_000;

    public ProtocolLimits {
        positive("maxKeyBytes", maxKeyBytes);
        positive("maxValueBytes", maxValueBytes);
        positive("maxFrameBytes", maxFrameBytes);
        positive("maxBatchOperations", maxBatchOperations);
        positive("maxScanLimit", maxScanLimit);
        if ((long) maxKeyBytes + maxValueBytes + 64 > maxFrameBytes) {
            throw new IllegalArgumentException("maxFrameBytes=" + maxFrameBytes + " leaves no room for a key of maxKeyBytes="
                    + maxKeyBytes + " and a value of maxValueBytes=" + maxValueBytes + " plus 64 bytes of envelope");
        }
    }

    private static void positive(String name, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + v);
        }
    }

    public static ProtocolLimits defaults() {
        return new ProtocolLimits(DEFAULT_MAX_KEY_BYTES, DEFAULT_MAX_VALUE_BYTES, DEFAULT_MAX_FRAME_BYTES,
                DEFAULT_MAX_BATCH_OPERATIONS, DEFAULT_MAX_SCAN_LIMIT);
    }

    public ServerLimits toWire() {
        return ServerLimits.newBuilder().setMaxKeyBytes(maxKeyBytes).setMaxValueBytes(maxValueBytes)
                .setMaxFrameBytes(maxFrameBytes).setMaxBatchOperations(maxBatchOperations).setMaxScanLimit(maxScanLimit).build();
    }

    /** The limits a server announced; a field it left at 0 keeps this client's value. */
    public ProtocolLimits mergedWith(ServerLimits wire) {
        try {
            return new ProtocolLimits(
                    wire.getMaxKeyBytes() == 0 ? maxKeyBytes : wire.getMaxKeyBytes(),
                    wire.getMaxValueBytes() == 0 ? maxValueBytes : wire.getMaxValueBytes(),
                    wire.getMaxFrameBytes() == 0 ? maxFrameBytes : wire.getMaxFrameBytes(),
                    wire.getMaxBatchOperations() == 0 ? maxBatchOperations : wire.getMaxBatchOperations(),
                    wire.getMaxScanLimit() == 0 ? maxScanLimit : wire.getMaxScanLimit());
        } catch (IllegalArgumentException e) {
            throw new KvProtocolException("the server announced inconsistent limits: " + e.getMessage());
        }
    }

    /** Checks a key: not empty, at most {@link #maxKeyBytes}. */
    public void checkKey(String what, byte[] key) {
        if (key == null || key.length == 0) {
            throw new KvException(KvStatus.INVALID_ARGUMENT, what + " must not be empty (allowed: 1 to max_key_bytes="
                    + maxKeyBytes + " bytes)");
        }
        if (key.length > maxKeyBytes) {
            throw new KvException(KvStatus.INVALID_ARGUMENT, what + " of " + key.length + " bytes exceeds max_key_bytes="
                    + maxKeyBytes);
        }
    }

    /** Checks a value: not null, at most {@link #maxValueBytes} (empty values are allowed). */
    public void checkValue(String what, byte[] value) {
        if (value == null) {
            throw new KvException(KvStatus.INVALID_ARGUMENT, what + " must not be null (allowed: 0 to max_value_bytes="
                    + maxValueBytes + " bytes)");
        }
        if (value.length > maxValueBytes) {
            throw new KvException(KvStatus.INVALID_ARGUMENT, what + " of " + value.length + " bytes exceeds max_value_bytes="
                    + maxValueBytes);
        }
    }
}
