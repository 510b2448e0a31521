package io.kvkit.server.config;

import io.kvkit.server.ServerMain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The node process's command line, run in-process; no node is started. */
class ServerMainTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = ServerMain.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void aConfigErrorExitsTwoWithTheMessageAndNoStackTrace() throws IOException {
        Path yaml = Files.writeString(dir.resolve("node.yaml"), "node-id: 1\ndata-dir: " + dir.resolve("d") + "\n"
                + "initial-cluster: 1=127.0.0.1:7001:7101,2=127.0.0.1:7002:7102,3=127.0.0.1:7003:7103\npartitions: 48\n");
        assertThat(run("--config", yaml.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("configuration error:", "node.yaml line 4: partitions = 48 is not a power of two")
                .doesNotContain("Exception", "\tat ");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void aFlagOverridesTheFileAndIsNamedInTheError() throws IOException {
        Path yaml = Files.writeString(dir.resolve("node.yaml"), "node-id: 1\ndata-dir: " + dir.resolve("d") + "\n"
                + "initial-cluster: 1=127.0.0.1:7001:7101\nreplication-factor: 1\nmeta-replicas: 1\n");
        assertThat(run("--config", yaml.toString(), "--meta-replicas", "3")).isEqualTo(2);
        assertThat(err.toString()).contains("flag --meta-replicas: meta-replicas = 3 is more than the 1 member(s)");
    }

    @Test
    void anUnknownFlagIsAUsageErrorWithASuggestion() {
        assertThat(run("--partitons", "8")).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown option", "--partitions");
    }

    @Test
    void aPortInUseIsAConfigError() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            assertThat(run("--node-id", "1", "--data-dir", dir.resolve("d").toString(), "--initial-cluster",
                    "1=127.0.0.1:" + freePort() + ":" + port, "--replication-factor", "1", "--meta-replicas", "1")).isEqualTo(2);
            assertThat(err.toString()).contains("client-port " + port + " of node 1 on 127.0.0.1 is in use");
        }
    }

    @Test
    void checkLoadsAndPreflightsWithoutStartingANode() throws IOException {
        assertThat(run("--check", "--node-id", "1", "--data-dir", dir.resolve("d").toString(), "--initial-cluster",
                "1=127.0.0.1:" + freePort() + ":" + freePort(), "--replication-factor", "1", "--meta-replicas", "1",
                "--sync-writes")).as(err.toString()).isEqualTo(0);
        assertThat(out.toString()).contains("configuration OK: node 1 of 1 members");
        assertThat(dir.resolve("d")).isDirectory();
    }

    @Test
    void everyKeyIsAFlagInTheHelp() {
        assertThat(run("--help")).isEqualTo(0);
        for (ConfigKey k : ConfigKey.values()) {
            assertThat(out.toString()).contains("--" + k.key());
        }
        assertThat(out.toString()).contains("--config", "Exit status: 0 stopped cleanly, 2 configuration error");
    }
}
