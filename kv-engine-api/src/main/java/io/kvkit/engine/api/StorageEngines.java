package io.kvkit.engine.api;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Predicate;

/** Finds engines by name through {@link ServiceLoader}. */
public final class StorageEngines {
    private StorageEngines() {
    }

    /** Every engine on the class path, sorted by name. */
    public static List<StorageEngineProvider> providers() {
        List<StorageEngineProvider> all = new ArrayList<>();
        ServiceLoader.load(StorageEngineProvider.class, StorageEngines.class.getClassLoader()).forEach(all::add);
        all.sort(Comparator.comparing(StorageEngineProvider::name));
        return all;
    }

    /** Names of every engine on the class path. */
    public static List<String> names() {
        return providers().stream().map(StorageEngineProvider::name).toList();
    }

    /** Names of the engines whose capabilities pass {@code test}. */
    public static List<String> namesWith(Predicate<EngineCapabilities> test) {
        return providers().stream().filter(p -> test.test(p.capabilities())).map(StorageEngineProvider::name).toList();
    }

    /**
     * The provider called {@code name}.
     *
     * @throws InvalidArgumentException naming the engines available if there is none
     */
    public static StorageEngineProvider provider(String name) {
        for (StorageEngineProvider p : providers()) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new InvalidArgumentException("no storage engine named '" + name + "'; available: " + String.join(", ", names()));
    }

    /** Opens engine {@code name} with {@code config}. */
    public static StorageEngine open(String name, EngineConfig config) {
        return provider(name).open(config);
    }
}
