package io.kvkit.server.node;

import io.kvkit.raft.storage.SharedRaftLogOptions;
import io.kvkit.raft.storage.SharedRaftLogStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The fsync-timing wrapper must be invisible to the runtime: everything the store offers passes through. */
class TimedRaftLogStoreTest {
    @TempDir
    Path tmp;

    /**
     * Found when leader balancing (which wraps the node's log store) met file-backed snapshots:
     * the wrapper answered the interface's default (no file snapshots), and every partition,
     * whose state machine snapshots to files, was refused at start.
     */
    @Test
    void fileSnapshotsOfTheWrappedStorePassThrough() {
        try (SharedRaftLogStore shared = SharedRaftLogStore.open(tmp, SharedRaftLogOptions.defaults())) {
            TimedRaftLogStore timed = new TimedRaftLogStore(shared, 1_000_000);
            assertThat(shared.fileSnapshots()).isNotNull();
            assertThat(timed.fileSnapshots()).isSameAs(shared.fileSnapshots());
        }
    }
}
