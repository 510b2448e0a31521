package io.kvkit.bench.cluster;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The targets the cluster benchmark knows, by name. Each call of {@link #create} gives a fresh,
 * unstarted target (one per cluster the benchmark starts).
 */
final class ClusterTargets {
    /** Target names the command line accepts. */
    static final List<String> NAMES = List.of("kvkit", "etcd");

    /** Makes a fresh, unstarted target. */
    @FunctionalInterface
    interface Factory {
        ClusterTarget create() throws IOException;
    }

    private final Map<String, Factory> factories;

    ClusterTargets(Map<String, Factory> factories) {
        this.factories = new LinkedHashMap<>(factories);
    }

    /** The real targets: etcd from {@code etcdBinary} (null when etcd is not among the targets run). */
    static ClusterTargets standard(Path etcdBinary, int etcdChannelsPerMember) {
        Map<String, Factory> f = new LinkedHashMap<>();
        f.put("kvkit", KvkitTarget::new);
        if (etcdBinary != null) {
            f.put("etcd", () -> new EtcdTarget(etcdBinary, etcdChannelsPerMember));
        }
        return new ClusterTargets(f);
    }

    /** Rejects a name no target answers to, naming the ones available. */
    static void check(String name) {
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("no cluster target named '" + name + "'; available: " + String.join(", ", NAMES));
        }
    }

    ClusterTarget create(String name) throws IOException {
        Factory f = factories.get(name);
        if (f == null) {
            throw new IllegalArgumentException("no cluster target named '" + name + "'; available: " + String.join(", ", factories.keySet()));
        }
        return f.create();
    }
}
