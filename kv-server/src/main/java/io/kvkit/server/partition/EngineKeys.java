package io.kvkit.server.partition;

import io.kvkit.engine.api.KeyRange;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The key space inside every engine of a replica: user key {@code k} is stored as
 * {@code 0x01 | k}; the replica's own records live under {@code 0x00 | name}, so they can never
 * collide with user data and ride in the same engine batch as the data they describe. A user
 * range maps to the same range under {@code 0x01}, so ordered scans keep their order.
 */
final class EngineKeys {

    static final byte META = 0x00;
    static final byte DATA = 0x01;

    /** The last log index whose effects this engine holds (u64 big-endian). */
    static final byte[] APPLIED_INDEX = meta("applied");
    /** System store only: the table catalog. */
    static final byte[] CATALOG = meta("catalog");
    /** System store only: the session table as of a base ordinal (u64 ordinal | SessionTable bytes). */
    static final byte[] SESSION_BASE = meta("sessions");

    private EngineKeys() {
    }

    static byte[] meta(String name) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        byte[] k = new byte[n.length + 1];
        k[0] = META;
        System.arraycopy(n, 0, k, 1, n.length);
        return k;
    }

    /** Slot {@code slot} of the session journal ring. */
    static byte[] journalSlot(int slot) {
        return ByteBuffer.allocate(2 + 4).put(META).put((byte) 'j').putInt(slot).array();
    }

    static byte[] data(byte[] userKey) {
        byte[] k = new byte[userKey.length + 1];
        k[0] = DATA;
        System.arraycopy(userKey, 0, k, 1, userKey.length);
        return k;
    }

    static byte[] user(byte[] engineKey) {
        byte[] k = new byte[engineKey.length - 1];
        System.arraycopy(engineKey, 1, k, 0, k.length);
        return k;
    }

    /** The engine range of user range [start, end); an empty bound means unbounded. */
    static KeyRange dataRange(byte[] start, byte[] end) {
        byte[] s = data(start);
        byte[] e = end.length == 0 ? new byte[] {DATA + 1} : data(end);
        return KeyRange.of(s, e);
    }

    static byte[] u64(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    static long u64(byte[] b) {
        if (b.length != 8) {
            throw new IllegalStateException("a u64 record of " + b.length + " bytes (expected 8): the replica's store is damaged");
        }
        return ByteBuffer.wrap(b).getLong();
    }
}
