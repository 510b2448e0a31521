package io.kvkit.server.cli;

import io.kvkit.client.Consistency;
import io.kvkit.client.KvEntry;
import io.kvkit.client.KvException;
import io.kvkit.client.KvStatus;
import io.kvkit.client.TableDescriptor;
import io.kvkit.client.Topology;
import io.kvkit.client.proto.NodeInfo;
import io.kvkit.client.proto.PartitionInfo;
import io.kvkit.client.proto.RouteResponse;
import io.kvkit.client.proto.TableInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The CLI without a server: arguments, defaults, output formats, and errors printed as "error: CODE: message". */
class KvCliTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(KvCli cli, String... args) {
        CommandLine cl = KvCli.commandLine(cli);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    /** A CLI whose client must never be built: the arguments are refused before. */
    private KvCli noClient() {
        return new KvCli(c -> {
            throw new AssertionError("no client should be built");
        }, Map.of(), dir);
    }

    @Test
    void badHexIsAUsageErrorAndNothingIsSent() {
        assertThat(run(noClient(), "--hex", "put", "6b", "zz")).isEqualTo(KvCli.EXIT_USAGE);
        assertThat(err.toString()).contains("kv cli: value 'zz' is not hex");
    }

    @Test
    void scanArgumentsAreCheckedBeforeSending() {
        assertThat(run(noClient(), "scan", "--start", "b", "--end", "a")).isEqualTo(KvCli.EXIT_USAGE);
        assertThat(err.toString()).contains("--start is after --end");
        assertThat(run(noClient(), "scan", "--limit", "0")).isEqualTo(KvCli.EXIT_USAGE);
        assertThat(err.toString()).contains("--limit 0 is out of range");
    }

