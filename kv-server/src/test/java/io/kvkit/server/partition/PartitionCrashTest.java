package io.kvkit.server.partition;

import io.kvkit.client.proto.Response;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.kvkit.server.partition.Commands.reply;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kill -9} of a child JVM applying commands, twice on the same directory, at a random
 * number of applied commands (not at a time: the test never depends on timing). After each kill
 * the replica must open at an applied index whose data is exactly the model's at that index,
 * no lower than the last index the child saw applied minus commands without effect, and the
 * runtime's replay after it must give the model's replies. Seed printed; {@code -Dkvkit.seed=}.
 */
class PartitionCrashTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"lsm", "hash", "bplustree"})
    void aKilledReplicaReopensAtAnAppliedIndexThatMatchesItsData(String engine) throws Exception {
        long seed = Long.getLong("kvkit.seed", System.nanoTime());
        System.out.println("PartitionCrashTest[" + engine + "] seed=" + seed + " (replay: -Dkvkit.seed=" + seed + ")");
        Random random = new Random(seed);
        Path replica = dir.resolve("replica");
        long lastSeen = 0;
        for (int round = 0; round < 2; round++) {
            long killAt = lastSeen + 100 + random.nextInt(400);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                    PartitionCrashChild.class.getName(), replica.toString(), engine, Long.toString(seed)));
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("applied ")) {
                        lastSeen = Long.parseLong(line.substring("applied ".length()));
                        if (lastSeen >= killAt) {
                            break;
                        }
                    }
                }
                assertThat(lastSeen).as("seed %d: the child died before index %d", seed, killAt).isGreaterThanOrEqualTo(killAt);
                p.destroyForcibly(); // SIGKILL on Linux
                p.waitFor();
            }
        }
        CommandStream stream = new CommandStream(seed, engine);
        PartitionModel model = new PartitionModel();
        try (PartitionStateMachine m = PartitionStateMachine.open(TestEngines.options(replica, engine))) {
            long applied = m.appliedIndex();
            // the child runs on past the last line read until the kill lands: applied may exceed lastSeen
            for (long i = 1; i <= applied; i++) {
                model.apply(stream.next());
            }
            ModelComparison.assertSame(model, m, "seed " + seed + " at applied index " + applied);
            for (long i = applied + 1; i <= Math.max(applied, lastSeen) + 20; i++) {
                byte[] c = stream.next();
                boolean duplicate = model.isDuplicate(c);
                Response expected = model.apply(c);
                Response actual = reply(m.apply(i, c));
                assertThat(PartitionModel.sameReply(expected, actual)).as("seed %d replay of index %d: expected %s got %s",
                        seed, i, expected, actual).isTrue();
                model.recordActual(c, actual);
                // the child saw index i applied: if it wrote anything, that write was durable and the
                // applied index would be at least i; only commands without a write may be counted lazily
                boolean wrote = !duplicate && (model.hasSession(c)
                        || actual.getStatus().getCode() == io.kvkit.client.proto.StatusCode.OK);
                assertThat(i <= lastSeen && wrote).as("seed %d: index %d wrote and was applied, yet the reopened replica says %d",
                        seed, i, applied).isFalse();
            }
            ModelComparison.assertSame(model, m, "seed " + seed + " after the replay");
        }
    }
}
