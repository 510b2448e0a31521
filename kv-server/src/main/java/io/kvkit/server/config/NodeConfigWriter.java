package io.kvkit.server.config;

import io.kvkit.server.config.NodeConfig.Member;

import java.util.Map;

/**
 * Writes a {@link NodeConfig} as the YAML file {@link NodeConfigLoader} reads, every key
 * explicit (so a generated file documents what the node ran with). Strings are double-quoted
 * with JSON escapes, which YAML reads back unchanged whatever they hold.
 */
public final class NodeConfigWriter {
    private NodeConfigWriter() {
    }

    public static String toYaml(NodeConfig c) {
        StringBuilder y = new StringBuilder();
        y.append("# kvkit node ").append(c.nodeId()).append(" (keys: see NodeConfig and `kv server --help`)\n");
        y.append("node-id: ").append(c.nodeId()).append('\n');
        y.append("data-dir: ").append(quote(c.dataDir().toString())).append('\n');
        y.append("listen-host: ").append(quote(c.listenHost())).append('\n');
        y.append("initial-cluster:\n");
        for (Member m : c.initialCluster()) {
            y.append("  - {id: ").append(m.id()).append(", host: ").append(quote(m.host()))
                    .append(", raft-port: ").append(m.raftPort()).append(", client-port: ").append(m.clientPort())
                    .append(", admin-port: ").append(m.adminPort()).append(", resp-port: ").append(m.respPort()).append("}\n");
        }
        y.append("partitions: ").append(c.partitions()).append('\n');
        y.append("replication-factor: ").append(c.replicationFactor()).append('\n');
        y.append("meta-replicas: ").append(c.metaReplicas()).append('\n');
        y.append("default-engine: ").append(quote(c.defaultEngine())).append('\n');
        if (c.defaultEngineOptions().isEmpty()) {
            y.append("default-engine-options: {}\n");
        } else {
            y.append("default-engine-options:\n");
            c.defaultEngineOptions().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e ->
                    y.append("  ").append(quote(e.getKey())).append(": ").append(quote(e.getValue())).append('\n'));
        }
        y.append("tick-interval: ").append(RawValue.durationText(c.tickInterval())).append('\n');
        y.append("election-ticks: ").append(c.electionTicks()).append('\n');
        y.append("sync-writes: ").append(c.syncWrites()).append('\n');
        y.append("lease-reads: ").append(c.leaseReads()).append('\n');
        y.append("raft-worker-threads: ").append(c.raftWorkerThreads()).append('\n');
        y.append("snapshot-every-entries: ").append(c.snapshotEveryEntries()).append('\n');
        y.append("request-timeout: ").append(RawValue.durationText(c.requestTimeout())).append('\n');
        y.append("max-key-bytes: ").append(c.maxKeyBytes()).append('\n');
        y.append("max-value-bytes: ").append(c.maxValueBytes()).append('\n');
        y.append("max-in-flight-per-connection: ").append(c.maxInFlightPerConnection()).append('\n');
        y.append("client-io-threads: ").append(c.clientIoThreads()).append('\n');
        y.append("leader-balance: ").append(c.leaderBalancing().enabled()).append('\n');
        y.append("leader-balance-delay: ").append(RawValue.durationText(c.leaderBalancing().delay())).append('\n');
        y.append("leader-balance-interval: ").append(RawValue.durationText(c.leaderBalancing().interval())).append('\n');
        y.append("leader-balance-max-transfers: ").append(c.leaderBalancing().maxTransfersPerRound()).append('\n');
        y.append("slow-node-threshold: ").append(RawValue.durationText(c.leaderBalancing().slowNodeThreshold())).append('\n');
        y.append("slow-node-windows: ").append(c.leaderBalancing().slowNodeWindows()).append('\n');
        if (c.joins()) {
            y.append("join: ").append(quote(c.join())).append('\n');
        }
        y.append("max-concurrent-moves: ").append(c.maxConcurrentMoves()).append('\n');
        y.append("node-down-after: ").append(RawValue.durationText(c.nodeDownAfter())).append('\n');
        return y.toString();
    }

    /** A double-quoted YAML (and JSON) string. */
    public static String quote(String s) {
        StringBuilder q = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"' -> q.append("\\\"");
                case '\\' -> q.append("\\\\");
                case '\n' -> q.append("\\n");
                case '\t' -> q.append("\\t");
                case '\r' -> q.append("\\r");
                default -> {
                    if (ch < 0x20 || ch == 0x7f) {
                        q.append(String.format("\\u%04x", (int) ch));
                    } else {
                        q.append(ch);
                    }
                }
            }
        }
        return q.append('"').toString();
    }
}
