package io.kvkit.engine.api;

/**
 * The size limits every engine enforces before it writes anything (DESIGN.md: key ≤ 16 KiB,
 * value ≤ 4 MiB by default, both configurable). A violation is an
 * {@link InvalidArgumentException} naming the limit; the engine's state is unchanged.
 *
 * @param maxKeyBytes   largest accepted key, in bytes (keys must also be non-empty)
 * @param maxValueBytes largest accepted value, in bytes (empty values are fine)
 */
public record KeyValueLimits(int maxKeyBytes, int maxValueBytes) {
    public static final int DEFAULT_MAX_KEY_BYTES = 16 * 1024;
    public static final int DEFAULT_MAX_VALUE_BYTES = 4 * 1024 * 1024;
    /** Hard ceilings: engines encode lengths in their formats, and these keep every format simple. */
    public static final int CEILING_MAX_KEY_BYTES = 64 * 1024;
    public static final int CEILING_MAX_VALUE_BYTES = 256 * 1024 * 1024;

    public static final KeyValueLimits DEFAULT = new KeyValueLimits(DEFAULT_MAX_KEY_BYTES, DEFAULT_MAX_VALUE_BYTES);

    public KeyValueLimits {
        if (maxKeyBytes < 1 || maxKeyBytes > CEILING_MAX_KEY_BYTES) {
            throw new InvalidArgumentException("maxKeyBytes=" + maxKeyBytes + " is out of range; allowed: 1.."
                    + CEILING_MAX_KEY_BYTES);
        }
        if (maxValueBytes < 0 || maxValueBytes > CEILING_MAX_VALUE_BYTES) {
            throw new InvalidArgumentException("maxValueBytes=" + maxValueBytes + " is out of range; allowed: 0.."
                    + CEILING_MAX_VALUE_BYTES);
        }
    }

    /** Checks a key for a read or a delete. */
    public void checkKey(byte[] key) {
        if (key == null) {
            throw new InvalidArgumentException("key must not be null");
        }
        if (key.length == 0) {
            throw new InvalidArgumentException("empty keys are not allowed; a key is 1.." + maxKeyBytes + " bytes");
        }
        if (key.length > maxKeyBytes) {
            throw new InvalidArgumentException("key is " + key.length + " bytes; the limit is " + maxKeyBytes
                    + " bytes (maxKeyBytes)");
        }
    }

    /** Checks a key and value for a put. */
    public void checkPut(byte[] key, byte[] value) {
        checkKey(key);
        if (value == null) {
            throw new InvalidArgumentException("value must not be null (use delete to remove a key)");
        }
        if (value.length > maxValueBytes) {
            throw new InvalidArgumentException("value is " + value.length + " bytes; the limit is " + maxValueBytes
                    + " bytes (maxValueBytes)");
        }
    }

    /** Checks every operation of a batch, so that a bad one rejects the batch before anything is written. */
    public void checkBatch(WriteBatch batch) {
        if (batch == null) {
            throw new InvalidArgumentException("batch must not be null");
        }
        for (int i = 0; i < batch.size(); i++) {
            byte[] value = batch.valueAt(i);
            try {
                if (value == null) {
                    checkKey(batch.keyAt(i));
                } else {
                    checkPut(batch.keyAt(i), value);
                }
            } catch (InvalidArgumentException e) {
                throw new InvalidArgumentException("batch operation " + i + " of " + batch.size() + ": "
                        + e.getMessage() + "; nothing of the batch was written");
            }
        }
    }
}
