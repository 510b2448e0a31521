package io.kvkit.server.node;

import io.kvkit.server.cli.KvCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code kv cli status --watch} against a real node: a fresh view per interval, and bad values refused. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CliWatchTest {

    @TempDir
    Path dir;

    @Test
    void statusWatchPrintsAFreshViewPerIntervalAndRefusesBadValues() {
        try (InProcessCluster cluster = new InProcessCluster(dir, 1, 2, 1, 1, "lsm").startAll()) {
            StringWriter out = new StringWriter();
            var cl = KvCli.commandLine();
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(new StringWriter(), true));
            int code = cl.execute("--endpoints", cluster.clientAddress(1), "status", "--watch", "1", "--count", "2");
            assertThat(code).isZero();
            assertThat(out.toString().split("kv cli status --watch 1", -1)).as(out.toString()).hasSize(3);
            assertThat(out.toString()).contains("epoch ").contains("PARTITION  LEADER  REPLICAS");

            StringWriter err = new StringWriter();
            var bad = KvCli.commandLine();
            bad.setErr(new PrintWriter(err, true));
            assertThat(bad.execute("--endpoints", cluster.clientAddress(1), "status", "--watch", "0")).isEqualTo(KvCli.EXIT_USAGE);
            assertThat(err.toString()).contains("--watch takes a whole number of seconds >= 1");
        }
    }
}
