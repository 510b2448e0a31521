package io.kvkit.bench.store;

import java.util.Arrays;

/** A byte[] with content equality, as a hash-map key. */
final class BytesKey {
    private final byte[] bytes;
    private final int hash;

    BytesKey(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BytesKey k && hash == k.hash && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
