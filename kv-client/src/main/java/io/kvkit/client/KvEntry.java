package io.kvkit.client;

import java.util.Arrays;
import java.util.HexFormat;

/** A key and its value (empty in a keys-only scan). The arrays are not copied: do not change them. */
public record KvEntry(byte[] key, byte[] value) {
    @Override
    public boolean equals(Object o) {
        return o instanceof KvEntry e && Arrays.equals(key, e.key) && Arrays.equals(value, e.value);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(key) + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "KvEntry{key=" + HexFormat.of().formatHex(key) + ", value=" + value.length + " bytes}";
    }
}
