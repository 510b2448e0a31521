package io.kvkit.engine.api;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A snapshot of an engine's counters and gauges, for metrics and benchmarks.
 *
 * @param diskBytes   bytes the engine's files take on disk now
 * @param memoryBytes bytes of memory the engine holds (off-heap and on-heap it manages)
 * @param properties  engine-specific figures by name (e.g. {@code "lsm.level0.files"},
 *                    {@code "hash.index.loadFactor"}), sorted by name
 */
public record EngineStats(long diskBytes, long memoryBytes, Map<String, Number> properties) {
    public EngineStats {
        properties = Collections.unmodifiableMap(new TreeMap<>(properties));
    }
}
