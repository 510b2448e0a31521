package io.kvkit.engine.api;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Engine-specific options parsed against the engine's {@link OptionSpec}s: unknown keys and bad
 * values are rejected with a message that lists what is allowed; keys not given take their
 * defaults.
 */
public final class OptionValues {
    private final Map<String, Object> values = new HashMap<>();

    private OptionValues() {
    }

    /**
     * Parses {@code raw} (key → text) for engine {@code engine}.
     *
     * @throws InvalidArgumentException on an unknown key or a bad value
     */
    public static OptionValues parse(String engine, List<OptionSpec<?>> specs, Map<String, String> raw) {
        OptionValues parsed = new OptionValues();
        Map<String, OptionSpec<?>> byKey = new HashMap<>();
        for (OptionSpec<?> spec : specs) {
            byKey.put(spec.key(), spec);
            parsed.values.put(spec.key(), spec.defaultValue());
        }
        for (Map.Entry<String, String> e : raw.entrySet()) {
            OptionSpec<?> spec = byKey.get(e.getKey());
            if (spec == null) {
                throw new InvalidArgumentException("engine '" + engine + "' has no option '" + e.getKey() + "'; its options are: "
                        + (byKey.isEmpty() ? "(none)" : String.join(", ", new TreeSet<>(byKey.keySet()))));
            }
            parsed.values.put(spec.key(), spec.parse(e.getValue()));
        }
        return parsed;
    }

    /** The value of an option (its default if it was not given). */
    @SuppressWarnings("unchecked")
    public <T> T get(OptionSpec<T> spec) {
        if (!values.containsKey(spec.key())) {
            throw new IllegalArgumentException("option " + spec.key() + " was not among the specs parsed");
        }
        return (T) values.get(spec.key());
    }
}
