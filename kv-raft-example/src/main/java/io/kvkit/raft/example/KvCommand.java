package io.kvkit.raft.example;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A write as it travels through the Raft log: {@code op u8 | key length u16 | key | value}.
 * Only writes go through the log; reads are served by the state machine after a read index.
 */
record KvCommand(Op op, byte[] key, byte[] value) {

    enum Op { PUT, DELETE }

    static final int MAX_KEY_BYTES = 0xFFFF;

    KvCommand {
        if (key.length == 0 || key.length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("key must be 1.." + MAX_KEY_BYTES + " bytes, got " + key.length);
        }
    }

    byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(3 + key.length + value.length);
        b.put((byte) op.ordinal()).putShort((short) key.length).put(key).put(value);
        return b.array();
    }

    static KvCommand decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        Op op = Op.values()[b.get()];
        byte[] key = new byte[Short.toUnsignedInt(b.getShort())];
        b.get(key);
        return new KvCommand(op, key, Arrays.copyOfRange(bytes, b.position(), bytes.length));
    }
}
