package io.kvkit.engine.hash;

import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.EngineHaltedException;
import io.kvkit.engine.api.WriteOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * PITFALLS #21 ("fsyncgate"): after a failed fsync the kernel may have dropped the dirty pages,
 * so a later successful fsync proves nothing. The store must not acknowledge the write, must not
 * retry, and must refuse every later write until reopened; reads go on.
 */
class HashFsyncFailureTest {
    @TempDir
    Path tmp;

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    @Test
    void aFailedSyncWriteHaltsTheStoreAndIsNeverRetried() {
        EngineConfig config = EngineConfig.builder(tmp.resolve("db")).options(SmallHashOptions.OPTIONS).build();
        HashEngine db = HashEngine.open(config);
        db.put(WriteOptions.SYNC, b("a"), b("1"));
        db.failForcesForTests(new IOException("EIO (injected)"));
        assertThatThrownBy(() -> db.put(WriteOptions.SYNC, b("b"), b("2")))
                .isInstanceOf(EngineHaltedException.class).hasRootCauseMessage("EIO (injected)");
        db.failForcesForTests(null); // the disk "recovers": the store must still refuse
        assertThatThrownBy(() -> db.put(b("c"), b("3"))).isInstanceOf(EngineHaltedException.class);
        assertThatThrownBy(() -> db.put(WriteOptions.SYNC, b("c"), b("3"))).isInstanceOf(EngineHaltedException.class);
        assertThatThrownBy(db::sync).isInstanceOf(EngineHaltedException.class);
        assertThat(db.get(b("a"))).as("reads go on").isEqualTo(b("1"));
        assertThat(db.stats().properties()).containsEntry("hash.halted", 1);
        db.close();
        try (HashEngine again = HashEngine.open(config)) {
            assertThat(again.get(b("a"))).isEqualTo(b("1"));
            assertThat(again.get(b("c"))).as("refused, so never written").isNull();
            again.put(WriteOptions.SYNC, b("d"), b("4"));
            assertThat(again.get(b("d"))).isEqualTo(b("4"));
        }
    }

    /** Unsynced writes are forced by the background thread once their segment is sealed: a failure there halts too. */
    @Test
    void aFailedBackgroundForceHaltsTheStore() throws Exception {
        EngineConfig config = EngineConfig.builder(tmp.resolve("db2")).options(SmallHashOptions.OPTIONS).build();
        HashEngine db = HashEngine.open(config);
        db.failForcesForTests(new IOException("EIO (injected)"));
        byte[] value = new byte[1000];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        boolean halted = false;
        int written = 0;
        while (!halted && System.nanoTime() < deadline) {
            try {
                db.put(b("k" + written), value); // 64 KiB segments: they seal every ~60 puts
                written++;
            } catch (EngineHaltedException e) {
                halted = true;
                assertThat(e).hasRootCauseMessage("EIO (injected)");
            }
            if (written % 100 == 0) {
                Thread.sleep(10); // let the maintenance thread (every 5 ms) reach the sealed segments
            }
        }
        assertThat(halted).as("a write was refused after the background force failed (%d written)", written).isTrue();
        db.failForcesForTests(null);
        assertThatThrownBy(() -> db.put(b("later"), value)).isInstanceOf(EngineHaltedException.class);
        assertThat(db.get(b("k0"))).as("reads go on").isEqualTo(value);
        db.close();
        try (HashEngine again = HashEngine.open(config)) {
            assertThat(again.get(b("later"))).isNull();
            again.put(WriteOptions.SYNC, b("after"), b("reopen"));
            assertThat(again.get(b("after"))).isEqualTo(b("reopen"));
        }
    }
}
