package io.kvkit.bench.cluster;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The targets the cluster benchmark knows, by name. Each call of {@link #create} gives a fresh,
 * unstarted target (one per cluster the benchmark starts).
 */
final class ClusterTargets {
    static final List<String> NAMES = List.of("etcd");
    private final Path etcdBinary;
    private final int etcdChannelsPerMember;

    ClusterTargets(Path etcdBinary, int etcdChannelsPerMember) {
        this.etcdBinary = etcdBinary;
        this.etcdChannelsPerMember = etcdChannelsPerMember;
    }

    /** Rejects a name no target answers to, naming the ones available. */
    static void check(String name) {
        if (name.equals("kvkit")) {
            throw new IllegalArgumentException("target 'kvkit' is not available yet: kvkit's multi-Raft runtime has not landed "
                    + "(it joins as a ClusterTarget implementation registered in ClusterTargets); available: " + String.join(", ", NAMES));
        }
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("no cluster target named '" + name + "'; available: " + String.join(", ", NAMES));
        }
    }

    ClusterTarget create(String name) throws IOException {
        check(name);
        return switch (name) {
            case "etcd" -> new EtcdTarget(etcdBinary, etcdChannelsPerMember);
            default -> throw new IllegalArgumentException("no cluster target named '" + name + "'");
        };
    }
}
