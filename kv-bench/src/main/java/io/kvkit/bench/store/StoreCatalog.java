package io.kvkit.bench.store;

import io.kvkit.engine.api.StorageEngineProvider;
import io.kvkit.engine.api.StorageEngines;
import io.kvkit.engine.api.model.ModelEngineProvider;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every store the runner knows, in the order results are shown: kvkit's own engines found on
 * the class path (except the model), the peers rocksdb, lmdb and chronicle, the in-memory
 * bound chm, and last the model engine.
 */
public final class StoreCatalog {
    private final Map<String, StoreKind> kinds = new LinkedHashMap<>();

    private StoreCatalog() {
    }

    /** The stores available in this JVM. */
    public static StoreCatalog discover() {
        StoreCatalog c = new StoreCatalog();
        StorageEngineProvider model = null;
        for (StorageEngineProvider p : StorageEngines.providers()) {
            if (p.name().equals(ModelEngineProvider.NAME)) {
                model = p;
            } else if (!isPeerName(p.name())) {
                c.kinds.put(p.name(), KvkitEngineStore.kind(p));
            }
        }
        c.add(RocksDbStore.kind());
        c.add(LmdbStore.kind());
        c.add(ChronicleMapStore.kind());
        c.add(ConcurrentHashMapStore.kind());
        if (model != null) {
            c.add(KvkitEngineStore.kind(model));
        }
        return c;
    }

    private static boolean isPeerName(String name) {
        return name.equals(RocksDbStore.NAME) || name.equals(LmdbStore.NAME) || name.equals(ChronicleMapStore.NAME)
                || name.equals(ConcurrentHashMapStore.NAME);
    }

    private void add(StoreKind k) {
        kinds.put(k.name(), k);
    }

    /** Every store name, in display order. */
    public List<String> names() {
        return List.copyOf(kinds.keySet());
    }

    /** The names of kvkit's own engines found (model excluded). */
    public List<String> kvkitEngineNames() {
        List<String> out = new ArrayList<>();
        kinds.values().forEach(k -> {
            if (k.family().equals("kvkit") && !k.name().equals(ModelEngineProvider.NAME)) {
                out.add(k.name());
            }
        });
        return out;
    }

    /**
     * The store called {@code name}.
     *
     * @throws UnknownStoreException naming every store available
     */
    public StoreKind get(String name) {
        StoreKind k = kinds.get(name);
        if (k == null) {
            throw new UnknownStoreException(name, names());
        }
        return k;
    }

    /** Thrown for a store name nobody provides. */
    public static final class UnknownStoreException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public UnknownStoreException(String name, List<String> available) {
            super("no store named '" + name + "'; available: " + String.join(", ", available));
        }
    }
}