    @Test
    void missingArgumentsAndUnknownCommandsAreUsageErrors() {
        assertThat(run(noClient(), "put", "k")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required parameter: 'VALUE'");
        assertThat(run(noClient(), "create-table", "t")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required option: '--engine=ENGINE'");
        assertThat(run(noClient(), "gett", "k")).isEqualTo(2);
    }

    @Test
    void globalOptionsGoBeforeOrAfterTheCommand() {
        KvCli before = noClient();
        new CommandLine(before).parseArgs("--hex", "--table", "t", "--consistency", "stale", "get", "00");
        KvCli after = noClient();
        new CommandLine(after).parseArgs("get", "00", "--hex", "--table", "t", "--consistency", "stale");
        for (KvCli cli : List.of(before, after)) {
            assertThat(cli.hex).isTrue();
            assertThat(cli.table).isEqualTo("t");
            assertThat(KvCli.consistency(cli.consistency)).isEqualTo(Consistency.STALE);
        }
        assertThatThrownBy(() -> KvCli.consistency("strong")).hasMessageContaining("allowed: linearizable, lease, follower, stale");
    }

    @Test
    void endpointsComeFromTheFlagThenTheLocalClusterThenTheFallback() throws IOException {
        KvCli flagged = noClient();
        new CommandLine(flagged).parseArgs("--endpoints", "10.0.0.11:7101, 10.0.0.12:7101", "status");
        assertThat(flagged.endpointList()).containsExactly("10.0.0.11:7101", "10.0.0.12:7101");
        KvCli bad = noClient();
        new CommandLine(bad).parseArgs("--endpoints", "10.0.0.11", "status");
        assertThatThrownBy(bad::endpointList).hasMessageContaining("'10.0.0.11' is not host:port");

        assertThat(KvCli.defaultEndpoints(Map.of(), dir)).containsExactly("127.0.0.1:7101");
        Path clusterDir = dir.resolve("c");
        java.nio.file.Files.createDirectories(clusterDir);
        new ClusterState(1, 8, 3, "lsm", List.of(
                new ClusterState.Node(1, 0, 0, "127.0.0.1", 20001, 20002, 20003, 20004, clusterDir.resolve("node-1"),
                        clusterDir.resolve("node-1.yaml"), clusterDir.resolve("node-1.log")),
                new ClusterState.Node(2, 0, 0, "127.0.0.1", 20011, 20012, 20013, 20014, clusterDir.resolve("node-2"),
                        clusterDir.resolve("node-2.yaml"), clusterDir.resolve("node-2.log")))).write(clusterDir);
        assertThat(KvCli.defaultEndpoints(Map.of("KVKIT_CLUSTER_DIR", clusterDir.toString()), dir))
                .containsExactly("127.0.0.1:20002", "127.0.0.1:20012");
        // no variable: ./kvkit-cluster of the working directory
        assertThat(KvCli.defaultEndpoints(Map.of(), clusterDir.getParent().resolve("elsewhere"))).containsExactly("127.0.0.1:7101");
    }

    @Test
    void anUnreachableClusterIsAnErrorLineAndExitOne() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        int status = run(new KvCli(), "--endpoints", "127.0.0.1:" + closed, "--timeout", "1", "get", "k");
        assertThat(status).isEqualTo(KvCli.EXIT_ERROR);
        assertThat(err.toString()).matches("(?s)error: (UNAVAILABLE|TIMEOUT): .+\\n");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void errorLinesCarryTheStatusCode() {
        assertThat(KvCli.errorLine(new KvException(KvStatus.NOT_FOUND, "no table 'x'; tables: default")))
                .isEqualTo("error: NOT_FOUND: no table 'x'; tables: default");
        assertThat(KvCli.errorLine(new io.kvkit.client.KvTimeoutException("deadline of 1000 ms passed")))
                .isEqualTo("error: TIMEOUT: deadline of 1000 ms passed");
    }

    @Test
    void createTableOptionsAreKeyValuePairs() {
        assertThat(KvCli.options(List.of("blockSizeBytes=4KiB", "compression=lz4")))
                .containsExactly(Map.entry("blockSizeBytes", "4KiB"), Map.entry("compression", "lz4"));
        assertThatThrownBy(() -> KvCli.options(List.of("oops"))).hasMessageContaining("'oops' is not KEY=VALUE");
        assertThatThrownBy(() -> KvCli.options(List.of("a=1", "a=2"))).hasMessageContaining("--option a is given twice");
    }

    @Test
    void scanLinesAreKeyTabValue() {
        KvEntry e = new KvEntry("k\t1".getBytes(), new byte[] {(byte) 0xff});
        assertThat(KvCli.formatEntry(e, false, false)).isEqualTo("k\\t1\t\\xff");
        assertThat(KvCli.formatEntry(e, true, false)).isEqualTo("6b0931\tff");
        assertThat(KvCli.formatEntry(e, false, true)).isEqualTo("k\\t1");
    }

    @Test
    void statusIsACompactTableOfNodesAndPartitions() {
        RouteResponse.Builder r = RouteResponse.newBuilder().setEpoch(7).setPartitionCount(4)
                .addNodes(NodeInfo.newBuilder().setNodeId(1).setAddress("127.0.0.1:7101"))
                .addNodes(NodeInfo.newBuilder().setNodeId(2).setAddress("127.0.0.1:7102"))
                .addNodes(NodeInfo.newBuilder().setNodeId(3).setAddress("127.0.0.1:7103"))
                .addTables(TableInfo.newBuilder().setName("default").setEngine("lsm"));
        long[] leaders = {1, 2, 0, 1};
        for (int p = 0; p < 4; p++) {
            r.addPartitions(PartitionInfo.newBuilder().setPartitionId(p).addReplicaNodeIds(1).addReplicaNodeIds(2).addReplicaNodeIds(3)
                    .setLeaderNodeId(leaders[p]));
        }
        String text = TopologyText.status(Topology.fromWire(r.build()));
        assertThat(text).startsWith("epoch 7, 3 nodes, 4 partitions, 1 without a known leader, tables: default\n");
        assertThat(text).contains("""
                NODE  ADDRESS         LEADS  REPLICAS
                1     127.0.0.1:7101  2      4
                2     127.0.0.1:7102  1      4
                3     127.0.0.1:7103  0      4
                """);
        assertThat(text).contains("""
                PARTITION  LEADER  REPLICAS
                0          1       1*,2,3
                1          2       1,2*,3
                2          -       1,2,3
                3          1       1*,2,3
                """);
    }

    @Test
    void tablesListShowsEnginesAndOptions() {
        String text = TopologyText.tables(List.of(new TableDescriptor("default", "lsm", Map.of()),
                new TableDescriptor("users", "bplustree", Map.of("pageSizeBytes", "8KiB"))));
        assertThat(text).isEqualTo("""
                TABLE    ENGINE     OPTIONS
                default  lsm        -
                users    bplustree  pageSizeBytes=8KiB
                """);
    }
}
