package io.kvkit.server.cli;

import io.kvkit.server.ServerMain;
import io.kvkit.server.config.NodeConfig;
import io.kvkit.server.config.NodeConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What of the local cluster can be checked before the node exists: generated configurations,
 * ports, the state file, the node command line, a node that fails its preflight, and the
 * {@code kv cluster} commands on a cluster that does not run.
 */
class LocalClusterTest {

    @TempDir
    Path dir;

    @Test
    void createWritesOneLoadableConfigPerNodeOnDistinctFreePorts() throws IOException {
        LocalCluster cluster = LocalCluster.create(dir.resolve("c"), LocalCluster.Settings.of(3).withPartitions(8).withEngine("bplustree")
                .withTickInterval(Duration.ofMillis(20)).withSetting("sync-writes", "false"));
        assertThat(cluster.ids()).containsExactly(1L, 2L, 3L);
        List<NodeConfig.Member> first = null;
        Set<Integer> ports = new HashSet<>();
        for (long id : cluster.ids()) {
            Path file = dir.resolve("c/node-" + id + ".yaml");
            assertThat(cluster.configFile(id)).isEqualTo(file);
            NodeConfig c = NodeConfigLoader.load(file, Map.of());
            assertThat(c).isEqualTo(cluster.config(id));
            assertThat(c.nodeId()).isEqualTo(id);
            assertThat(c.dataDir()).isEqualTo(dir.resolve("c/node-" + id).toAbsolutePath());
            assertThat(c.listenHost()).isEqualTo("127.0.0.1");
            assertThat(c.partitions()).isEqualTo(8);
            assertThat(c.replicationFactor()).isEqualTo(3);
            assertThat(c.metaReplicas()).isEqualTo(3);
            assertThat(c.defaultEngine()).isEqualTo("bplustree");
            assertThat(c.tickInterval()).isEqualTo(Duration.ofMillis(20));
            assertThat(c.syncWrites()).isFalse();
            if (first == null) {
                first = c.initialCluster();
            }
            assertThat(c.initialCluster()).isEqualTo(first);   // every node founds the same cluster
            NodeConfig.Member m = c.self();
            for (int p : new int[] {m.raftPort(), m.clientPort(), m.adminPort(), m.respPort()}) {
                assertThat(p).isBetween(LoopbackPorts.LOWEST, LoopbackPorts.HIGHEST);
                assertThat(ports.add(p)).as("port %d used twice", p).isTrue();
                assertThat(LoopbackPorts.isFree(p)).isTrue();
            }
        }
        assertThat(cluster.clientAddresses()).hasSize(3).allSatisfy((id, a) -> assertThat(a).startsWith("127.0.0.1:"));
        assertThat(cluster.endpoints().split(",")).hasSize(3);
        assertThat(cluster.ports()).isEqualTo(ports);
    }

    @Test
    void aOneNodeClusterHasOneReplicaAndOneMetaMember() throws IOException {
        LocalCluster cluster = LocalCluster.create(dir, LocalCluster.Settings.of(1));
        assertThat(cluster.config(1).replicationFactor()).isEqualTo(1);
        assertThat(cluster.config(1).metaReplicas()).isEqualTo(1);
    }

