package io.kvkit.raft.storage;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.Entry;
import io.kvkit.raft.HardState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DirectoryRaftLogStoreTest {

    @TempDir
    Path dir;

    @Test
    void groupsComeBackFromTheirDirectories() {
        try (var store = DirectoryRaftLogStore.open(dir, 4096)) {
            for (long g = 1; g <= 3; g++) {
                RaftLogStorage s = store.open(g);
                s.append(List.of(Entry.normal(1, 1, new byte[] {(byte) g}), Entry.normal(1, 2, new byte[0])));
                s.setHardState(new HardState(1, 0, 2));
            }
            store.open(2).createSnapshot(1, ConfState.ofVoters(1L), new byte[] {7});
            store.sync();
        }
        try (var store = DirectoryRaftLogStore.open(dir, 4096)) {
            assertThat(store.recoveryReport()).isEmpty();
            assertThat(store.groupIds()).containsExactlyInAnyOrder(1L, 2L, 3L);
            assertThat(store.open(1).entries(1, 3, Long.MAX_VALUE).getFirst().data()).containsExactly(1);
            assertThat(store.open(2).firstIndex()).isEqualTo(2);
            assertThat(store.open(2).snapshot().data()).containsExactly(7);
            assertThat(store.open(3).initialState().hardState()).isEqualTo(new HardState(1, 0, 2));
        }
    }

    @Test
    void aDeletionInterruptedByACrashIsFinishedOnOpen() throws IOException {
        try (var store = DirectoryRaftLogStore.open(dir, 4096)) {
            store.open(4).append(List.of(Entry.normal(1, 1, new byte[1])));
            store.open(5).append(List.of(Entry.normal(1, 1, new byte[1])));
            store.delete(4);
            assertThat(store.groupIds()).containsExactly(5L);
            assertThat(dir.resolve("group-4")).doesNotExist();
        }
        // a crash after the rename, before the files were gone
        Files.createDirectories(dir.resolve("group-6.deleted"));
        Files.write(dir.resolve("group-6.deleted").resolve("log-00000000000000000001.seg"), new byte[] {1, 2, 3});
        try (var store = DirectoryRaftLogStore.open(dir, 4096)) {
            assertThat(store.recoveryReport()).singleElement().asString().contains("group-6.deleted");
            assertThat(store.groupIds()).containsExactly(5L);
            assertThat(dir.resolve("group-6.deleted")).doesNotExist();
        }
    }

    @Test
    void aDeletedGroupsViewRefusesWork() {
        try (var store = DirectoryRaftLogStore.open(dir, 4096)) {
            RaftLogStorage s = store.open(8);
            store.delete(8);
            assertThatThrownBy(s::lastIndex).isInstanceOf(IllegalStateException.class).hasMessageContaining("deleted");
            assertThat(store.open(8).lastIndex()).isZero(); // a new, empty log
        }
    }
}
