package io.kvkit.raft.storage;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.Entry;
import io.kvkit.raft.HardState;
import io.kvkit.raft.Snapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SegmentedRaftLogStorageTest {

    @TempDir
    Path dir;

    private static List<Entry> entries(long term, long from, int n) {
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Entry.normal(term, from + i, ("e" + (from + i) + "@" + term).getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    private List<Path> segments() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".seg")).sorted().toList();
        }
    }

    @Test
    void reopensWithEntriesAndHardState() {
        try (var s = SegmentedRaftLogStorage.open(dir, 4096)) {
            s.append(entries(1, 1, 100));
            s.setHardState(new HardState(3, 2, 90));
            s.sync();
        }
        try (var s = SegmentedRaftLogStorage.open(dir, 4096)) {
            assertThat(s.recoveryReport()).isEmpty();
            assertThat(s.lastIndex()).isEqualTo(100);
            assertThat(s.firstIndex()).isEqualTo(1);
            assertThat(s.initialState().hardState()).isEqualTo(new HardState(3, 2, 90));
            assertThat(s.entries(1, 101, Long.MAX_VALUE)).isEqualTo(entries(1, 1, 100));
        }
    }

    @Test
    void truncatesOnConflictAcrossSegments() throws IOException {
        try (var s = SegmentedRaftLogStorage.open(dir, 4096)) {
            s.append(entries(1, 1, 400));
            s.sync();
            assertThat(segments().size()).isGreaterThan(2);
            s.append(entries(2, 50, 10)); // replaces 50..400 by 50..59 of term 2
            s.setHardState(new HardState(2, 1, 55));
            s.sync();
            assertThat(s.lastIndex()).isEqualTo(59);
        }
        try (var s = SegmentedRaftLogStorage.open(dir, 4096)) {
            assertThat(s.lastIndex()).isEqualTo(59);
            assertThat(s.term(49)).isEqualTo(1);
            assertThat(s.term(50)).isEqualTo(2);
            assertThat(s.initialState().hardState().commit()).isEqualTo(55);
            s.append(entries(2, 60, 5));
            s.sync();
        }
        try (var s = SegmentedRaftLogStorage.open(dir, 4096)) {
            assertThat(s.lastIndex()).isEqualTo(64);
        }
    }

    @Test
    void truncationKeepsTheLatestHardState() {
        try (var s = SegmentedRaftLogStorage.open(dir, 1 << 20)) {
            s.append(entries(1, 1, 10));
            s.setHardState(new HardState(5, 3, 4));
            s.append(entries(5, 8, 2)); // truncates after 7: the hard state record written after 10 is cut
            s.sync();
        }
        try (var s = SegmentedRaftLogStorage.open(dir, 1 << 20)) {
            assertThat(s.initialState().hardState()).isEqualTo(new HardState(5, 3, 4));
            assertThat(s.lastIndex()).isEqualTo(9);
        }
    }

    @Test
    void tornTailIsTruncatedAndReportedAtEveryCutPoint() throws IOException {
        try (var s = SegmentedRaftLogStorage.open(dir, 1 << 20)) {
            s.append(entries(1, 1, 20));
            s.sync();
        }
        Path seg = segments().getFirst();
        byte[] full = Files.readAllBytes(seg);
        try (var s = SegmentedRaftLogStorage.open(dir, 1 << 20)) {
            s.append(entries(1, 21, 1));
            s.sync();
        }
        byte[] longer = Files.readAllBytes(seg);
        // cut the last record at every byte: the log opens with 20 entries and says it truncated
        for (int cut = full.length + 1; cut < longer.length; cut++) {
            Files.write(seg, java.util.Arrays.copyOf(longer, cut));
            try (var s = SegmentedRaftLogStorage.open(dir, 1 << 20)) {
                assertThat(s.lastIndex()).as("cut at %d", cut).isEqualTo(20);
                assertThat(s.recoveryReport()).as("cut at %d", cut).singleElement().asString().contains("torn tail");
            }
            assertThat(Files.size(seg)).isEqualTo(full.length);
        }
    }

    @Test
    void corruptionInTheMiddleIsAnErrorNotATruncation() throws IOException {
        try (var s = SegmentedRaftLogStorage.open(dir, 1 << 20)) {
            s.append(entries(1, 1, 50));
            s.sync();
        }
        Path seg = segments().getFirst();
        byte[] good = Files.readAllBytes(seg);
        Random rnd = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            byte[] bad = good.clone();
            // flip a bit anywhere but in the last record (that would be a torn tail)
            int pos = rnd.nextInt(good.length - 60);
            bad[pos] ^= (byte) (1 << rnd.nextInt(8));
            Files.write(seg, bad);
            assertThatThrownBy(() -> SegmentedRaftLogStorage.open(dir, 1 << 20).close())
                    .as("flip at %d", pos)
                    .isInstanceOf(SegmentedRaftLogStorage.CorruptLogException.class)
                    .hasMessageContaining(seg.getFileName().toString());
        }
        Files.write(seg, good);
        try (var s = SegmentedRaftLogStorage.open(dir, 1 << 20)) {
            assertThat(s.lastIndex()).isEqualTo(50);
        }
    }

    @Test
    void snapshotCompactsAndSurvivesReopen() throws IOException {
        ConfState cs = ConfState.ofVoters(1L, 2L, 3L);
        try (var s = SegmentedRaftLogStorage.open(dir, 4096)) {
            s.append(entries(1, 1, 300));
            s.setHardState(new HardState(1, 1, 250));
            s.sync();
            int before = segments().size();
            s.createSnapshot(200, cs, "state".getBytes(StandardCharsets.UTF_8));
            s.sync();
            assertThat(segments().size()).isLessThan(before);
            assertThat(s.firstIndex()).isEqualTo(201);
            assertThatThrownBy(() -> s.entries(150, 160, 1000)).isInstanceOf(LogCompactedException.class);
        }
        try (var s = SegmentedRaftLogStorage.open(dir, 4096)) {
            assertThat(s.snapshot().index()).isEqualTo(200);
            assertThat(s.snapshot().confState()).isEqualTo(cs);
            assertThat(s.firstIndex()).isEqualTo(201);
            assertThat(s.lastIndex()).isEqualTo(300);
            assertThat(s.term(200)).isEqualTo(1);
            assertThat(s.initialState().hardState().commit()).isEqualTo(250);
        }
    }

    @Test
    void installedSnapshotReplacesTheLog() {
        try (var s = SegmentedRaftLogStorage.open(dir, 4096)) {
            s.append(entries(1, 1, 30));
            s.sync();
            s.applySnapshot(new Snapshot(500, 7, ConfState.ofVoters(1L, 2L), new byte[] {1, 2, 3}));
            s.setHardState(new HardState(7, 0, 500));
            s.append(entries(7, 501, 3));
            s.sync();
        }
        try (var s = SegmentedRaftLogStorage.open(dir, 4096)) {
            assertThat(s.firstIndex()).isEqualTo(501);
            assertThat(s.lastIndex()).isEqualTo(503);
            assertThat(s.snapshot().data()).containsExactly(1, 2, 3);
            assertThat(s.initialState().hardState()).isEqualTo(new HardState(7, 0, 500));
        }
    }

    @Test
    void crashBetweenSnapshotInstallAndLogDeletionDiscardsTheOldHistory() throws IOException {
        try (var s = SegmentedRaftLogStorage.open(dir, 4096)) {
            s.append(entries(1, 1, 30));
            s.setHardState(new HardState(1, 0, 10));
            s.sync();
        }
        // simulate: the snapshot file landed, the old segments were not deleted yet
        List<Path> old = segments();
        Path keep = dir.resolve("keep");
        Files.createDirectories(keep);
        for (Path p : old) {
            Files.copy(p, keep.resolve(p.getFileName()));
        }
        try (var s = SegmentedRaftLogStorage.open(dir, 4096)) {
            s.applySnapshot(new Snapshot(20, 3, ConfState.ofVoters(1L), new byte[0]));
        }
        for (Path p : old) {
            Files.copy(keep.resolve(p.getFileName()), p, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        for (Path p : segments()) {
            if (!old.contains(p)) {
                Files.delete(p);
            }
        }
        try (var s = SegmentedRaftLogStorage.open(dir, 4096)) {
            assertThat(s.firstIndex()).isEqualTo(21);
            assertThat(s.lastIndex()).isEqualTo(20);
            assertThat(s.recoveryReport()).anyMatch(r -> r.contains("superseded by snapshot"));
            assertThat(s.initialState().hardState()).isEqualTo(new HardState(1, 0, 10));
        }
    }

    @Test
    void corruptSnapshotIsAnError() throws IOException {
        try (var s = SegmentedRaftLogStorage.open(dir, 4096)) {
            s.append(entries(1, 1, 10));
            s.setHardState(new HardState(1, 0, 10));
            s.createSnapshot(5, ConfState.ofVoters(1L), new byte[] {9, 9, 9});
        }
        Path snap;
        try (Stream<Path> st = Files.list(dir)) {
            snap = st.filter(p -> p.toString().endsWith(".snap")).findFirst().orElseThrow();
        }
        try (FileChannel ch = FileChannel.open(snap, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {0x55}), 30);
        }
        assertThatThrownBy(() -> SegmentedRaftLogStorage.open(dir, 4096))
                .isInstanceOf(SegmentedRaftLogStorage.CorruptLogException.class)
                .hasMessageContaining("snapshot checksum");
    }
}
