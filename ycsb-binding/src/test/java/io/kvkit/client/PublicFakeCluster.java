package io.kvkit.client;

import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.TableInfo;

/**
 * kv-client's {@link FakeCluster} (package-private in kv-client's test-jar) opened to the binding's
 * tests, which live in another package: an in-process cluster of N nodes on 127.0.0.1 (port 0)
 * that speaks the real protocol, with the few controls these tests need. Bounded like the fake
 * itself (500,000 requests, 120 s).
 */
public final class PublicFakeCluster implements AutoCloseable {
    private final FakeCluster fake;

    public PublicFakeCluster(int nodes, int partitions, int replicas) {
        fake = new FakeCluster(nodes, partitions, replicas);
    }

    /** Every node's client endpoint, as {@code kvkit.endpoints} wants them. */
    public String endpoints() {
        return String.join(",", fake.seeds());
    }

    /** Creates a table directly in the cluster's state (test setup, no protocol). */
    public void createTable(String name, String engine) {
        fake.createTableNow(TableInfo.newBuilder().setName(name).setEngine(engine).build());
    }

    /** The engine of table {@code name} as the cluster holds it, or null if there is no such table. */
    public String engineOf(String name) {
        try (KvClient c = KvClient.builder().seeds(fake.seeds().toArray(String[]::new)).build()) {
            return c.listTables().stream().filter(t -> t.name().equals(name)).map(TableDescriptor::engine).findFirst().orElse(null);
        }
    }

    /** Writes straight into the state (test setup, no protocol). */
    public void load(String table, byte[] key, byte[] value) {
        fake.load(table, key, value);
    }

    /** The stored value, read straight from the state. */
    public byte[] valueOf(String table, byte[] key) {
        return fake.valueOf(table, key);
    }

    /** Limits every node announces in its handshake from now on (set before a client connects). */
    public void announceLimits(ProtocolLimits limits) {
        fake.limits = limits;
    }

    /** Every node keeps its connections but answers no data request any more. */
    public void silenceAllNodes() {
        for (FakeCluster.Node n : fake.nodes) {
            n.silent = true;
        }
    }

    /** Every node stops: listeners and connections close. */
    public void stopAllNodes() {
        for (FakeCluster.Node n : fake.nodes) {
            fake.stopNode(n.id);
        }
    }

    /** Scan requests (one per partition asked) the nodes received so far. */
    public int scanRequests() {
        return fake.nodes.stream().mapToInt(n -> n.received(Request.BodyCase.SCAN)).sum();
    }

    @Override
    public void close() {
        fake.close();
    }
}
