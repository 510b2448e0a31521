package io.kvkit.engine.api;

import java.util.List;

/**
 * Registers an engine under a name, for {@link java.util.ServiceLoader}: an engine module lists
 * its provider in {@code META-INF/services/io.kvkit.engine.api.StorageEngineProvider}.
 */
public interface StorageEngineProvider {
    /** The name users choose the engine by: lower case, no spaces. */
    String name();

    /** One line on what the engine is for. */
    String description();

    EngineCapabilities capabilities();

    /** Every engine-specific option with its default; anything else in a config is rejected. */
    List<OptionSpec<?>> options();

    /** Opens (creating if needed) the store in {@code config.directory()}. */
    StorageEngine open(EngineConfig config);
}
