package io.kvkit.raft.netty;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The runtime over Netty with a state machine that snapshots to files: a learner joining after
 * the leader compacted is caught up by the leader's file snapshot, streamed in chunks, and ends
 * with identical files (small state; {@link FileSnapshotBoundedMemoryTest} runs the same with a
 * state larger than the heap).
 */
@Timeout(90)
class FileSnapshotOverNettyTest {

    @TempDir
    Path tmp;

    @Test
    void aLearnerIsCaughtUpFromAFileSnapshotStreamedOverNetty() throws Exception {
        // 12 x 1 MiB, compacting every 4 entries: a snapshot of several chunks and files
        // the scenario throws on a learner caught up without a snapshot, a state that differs, or
        // fewer snapshot bytes received than the state holds; its summary says what it saw
        String summary = FileSnapshotCatchUpScenario.run(tmp, 12, 1, 4);
        System.out.println(summary);
        assertThat(summary).startsWith("state " + 12L * (1 << 20) + " bytes on node 1")
                .contains("node 2 restored from a file snapshot");
    }
}
