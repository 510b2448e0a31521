package io.kvkit.engine.api;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything needed to open an engine: its directory, the key and value limits, and its own
 * options by name (parsed by the engine against its {@link OptionSpec}s).
 *
 * <pre>{@code
 * EngineConfig config = EngineConfig.builder(dir).maxValueBytes(1 << 20).option("blockSizeBytes", "8KiB").build();
 * try (StorageEngine db = StorageEngines.open("lsm", config)) { ... }
 * }</pre>
 *
 * {@link #fromMap} takes the same from a flat string map (config files, YCSB properties), where
 * the keys {@value #MAX_KEY_BYTES} and {@value #MAX_VALUE_BYTES} set the limits and every
 * other key is an engine option.
 */
public final class EngineConfig {
    public static final String MAX_KEY_BYTES = "maxKeyBytes";
    public static final String MAX_VALUE_BYTES = "maxValueBytes";

    private final Path directory;
    private final KeyValueLimits limits;
    private final Map<String, String> engineOptions;

    private EngineConfig(Path directory, KeyValueLimits limits, Map<String, String> engineOptions) {
        if (directory == null) {
            throw new InvalidArgumentException("an engine needs a directory");
        }
        this.directory = directory;
        this.limits = limits;
        this.engineOptions = Collections.unmodifiableMap(new LinkedHashMap<>(engineOptions));
    }

    public static Builder builder(Path directory) {
        return new Builder(directory);
    }

    /** A config with default limits and no engine options. */
    public static EngineConfig of(Path directory) {
        return builder(directory).build();
    }

    /** Reads limits and engine options from a flat map of strings. */
    public static EngineConfig fromMap(Path directory, Map<String, String> settings) {
        Builder b = builder(directory);
        for (Map.Entry<String, String> e : settings.entrySet()) {
            switch (e.getKey()) {
                case MAX_KEY_BYTES -> b.maxKeyBytes(OptionSpec.ofInt(MAX_KEY_BYTES, KeyValueLimits.DEFAULT_MAX_KEY_BYTES, 1,
                        KeyValueLimits.CEILING_MAX_KEY_BYTES, "largest key").parse(e.getValue()));
                case MAX_VALUE_BYTES -> b.maxValueBytes(OptionSpec.ofInt(MAX_VALUE_BYTES, KeyValueLimits.DEFAULT_MAX_VALUE_BYTES, 0,
                        KeyValueLimits.CEILING_MAX_VALUE_BYTES, "largest value").parse(e.getValue()));
                default -> b.option(e.getKey(), e.getValue());
            }
        }
        return b.build();
    }

    public Path directory() {
        return directory;
    }

    public KeyValueLimits limits() {
        return limits;
    }

    /** Engine-specific options, unparsed; see {@link OptionValues#parse}. */
    public Map<String, String> engineOptions() {
        return engineOptions;
    }

    /** The same settings for another directory (used to open a checkpoint). */
    public EngineConfig withDirectory(Path other) {
        return new EngineConfig(other, limits, engineOptions);
    }

    @Override
    public String toString() {
        return "EngineConfig{dir=" + directory + ", " + limits + ", options=" + engineOptions + "}";
    }

    public static final class Builder {
        private final Path directory;
        private int maxKeyBytes = KeyValueLimits.DEFAULT_MAX_KEY_BYTES;
        private int maxValueBytes = KeyValueLimits.DEFAULT_MAX_VALUE_BYTES;
        private final Map<String, String> options = new LinkedHashMap<>();

        private Builder(Path directory) {
            this.directory = directory;
        }

        public Builder maxKeyBytes(int v) {
            this.maxKeyBytes = v;
            return this;
        }

        public Builder maxValueBytes(int v) {
            this.maxValueBytes = v;
            return this;
        }

        public Builder option(String key, String value) {
            options.put(key, value);
            return this;
        }

        public Builder options(Map<String, String> more) {
            options.putAll(more);
            return this;
        }

        public EngineConfig build() {
            return new EngineConfig(directory, new KeyValueLimits(maxKeyBytes, maxValueBytes), options);
        }
    }
}
