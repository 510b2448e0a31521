package io.kvkit.server.meta;

import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.InvalidArgumentException;
import io.kvkit.engine.api.OptionValues;
import io.kvkit.engine.api.StorageEngineProvider;
import io.kvkit.engine.api.StorageEngines;

import java.util.List;
import java.util.Map;

/**
 * Which engines a table may use and which options they take: the engines registered through
 * {@link StorageEngines} ({@link java.util.ServiceLoader}), looked up once (the class path does
 * not change while the process runs, and every node runs the same build, so every replica of
 * the meta group answers alike).
 *
 * <p>A definition accepted here is one every partition replica can open: the engine exists,
 * every option is one the engine declares with a value it parses, and no option tries to set
 * the key/value limits (those are the partition's, identical for every table).
 */
final class TableEngines {
    /** Bounds on a table definition, so that the meta state and routing responses stay small. */
    static final int MAX_OPTIONS = 64;
    static final int MAX_OPTION_VALUE_CHARS = 1024;

    private TableEngines() {
    }

    private static final class Registered {
        static final List<StorageEngineProvider> PROVIDERS = StorageEngines.providers(); // sorted by name
        static final List<String> NAMES = PROVIDERS.stream().map(StorageEngineProvider::name).toList();
    }

    /** The engine names a table may use, sorted. */
    static List<String> names() {
        return Registered.NAMES;
    }

    /**
     * Checks an engine name and its options.
     *
     * @param what names the setting in messages ("defaultEngine", "create_table engine")
     * @throws IllegalArgumentException saying what is wrong and what is allowed
     */
    static void check(String what, String engine, Map<String, String> options) {
        StorageEngineProvider provider = null;
        for (StorageEngineProvider p : Registered.PROVIDERS) {
            if (p.name().equals(engine)) {
                provider = p;
            }
        }
        if (provider == null) {
            throw new IllegalArgumentException(what + " '" + engine + "' is not a known engine (allowed: "
                    + String.join(", ", names()) + ")");
        }
        if (options.size() > MAX_OPTIONS) {
            throw new IllegalArgumentException(what + " '" + engine + "': " + options.size() + " options (allowed: at most "
                    + MAX_OPTIONS + ")");
        }
        for (Map.Entry<String, String> e : options.entrySet()) {
            if (e.getKey().equals(EngineConfig.MAX_KEY_BYTES) || e.getKey().equals(EngineConfig.MAX_VALUE_BYTES)) {
                throw new IllegalArgumentException(what + " '" + engine + "': option '" + e.getKey()
                        + "' is not allowed (the key and value limits are the cluster's, the same for every table)");
            }
            if (e.getValue().length() > MAX_OPTION_VALUE_CHARS) {
                throw new IllegalArgumentException(what + " '" + engine + "': option '" + e.getKey() + "' has a value of "
                        + e.getValue().length() + " characters (allowed: at most " + MAX_OPTION_VALUE_CHARS + ")");
            }
        }
        try {
            OptionValues.parse(engine, provider.options(), options);
        } catch (InvalidArgumentException e) {
            throw new IllegalArgumentException(what + " '" + engine + "': " + e.getMessage(), e);
        }
    }
}
