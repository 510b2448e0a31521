package io.kvkit.raft;

import io.kvkit.raft.storage.MemoryRaftLogStorage;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A host may apply committed entries before the Ready that raised the commit index is synced
 * (the runtime does, to take an fsync off the reply path). After a crash in between, the state
 * machine stands past the persisted commit index: the core must restart from there, not refuse.
 */
class RestartAheadOfCommitTest {

    private static MemoryRaftLogStorage logWithEntriesUpTo5CommitAt3() {
        MemoryRaftLogStorage s = MemoryRaftLogStorage.bootstrap(new ConfState(List.of(1L, 2L, 3L), List.of()));
        s.append(List.of(entry(2), entry(3), entry(4), entry(5)));
        s.setHardState(new HardState(2, 1, 3));
        return s;
    }

    private static Entry entry(long index) {
        return new Entry(2, index, EntryType.NORMAL, new byte[] {(byte) index});
    }

    @Test
    void stateMachineAheadOfThePersistedCommitRestartsWithCommitAtItsAppliedIndex() {
        RaftCore core = new RaftCore(RaftOptions.defaults(1), logWithEntriesUpTo5CommitAt3(), 5);
        assertThat(core.commitIndex()).isEqualTo(5);
        assertThat(core.appliedIndex()).isEqualTo(5);
        assertThat(core.hasReady()).as("nothing to apply again").isFalse();
    }

    @Test
    void stateMachineAheadOfTheLogItselfIsRefused() {
        assertThatThrownBy(() -> new RaftCore(RaftOptions.defaults(1), logWithEntriesUpTo5CommitAt3(), 6))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("past the last log index 5");
    }
}
