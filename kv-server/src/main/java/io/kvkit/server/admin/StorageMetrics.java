package io.kvkit.server.admin;

import io.kvkit.engine.api.EngineStats;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The storage engines' figures ({@link EngineStats}), one set per engine instance, labelled with
 * its partition, table and engine name. Engine-specific properties (e.g.
 * {@code lsm.level0.files}) are all gauges of one family, {@code kvkit_engine_property}, with the
 * property's name as a label: their names are the engines' to choose, and a label keeps them
 * apart whatever characters they hold.
 */
public final class StorageMetrics {
    private StorageMetrics() {
    }

    /** One engine instance: a table's engine in one partition replica (the system store: table {@code "_system"}). */
    public record EngineSample(int partition, String table, String engine, EngineStats stats) {
        public EngineSample {
            Objects.requireNonNull(table, "table");
            Objects.requireNonNull(engine, "engine");
            Objects.requireNonNull(stats, "stats");
        }
    }

    public static void writeTo(MetricsWriter w, List<EngineSample> engines) {
        for (EngineSample e : engines) {
            Map<String, String> l = Map.of("partition", Integer.toString(e.partition()), "table", e.table(), "engine", e.engine());
            w.gauge("kvkit_engine_disk_bytes", "Bytes the engine's files take on disk.", l, e.stats().diskBytes());
            w.gauge("kvkit_engine_memory_bytes", "Memory the engine holds, off-heap and on-heap.", l, e.stats().memoryBytes());
        }
        for (EngineSample e : engines) {
            e.stats().properties().forEach((name, value) -> {
                Map<String, String> l = new HashMap<>(Map.of("partition", Integer.toString(e.partition()), "table", e.table(),
                        "engine", e.engine()));
                l.put("property", name);
                w.gauge("kvkit_engine_property", "An engine-specific figure, named by the property label.", l, value.doubleValue());
            });
        }
    }
}
