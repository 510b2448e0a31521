package io.kvkit.server.cli;

import io.kvkit.client.TableDescriptor;
import io.kvkit.client.Topology;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The CLI's tables: cluster status from a {@link Topology}, and the list of tables. Plain text, aligned columns. */
final class TopologyText {
    private TopologyText() {
    }

    /**
     * A summary line, one row per node (address, partitions it leads, replicas it holds), and one
     * row per partition (leader, replicas with the leader marked {@code *}; leader 0 = unknown).
     */
    static String status(Topology t) {
        int q = t.partitionCount();
        Map<Long, int[]> perNode = new TreeMap<>();   // node -> {leads, replicas}
        t.nodes().keySet().forEach(n -> perNode.put(n, new int[2]));
        int leaderless = 0;
        List<List<String>> partitions = new ArrayList<>();
        partitions.add(List.of("PARTITION", "LEADER", "REPLICAS"));
        for (int p = 0; p < q; p++) {
            long leader = t.leaderOf(p);
            long[] replicas = t.replicasOf(p);
            for (long r : replicas) {
                perNode.computeIfAbsent(r, k -> new int[2])[1]++;
            }
            if (leader == 0) {
                leaderless++;
            } else {
                perNode.computeIfAbsent(leader, k -> new int[2])[0]++;
            }
            StringBuilder rs = new StringBuilder();
            for (long r : replicas) {
                if (!rs.isEmpty()) {
                    rs.append(',');
                }
                rs.append(r).append(r == leader ? "*" : "");
            }
            partitions.add(List.of(Integer.toString(p), leader == 0 ? "-" : Long.toString(leader), rs.toString()));
        }
        List<List<String>> nodes = new ArrayList<>();
        nodes.add(List.of("NODE", "ADDRESS", "LEADS", "REPLICAS"));
        perNode.forEach((n, counts) -> {
            InetSocketAddress a = t.nodes().get(n);
            nodes.add(List.of(Long.toString(n), a == null ? "?" : a.getHostString() + ":" + a.getPort(),
                    Integer.toString(counts[0]), Integer.toString(counts[1])));
        });
        return "epoch " + t.epoch() + ", " + t.nodes().size() + " nodes, " + q + " partitions"
                + (leaderless == 0 ? ", every partition has a leader" : ", " + leaderless + " without a known leader")
                + ", tables: " + t.tables().stream().map(TableDescriptor::name).collect(Collectors.joining(", ")) + "\n\n"
                + columns(nodes) + "\n" + columns(partitions);
    }

    static String tables(List<TableDescriptor> tables) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("TABLE", "ENGINE", "OPTIONS"));
        for (TableDescriptor d : tables) {
            String options = new TreeMap<>(d.options()).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining(","));
            rows.add(List.of(d.name(), d.engine(), options.isEmpty() ? "-" : options));
        }
        return columns(rows);
    }

    /** Rows as left-aligned columns separated by two spaces; the last column is not padded. */
    static String columns(List<List<String>> rows) {
        int width = rows.stream().mapToInt(List::size).max().orElse(0);
        int[] widths = new int[width];
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                String cell = row.get(i);
                sb.append(cell);
                if (i < row.size() - 1) {
                    sb.append(" ".repeat(widths[i] - cell.length() + 2));
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
