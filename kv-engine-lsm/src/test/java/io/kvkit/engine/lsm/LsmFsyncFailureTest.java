package io.kvkit.engine.lsm;

import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.EngineHaltedException;
import io.kvkit.engine.api.WriteOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * PITFALLS #21 ("fsyncgate"): after a failed fsync the kernel may have dropped the dirty pages,
 * so a later successful fsync proves nothing. The engine must not acknowledge the batch, must not
 * retry, and must refuse every later write until reopened; reads go on.
 */
class LsmFsyncFailureTest {
    @TempDir
    Path tmp;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void failedLogFsyncHaltsWritesForGood() {
        Path dir = tmp.resolve("db");
        try (LsmEngine db = LsmEngine.open(EngineConfig.of(dir))) {
            db.put(WriteOptions.SYNC, b("a"), b("1"));
            db.injectLogSyncFailure();
            assertThatThrownBy(() -> db.put(WriteOptions.SYNC, b("b"), b("2"))).isInstanceOf(EngineHaltedException.class);
            // no retry: later writes, synced or not, and sync() itself are refused
            assertThatThrownBy(() -> db.put(b("c"), b("3"))).isInstanceOf(EngineHaltedException.class)
                    .hasMessageContaining("reopen");
            assertThatThrownBy(db::sync).isInstanceOf(EngineHaltedException.class);
            assertThat(db.get(b("a"))).isEqualTo(b("1"));
            assertThat(db.stats().properties().get("lsm.halted")).isEqualTo(1);
        }
        try (LsmEngine db = LsmEngine.open(EngineConfig.of(dir))) {
            assertThat(db.get(b("a"))).isEqualTo(b("1"));
            assertThat(db.get(b("c"))).as("a write refused after the halt").isNull();
            // "b" was written to the page cache but never acknowledged: either outcome is a prefix
            db.put(b("d"), b("4"));
            assertThat(db.get(b("d"))).isEqualTo(b("4"));
        }
    }
}