    @Test
    void badSettingsAreRefusedWithTheLoadersMessage() {
        assertThatThrownBy(() -> LocalCluster.create(dir, LocalCluster.Settings.of(3).withPartitions(12)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("partitions = 12 is not a power of two");
        assertThatThrownBy(() -> LocalCluster.Settings.of(10)).hasMessageContaining("1..9 nodes");
    }

    @Test
    void theStateFileRoundTripsAndOpenFindsTheCluster() throws IOException {
        Path weird = dir.resolve("dir with \"quotes\" and \\ backslash");
        LocalCluster cluster = LocalCluster.create(weird, LocalCluster.Settings.of(3));
        ClusterState written = cluster.state();
        assertThat(ClusterState.read(weird)).isEqualTo(written);
        assertThat(written.nodes()).extracting(ClusterState.Node::pid).containsOnly(0L);

        ClusterState withPids = new ClusterState(1, 8, 3, "lsm", List.of(new ClusterState.Node(1, 4242, 1764000000123L, "127.0.0.1",
                1, 2, 3, 4, weird.resolve("n1"), weird.resolve("n1.yaml"), weird.resolve("n1.log"))));
        Path other = Files.createDirectories(dir.resolve("other"));
        withPids.write(other);
        assertThat(ClusterState.read(other)).isEqualTo(withPids);

        LocalCluster opened = LocalCluster.open(weird);
        assertThat(opened.ids()).isEqualTo(cluster.ids());
        assertThat(opened.clientAddresses()).isEqualTo(cluster.clientAddresses());
        assertThat(opened.ids()).noneMatch(opened::isRunning);
        assertThatThrownBy(() -> LocalCluster.create(weird, LocalCluster.Settings.of(3)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already holds a cluster");
    }

    @Test
    void aBrokenStateFileIsNamed() throws IOException {
        Files.writeString(dir.resolve("cluster.json"), "{\"format\": 1, \"nodes\": [{\"id\": \"x\"}]}");
        assertThatThrownBy(() -> ClusterState.read(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("cluster.json: \"id\" is missing or not a number (got x)");
        Files.writeString(dir.resolve("cluster.json"), "{\"format\": 2, \"nodes\": []}");
        assertThatThrownBy(() -> ClusterState.read(dir)).hasMessageContaining("has format 2; this kvkit reads format 1");
    }

    @Test
    void aPidOfSomeoneElsesProcessIsNotOurs() {
        long self = ProcessHandle.current().pid();
        long started = ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli();
        assertThat(LocalCluster.ours(self, started)).isPresent();
        assertThat(LocalCluster.ours(self, started - 60_000)).isEmpty();   // the pid was reused
        assertThat(LocalCluster.ours(0, 0)).isEmpty();
    }

    @Test
    void theNodeCommandLineIsThisJvmsJavaAndClassPath() throws IOException {
        LocalCluster cluster = LocalCluster.create(dir, LocalCluster.Settings.of(1).withHeapMegabytes(128));
        String before = System.getProperty("kvkit.cluster.jvmArgs");
        System.setProperty("kvkit.cluster.jvmArgs", "-Dx=1  -XX:+UseSerialGC");
        try {
            List<String> cmd = cluster.command(1);
            assertThat(cmd.getFirst()).endsWith("java");
            assertThat(cmd).containsSubsequence("-Xmx128m", "--enable-native-access=ALL-UNNAMED", "-Dx=1", "-XX:+UseSerialGC",
                    "-cp", System.getProperty("java.class.path"), ServerMain.class.getName(), "--config",
                    dir.resolve("node-1.yaml").toString());
        } finally {
            if (before == null) {
                System.clearProperty("kvkit.cluster.jvmArgs");
            } else {
                System.setProperty("kvkit.cluster.jvmArgs", before);
            }
        }
    }

    @Test
    void portSelectionSkipsPortsInUseAndPortsToAvoid() throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            int busy = -1;
            for (int p = LoopbackPorts.LOWEST + 1234; busy < 0; p++) {
                if (LoopbackPorts.isFree(p)) {
                    taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), p), 1);
                    busy = p;
                }
            }
            int avoid = busy + 1;
            int[] script = {busy, avoid, busy, avoid};   // offered first, each must be refused
            Random scripted = new Random(7) {
                int calls;

                @Override
                public int nextInt(int bound) {
                    return calls < script.length ? script[calls++] - LoopbackPorts.LOWEST : super.nextInt(bound);
                }
            };
            List<Integer> picked = LoopbackPorts.pick(6, scripted, Set.of(avoid));
            assertThat(picked).hasSize(6).doesNotContain(busy, avoid).doesNotHaveDuplicates();
            assertThat(picked).allSatisfy(p -> assertThat(p).isBetween(LoopbackPorts.LOWEST, LoopbackPorts.HIGHEST));
        }
    }

    @Test
    void aNodeThatCannotStartIsReportedWithItsStatusAndLogTail() throws Exception {
        try (LocalCluster cluster = LocalCluster.create(dir, LocalCluster.Settings.of(1).withReadyTimeout(Duration.ofSeconds(60)));
             ServerSocket squatter = new ServerSocket()) {
            int clientPort = cluster.config(1).self().clientPort();
            squatter.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), clientPort), 1);
            assertThatThrownBy(cluster::startAll).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("node 1 exited with status 2 before it was ready")
                    .hasMessageContaining("client-port " + clientPort + " of node 1 on 127.0.0.1 is in use");
            assertThat(cluster.isRunning(1)).isFalse();
            assertThat(ClusterState.read(dir).nodes().getFirst().pid()).isZero();
        }
    }

    private int runCluster(StringWriter out, StringWriter err, String... args) {
        CommandLine cl = new CommandLine(new ClusterCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void clusterStatusAndStopOnAClusterThatDoesNotRun() throws IOException {
        Path c = dir.resolve("c");
        LocalCluster.create(c, LocalCluster.Settings.of(2));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(runCluster(out, err, "status", "--dir", c.toString())).isEqualTo(1);
        assertThat(out.toString()).contains("NODE  PROCESS", "not running", "no node runs");
        assertThat(runCluster(out, err, "stop", "--clean", "--dir", c.toString())).isEqualTo(0);
        assertThat(out.toString()).contains("no node was running", "deleted " + c);
        assertThat(c).doesNotExist();
    }

    @Test
    void theDefaultDirectoryIsTheVariableElseKvkitClusterHere() {
        assertThat(ClusterCommand.defaultDir(Map.of("KVKIT_CLUSTER_DIR", "/repo/.kv/cluster"), dir)).isEqualTo(Path.of("/repo/.kv/cluster"));
        assertThat(ClusterCommand.defaultDir(Map.of(), dir)).isEqualTo(dir.resolve("kvkit-cluster"));
        assertThat(ClusterCommand.defaultDir(Map.of("KVKIT_CLUSTER_DIR", " "), dir)).isEqualTo(dir.resolve("kvkit-cluster"));
    }
}
