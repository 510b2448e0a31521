package io.kvkit.server.partition;

import io.kvkit.client.proto.Response;
import io.kvkit.raft.ConfState;
import io.kvkit.raft.Snapshot;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static io.kvkit.server.partition.Commands.reply;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded random command sequences applied to a replica and to {@link PartitionModel}, compared
 * reply by reply and state by state, with restarts (the runtime's replay after the applied index
 * included), snapshot-and-restore into a fresh replica, and log indexes without a command, at
 * random points. {@code -Dkvkit.seed=} replays a seed; {@code -Dkvkit.partition.ops=} sets the length.
 */
class PartitionDifferentialTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"lsm", "hash", "bplustree"})
    void randomCommandsMatchTheModelAcrossRestartsAndSnapshots(String engine) {
        long seed = Long.getLong("kvkit.seed", System.nanoTime());
        System.out.println("PartitionDifferentialTest[" + engine + "] seed=" + seed + " (replay: -Dkvkit.seed=" + seed + ")");
        Random random = new Random(seed ^ 0x9E3779B97F4A7C15L);
        CommandStream stream = new CommandStream(seed, engine);
        PartitionModel model = new PartitionModel();
        Map<Long, byte[]> log = new HashMap<>();
        int ops = Integer.getInteger("kvkit.partition.ops", 500);
        int replica = 0;
        PartitionStateMachine m = PartitionStateMachine.open(TestEngines.options(dir.resolve("r" + replica), engine));
        try {
            long index = 0;
            for (int op = 0; op < ops; op++) {
                if (random.nextInt(20) == 0) {
                    index++; // a leader's no-op or a membership change: the machine never sees it
                }
                byte[] c = stream.next();
                index++;
                log.put(index, c);
                Response expected = model.apply(c);
                Response actual = reply(m.apply(index, c));
                assertThat(PartitionModel.sameReply(expected, actual))
                        .as("seed %d index %d: expected %s got %s", seed, index, expected, actual).isTrue();
                model.recordActual(c, actual);
                String context = "seed " + seed + " index " + index;
                int roll = random.nextInt(100);
                if (roll < 3) {
                    m.close();
                    m = PartitionStateMachine.open(TestEngines.options(dir.resolve("r" + replica), engine));
                    assertThat(m.appliedIndex()).as(context).isLessThanOrEqualTo(index);
                    // what the runtime does: replay the log after the applied index; only commands
                    // without effect may have been counted lazily, so the replay changes nothing
                    for (long i = m.appliedIndex() + 1; i <= index; i++) {
                        if (log.containsKey(i)) {
                            m.apply(i, log.get(i));
                        }
                    }
                    ModelComparison.assertSame(model, m, context + " after restart");
                } else if (roll < 6) {
                    byte[] snap = m.snapshot();
                    m.close();
                    replica++;
                    m = PartitionStateMachine.open(TestEngines.options(dir.resolve("r" + replica), engine));
                    m.restore(new Snapshot(index, 1, ConfState.EMPTY, snap));
                    assertThat(m.appliedIndex()).as(context).isEqualTo(index);
                    ModelComparison.assertSame(model, m, context + " after restore");
                }
            }
            ModelComparison.assertSame(model, m, "seed " + seed + " at the end");
        } finally {
            m.close();
        }
    }
}
