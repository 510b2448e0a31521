package io.kvkit.server.meta;

import io.kvkit.client.proto.TableInfo;
import io.kvkit.server.partition.TableName;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One table as the cluster knows it: its name, its engine and the engine's options. The options
 * are kept sorted by key, so that equal definitions compare and encode equal whatever order
 * they were given in.
 */
public record TableRecord(String name, String engine, Map<String, String> options) {

    public TableRecord {
        TableName.checkName(name);
        Objects.requireNonNull(engine, "engine");
        TreeMap<String, String> sorted = new TreeMap<>();
        for (Map.Entry<String, String> e : options.entrySet()) {
            sorted.put(Objects.requireNonNull(e.getKey(), "option key"),
                    Objects.requireNonNull(e.getValue(), () -> "value of option " + e.getKey()));
        }
        options = Collections.unmodifiableSortedMap(sorted);
    }

    /** The client protocol's view of this table. */
    public TableInfo toProto() {
        return TableInfo.newBuilder().setName(name).setEngine(engine).putAllOptions(options).build();
    }

    /** True if {@code engine} and {@code options} define this very table. */
    boolean sameDefinition(String otherEngine, Map<String, String> otherOptions) {
        return engine.equals(otherEngine) && options.equals(otherOptions);
    }

    /** "engine 'lsm' and options {a=b}", for messages. */
    String describe() {
        return "engine '" + engine + "' and options " + options;
    }
}
