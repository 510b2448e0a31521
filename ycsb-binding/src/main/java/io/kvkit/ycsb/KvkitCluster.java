package io.kvkit.ycsb;

import io.kvkit.client.KvClient;
import io.kvkit.client.Protocol;
import io.kvkit.client.TableDescriptor;
import io.kvkit.client.Topology;

import java.time.Duration;
import java.util.Locale;
import java.util.Properties;

/**
 * A kvkit cluster as a YCSB benchmark runner sees it, read with the remote binding's properties
 * ({@link KvkitRemoteOptions}): its size, and the binding's table. A runner uses it to label the
 * cluster's row in a report ({@link #label()}) and to start every load from an empty table
 * ({@link #recreateTable}), since a cluster, unlike an embedded store's directory, is not
 * deleted between loads.
 *
 * @param nodes      nodes in the topology
 * @param partitions partitions (Raft groups) of the ring
 * @param replicas   replicas of partition 0 (the replication factor)
 * @param table      the binding's table
 * @param options    the binding's options it was read with
 */
public record KvkitCluster(int nodes, int partitions, int replicas, TableDescriptor table, KvkitRemoteOptions options) {

    /** The row label of the cluster in a report: "kvkit 3-node (remote)". */
    public String label() {
        return "kvkit " + nodes + "-node (remote)";
    }

    /** How the cluster and the binding are set up, for a report's list of stores. */
    public String setup() {
        return label() + " at " + String.join(",", options.endpoints()) + ": " + partitions + " partitions × " + replicas
                + " replicas; table '" + table.name() + "' on " + table.engine() + (table.options().isEmpty() ? "" : " " + table.options())
                + "; " + options.consistency().name().toLowerCase(Locale.ROOT) + " reads; partial updates by compare-and-set;"
                + " one client per YCSB JVM, " + options.connectionsPerNode() + " connection(s) per node";
    }

    /**
     * Reads the cluster's topology and the binding's table (which must exist).
     *
     * @throws IllegalArgumentException for bad properties or a missing table
     * @throws io.kvkit.client.KvException if the cluster cannot be reached in {@code kvkit.timeout.ms}
     */
    public static KvkitCluster probe(Properties properties) {
        KvkitRemoteOptions o = KvkitRemoteOptions.from(properties);
        try (KvClient client = client(o)) {
            return describe(client, o);
        }
    }

    /**
     * Drops the binding's table if it exists and creates it empty on {@code kvkit.engine} (default
     * lsm) with the {@code kvkit.option.*} options: what a load phase starts from. The "default"
     * table cannot be dropped, so a runner gives the binding a table of its own.
     *
     * @throws IllegalArgumentException for bad properties or {@code kvkit.table=default}
     * @throws io.kvkit.client.KvException if the cluster cannot be reached or refuses
     */
    public static KvkitCluster recreateTable(Properties properties) {
        KvkitRemoteOptions o = KvkitRemoteOptions.from(properties);
        if (o.table().equals(Protocol.DEFAULT_TABLE)) {
            throw new IllegalArgumentException("the table '" + Protocol.DEFAULT_TABLE + "' cannot be dropped, so a load cannot start it empty;"
                    + " give the benchmark a table of its own with " + KvkitRemoteOptions.TABLE + "=NAME");
        }
        try (KvClient client = client(o)) {
            if (client.listTables().stream().anyMatch(t -> t.name().equals(o.table()))) {
                client.dropTable(o.table());
            }
            client.createTable(o.table(), o.engineToCreate(), o.engineOptions());
            return describe(client, o);
        }
    }

    private static KvClient client(KvkitRemoteOptions o) {
        Duration deadline = Duration.ofMillis(o.timeoutMillis());
        return KvClient.builder().seeds(o.endpoints().toArray(String[]::new)).defaultDeadline(deadline)
                .connectTimeout(deadline.compareTo(Duration.ofSeconds(2)) < 0 ? deadline : Duration.ofSeconds(2))
                .clientName("kvkit-ycsb-runner/0.1.0").build();
    }

    private static KvkitCluster describe(KvClient client, KvkitRemoteOptions o) {
        Topology t = client.refreshTopology();
        TableDescriptor table = client.listTables().stream().filter(d -> d.name().equals(o.table())).findFirst().orElseThrow(() ->
                new IllegalArgumentException("table '" + o.table() + "' does not exist on the cluster at " + String.join(",", o.endpoints())));
        return new KvkitCluster(t.nodes().size(), t.partitionCount(), t.replicasOf(0).length, table, o);
    }
}
