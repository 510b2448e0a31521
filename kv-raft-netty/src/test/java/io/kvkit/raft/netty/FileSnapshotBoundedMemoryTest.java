package io.kvkit.raft.netty;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Snapshots never have to fit in the heap: a child JVM limited to 96 MiB of heap (and 64 MiB of
 * direct memory) builds a 300 MiB state, compacts, and catches a joining learner up by a file
 * snapshot streamed over Netty ({@link FileSnapshotCatchUpScenario}). With snapshots as one
 * byte[] (the state machine's {@code snapshot()}) the child could not even build the snapshot.
 */
@Timeout(120)
class FileSnapshotBoundedMemoryTest {

    @TempDir
    Path tmp;

    @Test
    void aStateThreeTimesTheHeapIsSnapshottedAndStreamedToAFollower() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx96m", "-XX:MaxDirectMemorySize=64m",
                "-cp", System.getProperty("java.class.path"), FileSnapshotCatchUpScenario.class.getName(),
                tmp.toString(), "30", "10", "10"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                out.add(line);
            }
        }
        boolean exited = p.waitFor(100, TimeUnit.SECONDS);
        if (!exited) {
            p.destroyForcibly();
        }
        String tail = String.join("\n", out.subList(Math.max(0, out.size() - 40), out.size()));
        System.out.println(tail);
        assertThat(exited).as("child exited").isTrue();
        assertThat(p.exitValue()).as("child exit code; its output:\n%s", tail).isZero();
        assertThat(out).anyMatch(l -> l.startsWith("OK state 314572800 bytes"));
    }
}
