package io.kvkit.engine.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StoreDirectoryTest {
    @TempDir
    Path tmp;

    @Test
    void secondLockOnTheSameDirectoryFailsUntilTheFirstIsReleased() throws Exception {
        Path dir = tmp.resolve("store");
        try (StoreDirectory.Lock first = StoreDirectory.lock(dir, "test")) {
            assertThatThrownBy(() -> StoreDirectory.lock(dir, "test")).isInstanceOf(InvalidArgumentException.class)
                    .hasMessageContaining("already open").hasMessageContaining(dir.toString());
        }
        try (StoreDirectory.Lock again = StoreDirectory.lock(dir, "test")) {
            assertThat(Files.exists(dir.resolve(StoreDirectory.LOCK_FILE))).isTrue();
        }
    }

    @Test
    void checkpointTargetMustBeMissingOrEmpty() throws Exception {
        Path missing = tmp.resolve("a/b");
        StoreDirectory.prepareCheckpointTarget(missing);
        assertThat(Files.isDirectory(missing)).isTrue();
        StoreDirectory.prepareCheckpointTarget(missing); // empty is fine
        Files.writeString(missing.resolve("x"), "x");
        assertThatThrownBy(() -> StoreDirectory.prepareCheckpointTarget(missing)).isInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining("not empty");
        StoreDirectory.syncDirectory(missing);
    }
}
