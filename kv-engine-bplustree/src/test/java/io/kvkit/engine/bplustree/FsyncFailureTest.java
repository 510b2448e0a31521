package io.kvkit.engine.bplustree;

import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.EngineHaltedException;
import io.kvkit.engine.api.WriteOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * PITFALLS #21 ("fsyncgate"): after a failed fsync the kernel may have dropped the dirty pages,
 * so a later successful fsync proves nothing. The engine must not acknowledge the write, must
 * not retry, and must refuse every later write until reopened; reads go on.
 */
class FsyncFailureTest {
    @TempDir
    Path tmp;

    @Test
    void aFailedFsyncHaltsWritesAndIsNeverRetried() {
        EngineConfig config = EngineConfig.builder(tmp.resolve("db")).option("idleCheckpointMillis", "0")
                .option("checkpointEveryBytes", "1MiB").build();
        BPlusTreeEngine db = BPlusTreeEngine.open(config);
        db.put(WriteOptions.SYNC, "a".getBytes(), "1".getBytes());
        db.failForcesForTests(new IOException("EIO (injected)"));
        assertThatThrownBy(() -> db.put(WriteOptions.SYNC, "b".getBytes(), "2".getBytes()))
                .isInstanceOf(EngineHaltedException.class).hasRootCauseMessage("EIO (injected)");
        db.failForcesForTests(null); // the disk "recovers": the engine must still refuse
        assertThatThrownBy(() -> db.put("c".getBytes(), "3".getBytes())).isInstanceOf(EngineHaltedException.class);
        assertThatThrownBy(db::sync).isInstanceOf(EngineHaltedException.class);
        assertThat(db.get("a".getBytes())).as("reads go on").isEqualTo("1".getBytes());
        db.close();
        try (BPlusTreeEngine again = BPlusTreeEngine.open(config)) {
            assertThat(again.get("a".getBytes())).isEqualTo("1".getBytes());
            assertThat(again.get("c".getBytes())).as("never acknowledged").isNull();
            again.put(WriteOptions.SYNC, "d".getBytes(), "4".getBytes());
            assertThat(again.get("d".getBytes())).isEqualTo("4".getBytes());
        }
    }

    @Test
    void aFailedCheckpointFsyncHaltsToo() {
        EngineConfig config = EngineConfig.builder(tmp.resolve("db2")).option("idleCheckpointMillis", "0")
                .option("checkpointEveryOps", "10").option("checkpointEveryBytes", "1MiB").build();
        BPlusTreeEngine db = BPlusTreeEngine.open(config);
        for (int i = 0; i < 5; i++) {
            db.put(("k" + i).getBytes(), "v".getBytes());
        }
        db.failForcesForTests(new IOException("EIO (injected)"));
        assertThatThrownBy(() -> {
            for (int i = 5; i < 20; i++) {
                db.put(("k" + i).getBytes(), "v".getBytes());
            }
        }).isInstanceOf(EngineHaltedException.class);
        assertThatThrownBy(() -> db.put("x".getBytes(), "y".getBytes())).isInstanceOf(EngineHaltedException.class);
        db.close();
        try (BPlusTreeEngine again = BPlusTreeEngine.open(config)) {
            for (int i = 0; i < 5; i++) {
                assertThat(again.get(("k" + i).getBytes())).isEqualTo("v".getBytes());
            }
            again.check();
        }
    }
}
