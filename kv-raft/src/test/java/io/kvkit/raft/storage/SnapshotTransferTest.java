package io.kvkit.raft.storage;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.Snapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SnapshotTransferTest {

    @TempDir
    Path dir;

    private static Snapshot bigSnapshot() {
        byte[] data = new byte[100_000];
        new Random(3).nextBytes(data);
        return new Snapshot(1234, 7, new ConfState(List.of(1L, 2L, 3L), List.of(4L)), data);
    }

    @Test
    void resumesAfterTheReceiverRestarts() {
        Snapshot s = bigSnapshot();
        SnapshotSender sender = new SnapshotSender(s, 8_192);
        SnapshotReceiver r1 = new SnapshotReceiver(dir);
        long off = r1.resumeOffset(s.index(), s.term());
        assertThat(off).isZero();
        for (int i = 0; i < 5; i++) {
            SnapshotChunk c = sender.chunkAt(off);
            assertThat(r1.accept(c)).isEmpty();
            off += c.bytes().length;
        }
        // the receiving node restarts: a new receiver on the same directory picks up from there
        SnapshotReceiver r2 = new SnapshotReceiver(dir);
        long resume = r2.resumeOffset(s.index(), s.term());
        assertThat(resume).isEqualTo(5 * 8_192);
        Optional<Snapshot> done = Optional.empty();
        while (done.isEmpty()) {
            SnapshotChunk c = sender.chunkAt(resume);
            done = r2.accept(c);
            resume += c.bytes().length;
        }
        assertThat(done.get().index()).isEqualTo(1234);
        assertThat(done.get().confState()).isEqualTo(s.confState());
        assertThat(done.get().data()).isEqualTo(s.data());
        assertThat(r2.resumeOffset(s.index(), s.term())).as("part file removed once complete").isZero();
    }

    @Test
    void rejectsDamagedAndMisplacedChunks() {
        Snapshot s = bigSnapshot();
        SnapshotSender sender = new SnapshotSender(s, 8_192);
        SnapshotReceiver r = new SnapshotReceiver(dir);
        SnapshotChunk first = sender.chunkAt(0);
        byte[] bad = first.bytes().clone();
        bad[100] ^= 1;
        assertThatThrownBy(() -> r.accept(new SnapshotChunk(first.index(), first.term(), 0, bad, first.totalBytes(), first.crc32c())))
                .hasMessageContaining("failed its checksum");
        assertThatThrownBy(() -> r.accept(sender.chunkAt(8_192))).hasMessageContaining("resume at offset 0");
        r.accept(first);
        assertThat(r.resumeOffset(s.index(), s.term())).isEqualTo(8_192);
    }

    @Test
    void aNewerSnapshotDiscardsAnOlderPartialTransfer() {
        Snapshot s = bigSnapshot();
        SnapshotReceiver r = new SnapshotReceiver(dir);
        r.accept(new SnapshotSender(s, 1_000).chunkAt(0));
        Snapshot newer = new Snapshot(2000, 8, s.confState(), new byte[10]);
        assertThat(r.resumeOffset(newer.index(), newer.term())).isZero();
        assertThat(r.resumeOffset(s.index(), s.term())).as("the old partial file is gone").isZero();
        Optional<Snapshot> got = r.accept(new SnapshotSender(newer, 1_000).chunkAt(0));
        assertThat(got).isPresent();
    }
}
