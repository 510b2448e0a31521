package io.kvkit.engine.hash;

import java.util.Arrays;

/** A key as a map key (by content). */
record KeyBytes(byte[] bytes) {
    @Override
    public boolean equals(Object o) {
        return o instanceof KeyBytes k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return io.kvkit.engine.api.Bytes.toDisplay(bytes);
    }
}
