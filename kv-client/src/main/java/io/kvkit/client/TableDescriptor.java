package io.kvkit.client;

import io.kvkit.client.proto.TableInfo;

import java.util.Map;

/**
 * A table: its name, its engine ("lsm", "hash" or "bplustree") and the engine's options.
 */
public record TableDescriptor(String name, String engine, Map<String, String> options) {
    public TableDescriptor {
        options = Map.copyOf(options);
    }

    static TableDescriptor fromWire(TableInfo t) {
        return new TableDescriptor(t.getName(), t.getEngine(), t.getOptionsMap());
    }

    /** Whether the engine keeps keys ordered, so that the table can be scanned (hash cannot). */
    public boolean canScan() {
        return !engine.equals("hash");
    }
}
