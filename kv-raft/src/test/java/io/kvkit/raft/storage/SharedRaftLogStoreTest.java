package io.kvkit.raft.storage;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.Entry;
import io.kvkit.raft.HardState;
import io.kvkit.raft.Snapshot;
import io.kvkit.raft.storage.SegmentedRaftLogStorage.CorruptLogException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SharedRaftLogStoreTest {

    @TempDir
    Path dir;

    private static final SharedRaftLogOptions SMALL = SharedRaftLogOptions.defaults().withSegmentBytes(8192).withWriteBufferBytes(4096);

    private static byte[] data(long group, long index, long term) {
        return ("g" + group + "e" + index + "@" + term + "-".repeat((int) (index % 7) * 10)).getBytes(StandardCharsets.UTF_8);
    }

    private static List<Entry> entries(long group, long term, long from, int n) {
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Entry.normal(term, from + i, data(group, from + i, term)));
        }
        return out;
    }

    private List<Path> segments(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(p -> SharedLogFormat.segmentSeq(p.getFileName().toString()) >= 0).sorted().toList();
        }
    }

    private static void assertLog(RaftLogStorage s, long group, long term, long first, long last) {
        assertThat(s.firstIndex()).as("first index of group %d", group).isEqualTo(first);
        assertThat(s.lastIndex()).as("last index of group %d", group).isEqualTo(last);
        if (last >= first) {
            assertThat(s.entries(first, last + 1, Long.MAX_VALUE)).as("entries of group %d", group)
                    .isEqualTo(entries(group, term, first, (int) (last - first + 1)));
        }
    }

    @Test
    void reopensEveryGroupWithEntriesHardStatesAndSnapshots() {
        ConfState cs = ConfState.ofVoters(1L, 2L, 3L);
        try (var store = SharedRaftLogStore.open(dir, SMALL)) {
            for (long g = 1; g <= 5; g++) {
                RaftLogStorage s = store.open(g);
                s.append(entries(g, 1, 1, 40));
                s.setHardState(new HardState(1, g, 30));
            }
            store.open(3).createSnapshot(25, cs, "three".getBytes(StandardCharsets.UTF_8));
            store.open(4).applySnapshot(new Snapshot(100, 2, cs, "four".getBytes(StandardCharsets.UTF_8)));
            store.open(4).setHardState(new HardState(2, 0, 100));
            store.open(4).append(entries(4, 2, 101, 5));
            store.open(6); // created, nothing else written
            store.sync();
        }
        try (var store = SharedRaftLogStore.open(dir, SMALL)) {
            assertThat(store.recoveryReport()).isEmpty();
            assertThat(store.groupIds()).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L, 6L);
            for (long g : List.of(1L, 2L, 5L)) {
                assertLog(store.open(g), g, 1, 1, 40);
                assertThat(store.open(g).initialState().hardState()).isEqualTo(new HardState(1, g, 30));
            }
            assertLog(store.open(3), 3, 1, 26, 40);
            assertThat(store.open(3).snapshot().data()).asString(StandardCharsets.UTF_8).isEqualTo("three");
            assertThat(store.open(3).term(25)).isEqualTo(1);
            assertLog(store.open(4), 4, 2, 101, 105);
            assertThat(store.open(4).snapshot().index()).isEqualTo(100);
            assertThat(store.open(4).initialState()).isEqualTo(new InitialState(new HardState(2, 0, 100), cs));
            assertThat(store.open(6).lastIndex()).isZero();
            assertThat(store.open(6).initialState().hardState()).isEqualTo(HardState.EMPTY);
        }
    }

    @Test
    void withoutFsyncASyncHandsTheBytesToTheOsAndForcesNothing() {
        try (var store = SharedRaftLogStore.open(dir, SMALL.withFsync(false))) {
            store.open(1).append(entries(1, 1, 1, 3));
            long before = store.stats().fsyncs(); // creating the first segment forces its header and the directory
            store.sync();
            store.open(1).append(entries(1, 1, 4, 3));
            store.sync();
            assertThat(store.stats().fsyncs() - before).as("fsyncs by sync()").isZero();
            // no close: what a killed process leaves behind is what was written, and sync() wrote it
            try (var reader = SharedRaftLogStore.open(dir, SMALL)) {
                assertLog(reader.open(1), 1, 1, 1, 6);
            }
        }
    }

    @Test
    void tornTailIsTruncatedAndReportedAtEveryCutPoint() throws IOException {
        try (var store = SharedRaftLogStore.open(dir, SharedRaftLogOptions.defaults())) {
            for (long g = 1; g <= 3; g++) {
                store.open(g).append(entries(g, 1, 1, 20));
            }
            store.sync();
        }
        Path seg = segments(dir).getLast();
        byte[] full = Files.readAllBytes(seg);
        try (var store = SharedRaftLogStore.open(dir, SharedRaftLogOptions.defaults())) {
            store.open(2).append(entries(2, 1, 21, 2));
            store.sync();
        }
        byte[] longer = Files.readAllBytes(seg);
        assertThat(longer.length).isGreaterThan(full.length + 40);
        // cut the last record at every byte: group 2 is back at 20 entries, the others intact
        for (int cut = full.length + 1; cut < longer.length; cut++) {
            Files.write(seg, Arrays.copyOf(longer, cut));
            try (var store = SharedRaftLogStore.open(dir, SharedRaftLogOptions.defaults())) {
                assertThat(store.recoveryReport()).as("cut at %d", cut).singleElement().asString()
                        .contains("torn tail").contains(seg.getFileName().toString()).contains("offset " + full.length);
                for (long g = 1; g <= 3; g++) {
                    assertLog(store.open(g), g, 1, 1, 20);
                }
            }
            assertThat(Files.size(seg)).isEqualTo(full.length);
        }
    }

    /**
     * A roll whose new segment kept only part of its header: the segment is removed and reported,
     * and the one before it is the active segment again. It was opened read-only as a sealed
     * segment, so the first write after such a recovery failed (NonWritableChannelException)
     * until it was reopened for writing.
     */
    @Test
    void aNewSegmentWithATornHeaderIsRemovedAndReported() throws IOException {
        try (var store = SharedRaftLogStore.open(dir, SMALL)) {
            store.open(1).append(entries(1, 1, 1, 30));
            store.sync();
        }
        List<Path> segs = segments(dir);
        long next = SharedLogFormat.segmentSeq(segs.getLast().getFileName().toString()) + 1;
        // a roll whose header never became durable
        Path torn = dir.resolve(SharedLogFormat.segmentName(next));
        Files.write(torn, new byte[] {'K', 'V', 'S'});
        try (var store = SharedRaftLogStore.open(dir, SMALL)) {
            assertThat(store.recoveryReport()).singleElement().asString().contains("torn header").contains(torn.getFileName().toString());
            assertLog(store.open(1), 1, 1, 1, 30);
            store.open(1).append(entries(1, 1, 31, 1));
        }
        try (var store = SharedRaftLogStore.open(dir, SMALL)) {
            assertThat(store.recoveryReport()).isEmpty();
            assertLog(store.open(1), 1, 1, 1, 31);
        }
        // the same in a segment that is not the last one is corruption
        Files.write(torn, new byte[] {'K', 'V', 'S'});
        Files.write(dir.resolve(SharedLogFormat.segmentName(next + 1)), new byte[0]);
        assertThatThrownBy(() -> SharedRaftLogStore.open(dir, SMALL))
                .isInstanceOf(CorruptLogException.class)
                .hasMessageContaining(torn.getFileName().toString());
    }

    @Test
    void aBitFlippedAnywhereButInTheLastRecordIsAnErrorNamingFileAndOffset() throws IOException {
        SharedRaftLogOptions options = SMALL.withSegmentBytes(4096).withRewriteLivePercent(0);
        try (var store = SharedRaftLogStore.open(dir, options)) {
            for (long i = 1; i <= 60; i++) {
                for (long g = 1; g <= 3; g++) {
                    store.open(g).append(entries(g, 1, i, 1));
                }
            }
        }
        long beforeLastRecord = Files.size(segments(dir).getLast());
        try (var store = SharedRaftLogStore.open(dir, options)) {
            store.open(3).append(entries(3, 1, 61, 1));
        }
        List<Path> segs = segments(dir);
        assertThat(segs.size()).isGreaterThan(2);
        Random rnd = new Random(11);
        for (int trial = 0; trial < 200; trial++) {
            Path seg = segs.get(rnd.nextInt(segs.size()));
            byte[] good = Files.readAllBytes(seg);
            // in the last segment, stay clear of its last record (that would be a torn tail)
            int room = seg.equals(segs.getLast()) ? (int) Math.min(beforeLastRecord, good.length) : good.length;
            int pos = rnd.nextInt(room);
            byte[] bad = good.clone();
            bad[pos] ^= (byte) (1 << rnd.nextInt(8));
            Files.write(seg, bad);
            try {
                assertThatThrownBy(() -> SharedRaftLogStore.open(dir, options).close())
                        .as("flip at %d of %s", pos, seg.getFileName())
                        .isInstanceOf(CorruptLogException.class)
                        .hasMessageContaining(seg.getFileName().toString())
                        .hasMessageContaining("at offset");
            } finally {
                Files.write(seg, good);
            }
        }
        try (var store = SharedRaftLogStore.open(dir, options)) {
            assertThat(store.recoveryReport()).isEmpty();
            for (long g = 1; g <= 3; g++) {
                assertLog(store.open(g), g, 1, 1, g == 3 ? 61 : 60);
            }
        }
    }

    @Test
    void aMissingSegmentIsCorruption() throws IOException {
        try (var store = SharedRaftLogStore.open(dir, SMALL.withSegmentBytes(4096).withRewriteLivePercent(0))) {
            for (long i = 1; i <= 300; i++) {
                store.open(1).append(entries(1, 1, i, 1));
            }
            store.sync();
        }
        List<Path> segs = segments(dir);
        assertThat(segs.size()).isGreaterThan(2);
        Files.delete(segs.get(1));
        assertThatThrownBy(() -> SharedRaftLogStore.open(dir, SMALL))
                .isInstanceOf(CorruptLogException.class)
                .hasMessageContaining(segs.get(2).getFileName().toString())
                .hasMessageContaining("missing");
    }

    @Test
    void aMissingSnapshotFileIsCorruption() throws IOException {
        try (var store = SharedRaftLogStore.open(dir, SMALL)) {
            RaftLogStorage s = store.open(7);
            s.append(entries(7, 1, 1, 10));
            s.setHardState(new HardState(1, 0, 10));
            s.createSnapshot(8, ConfState.ofVoters(1L), new byte[] {1});
        }
        Path snap = dir.resolve(SharedLogFormat.snapshotName(7, 8));
        assertThat(snap).exists();
        Files.delete(snap);
        assertThatThrownBy(() -> SharedRaftLogStore.open(dir, SMALL))
                .isInstanceOf(CorruptLogException.class)
                .hasMessageContaining(snap.getFileName().toString())
                .hasMessageContaining("snapshot file is missing");
    }

    @Test
    void crashAfterACompactionSnapshotFileButBeforeItsMarkerKeepsTheLog() throws IOException {
        try (var store = SharedRaftLogStore.open(dir, SMALL)) {
            store.open(1).append(entries(1, 1, 1, 20));
            store.open(1).setHardState(new HardState(1, 0, 20));
        }
        // the snapshot file landed, its marker record did not
        Files.write(dir.resolve(SharedLogFormat.snapshotName(1, 10)),
                SnapshotCodec.encode(new Snapshot(10, 1, ConfState.ofVoters(1L), new byte[] {4})));
        try (var store = SharedRaftLogStore.open(dir, SMALL)) {
            assertThat(store.recoveryReport()).isEmpty();
            assertLog(store.open(1), 1, 1, 11, 20);
            assertThat(store.open(1).snapshot().data()).containsExactly(4);
        }
    }

    @Test
    void crashAfterAnInstalledSnapshotFileButBeforeItsMarkerDropsTheReplacedLog() throws IOException {
        try (var store = SharedRaftLogStore.open(dir, SMALL)) {
            store.open(1).append(entries(1, 1, 1, 20));
            store.open(1).setHardState(new HardState(1, 0, 10));
        }
        // a snapshot from a leader of term 5 whose log differs at 15
        Files.write(dir.resolve(SharedLogFormat.snapshotName(1, 15)),
                SnapshotCodec.encode(new Snapshot(15, 5, ConfState.ofVoters(1L), new byte[] {5})));
        try (var store = SharedRaftLogStore.open(dir, SMALL)) {
            assertThat(store.recoveryReport()).singleElement().asString().contains("superseded by snapshot at 15");
            assertThat(store.open(1).firstIndex()).isEqualTo(16);
            assertThat(store.open(1).lastIndex()).isEqualTo(15);
            assertThat(store.open(1).term(15)).isEqualTo(5);
        }
    }

    /**
     * Group 1 writes three entries and falls silent; groups 2 and 3 write on and compact. The old
     * segments hold nothing live but group 1's few entries and hard state: they are copied to the
     * tail and the segments deleted, and everything reads back the same, before and after reopen.
     */
    @Test
    void anIdleGroupDoesNotPinOldSegments() {
        try (var store = SharedRaftLogStore.open(dir, SMALL.withSegmentBytes(4096))) {
            RaftLogStorage slow = store.open(1);
            slow.append(entries(1, 1, 1, 3));
            slow.setHardState(new HardState(1, 2, 2));
            store.sync();
            for (long i = 1; i <= 400; i++) {
                for (long g = 2; g <= 3; g++) {
                    RaftLogStorage s = store.open(g);
                    s.append(entries(g, 1, i, 1));
                    s.setHardState(new HardState(1, 0, i));
                    if (i % 25 == 0) {
                        s.createSnapshot(i - 5, ConfState.ofVoters(1L), new byte[0]);
                    }
                }
                store.sync();
            }
            SharedRaftLogStats stats = store.stats();
            System.out.println("idle group: " + stats);
            assertThat(stats.deletedSegments()).isGreaterThan(10);
            assertThat(stats.rewrittenBytes()).isPositive();
            assertThat(stats.segments()).isLessThan(8);
            assertThat(stats.liveBytes()).isLessThan(stats.totalBytes());
            assertThat(SharedLogFormat.segmentSeq(dir.toFile().list((d, n) -> n.startsWith("seg-"))[0])).isGreaterThan(1);
            assertLog(slow, 1, 1, 1, 3);
            assertThat(slow.initialState().hardState()).isEqualTo(new HardState(1, 2, 2));
        }
        try (var store = SharedRaftLogStore.open(dir, SMALL)) {
            assertThat(store.recoveryReport()).isEmpty();
            assertLog(store.open(1), 1, 1, 1, 3);
            assertThat(store.open(1).initialState().hardState()).isEqualTo(new HardState(1, 2, 2));
            assertLog(store.open(2), 2, 1, 396, 400);
            assertLog(store.open(3), 3, 1, 396, 400);
        }
    }

    /**
     * Found by the model test (seed 10096512336155): a group compacted to 5 and kept entries 6..10;
     * the segment holding its snapshot marker was collected (its entries and hard state were
     * rewritten, the marker was not). On reopen the snapshot file had no marker, so replay took it
     * for an installed snapshot whose marker was lost, dropped entries 6..10, and refused to open
     * (commit 10 past the last entry 5). The latest marker is now live and rewritten like the
     * hard state.
     */
    @Test
    void snapshotMarkerSurvivesTheCollectionOfItsSegment() {
        try (var store = SharedRaftLogStore.open(dir, SMALL)) {
            RaftLogStorage s = store.open(1);
            s.append(entries(1, 1, 1, 10));
            s.setHardState(new HardState(1, 0, 10));
            s.createSnapshot(5, ConfState.ofVoters(1L), new byte[] {5});
            RaftLogStorage busy = store.open(2);
            for (long i = 1; i <= 300; i++) {
                busy.append(entries(2, 1, i, 1));
                busy.setHardState(new HardState(1, 0, i));
                if (i % 10 == 0) {
                    busy.createSnapshot(i, ConfState.ofVoters(1L), new byte[0]);
                }
                store.sync();
            }
            assertThat(store.stats().deletedSegments()).isPositive();
        }
        try (var store = SharedRaftLogStore.open(dir, SMALL)) {
            assertThat(store.recoveryReport()).isEmpty();
            assertLog(store.open(1), 1, 1, 6, 10);
            assertThat(store.open(1).snapshot().data()).containsExactly(5);
        }
    }

    /**
     * Group 1 keeps 60 uncompacted entries, most of the first segment, and falls silent; group 2
     * writes on and compacts. The first segment alone is too live to rewrite, but together with
     * the dead segments behind it little is live: all of them go, group 1's entries move forward.
     * (The first policy judged each segment alone, so the first one pinned every later one.)
     */
    @Test
    void aSlowGroupWithMuchLiveDataDoesNotPinTheDeadSegmentsBehindIt() {
        try (var store = SharedRaftLogStore.open(dir, SMALL.withSegmentBytes(4096))) {
            RaftLogStorage slow = store.open(1);
            for (long i = 1; i <= 60; i++) {
                slow.append(entries(1, 1, i, 1));
            }
            store.sync();
            RaftLogStorage busy = store.open(2);
            for (long i = 1; i <= 500; i++) {
                busy.append(entries(2, 1, i, 1));
                busy.setHardState(new HardState(1, 0, i));
                if (i % 10 == 0) {
                    busy.createSnapshot(i, ConfState.ofVoters(1L), new byte[0]);
                }
                store.sync();
            }
            SharedRaftLogStats stats = store.stats();
            assertThat(stats.segments()).as("%s", stats).isLessThan(6);
            assertThat(stats.rewrittenBytes()).as("%s", stats).isPositive();
            assertLog(slow, 1, 1, 1, 60);
        }
        try (var store = SharedRaftLogStore.open(dir, SMALL)) {
            assertLog(store.open(1), 1, 1, 1, 60);
        }
    }

    @Test
    void deadSegmentsAreDeletedWithoutCopyingWhenRewriteIsOff() {
        try (var store = SharedRaftLogStore.open(dir, SMALL.withRewriteLivePercent(0))) {
            RaftLogStorage s = store.open(1);
            for (long i = 1; i <= 400; i++) {
                s.append(entries(1, 1, i, 1));
                s.setHardState(new HardState(1, 0, i));
                if (i % 20 == 0) {
                    s.createSnapshot(i, ConfState.ofVoters(1L), new byte[0]);
                }
                store.sync();
            }
            assertThat(store.stats().deletedSegments()).isPositive();
            assertThat(store.stats().rewrittenBytes()).isZero();
        }
        try (var store = SharedRaftLogStore.open(dir, SMALL)) {
            assertThat(store.open(1).firstIndex()).isEqualTo(401);
            assertThat(store.open(1).initialState().hardState().commit()).isEqualTo(400);
        }
    }

    @Test
    void aDeletedGroupStaysDeletedAndItsSnapshotIsRemoved() throws IOException {
        try (var store = SharedRaftLogStore.open(dir, SMALL)) {
            RaftLogStorage s = store.open(9);
            s.append(entries(9, 1, 1, 10));
            s.setHardState(new HardState(1, 0, 10));
            s.createSnapshot(5, ConfState.ofVoters(1L), new byte[] {1});
            store.open(10).append(entries(10, 1, 1, 3));
            store.delete(9);
            assertThat(store.groupIds()).containsExactly(10L);
            assertThatThrownBy(s::lastIndex).isInstanceOf(IllegalStateException.class).hasMessageContaining("deleted");
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("snap-"));
        }
        try (var store = SharedRaftLogStore.open(dir, SMALL)) {
            assertThat(store.groupIds()).containsExactly(10L);
            assertThat(store.open(9).lastIndex()).isZero(); // a new, empty log
            assertLog(store.open(10), 10, 1, 1, 3);
        }
    }

    @Test
    void aHundredGroupsWrittenThenOneSyncCostOneFsyncHereAndAHundredInTheDirectoryStore() {
        long shared;
        try (var store = SharedRaftLogStore.open(dir.resolve("shared"), SharedRaftLogOptions.defaults())) {
            for (long g = 1; g <= 100; g++) {
                store.open(g);
            }
            store.sync();
            long before = store.fsyncCount();
            for (long g = 1; g <= 100; g++) {
                store.open(g).append(entries(g, 1, 1, 1));
                store.open(g).setHardState(new HardState(1, 1, 0));
            }
            store.sync();
            shared = store.fsyncCount() - before;
        }
        long directory;
        try (var store = DirectoryRaftLogStore.open(dir.resolve("directory"), 1 << 20)) {
            for (long g = 1; g <= 100; g++) {
                store.open(g);
            }
            store.sync();
            long before = store.fsyncCount();
            for (long g = 1; g <= 100; g++) {
                store.open(g).append(entries(g, 1, 1, 1));
                store.open(g).setHardState(new HardState(1, 1, 0));
            }
            store.sync();
            directory = store.fsyncCount() - before;
        }
        assertThat(shared).isEqualTo(1);
        assertThat(directory).isEqualTo(100);
    }

    /**
     * Four threads append to their own groups, read them back and call sync() concurrently
     * (segments roll and are collected meanwhile, moving entries under the readers). Then the files are copied as they are, without close — what a crash
     * would leave — and every write that a sync() had returned for must be in the copy.
     */
    @Test
    void concurrentWritersAndSyncsLoseNoSyncedWrite() throws Exception {
        int threads = 4;
        int groupsPerThread = 4;
        int rounds = 150;
        AtomicLongArray synced = new AtomicLongArray(threads * groupsPerThread + 1);
        AtomicReference<Throwable> error = new AtomicReference<>();
        SharedRaftLogStore store = SharedRaftLogStore.open(dir.resolve("live"), SMALL.withSegmentBytes(16 << 10));
        long syncCalls = (long) threads * rounds;
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = 1 + t * groupsPerThread;
            workers.add(Thread.ofPlatform().start(() -> {
                try {
                    List<RaftLogStorage> mine = new ArrayList<>();
                    for (int g = first; g < first + groupsPerThread; g++) {
                        mine.add(store.open(g));
                    }
                    for (long i = 1; i <= rounds; i++) {
                        for (int k = 0; k < groupsPerThread; k++) {
                            long g = first + k;
                            RaftLogStorage s = mine.get(k);
                            s.append(entries(g, 1, i, 1));
                            s.setHardState(new HardState(1, 0, i));
                            if (i % 40 == 0) {
                                s.createSnapshot(i - 10, ConfState.ofVoters(1L), new byte[] {(byte) g});
                            }
                        }
                        mine.getFirst().sync();
                        for (int k = 0; k < groupsPerThread; k++) {
                            synced.set(first + k, i);
                            // reads race with other threads' appends and with collection moving entries
                            RaftLogStorage s = mine.get(k);
                            long from = Math.max(s.firstIndex(), i - 5);
                            assertThat(s.entries(from, i + 1, Long.MAX_VALUE)).isEqualTo(entries(first + k, 1, from, (int) (i - from + 1)));
                        }
                    }
                } catch (Throwable e) {
                    error.compareAndSet(null, e);
                }
            }));
        }
        for (Thread w : workers) {
            w.join();
        }
        assertThat(error.get()).isNull();
        SharedRaftLogStats stats = store.stats();
        System.out.println("concurrent: " + syncCalls + " sync() calls, " + stats);
        Path copy = Files.createDirectory(dir.resolve("copy"));
        try (Stream<Path> files = Files.list(dir.resolve("live"))) {
            for (Path p : files.toList()) {
                Files.copy(p, copy.resolve(p.getFileName()));
            }
        }
        store.close();
        try (var reopened = SharedRaftLogStore.open(copy, SMALL)) {
            for (int g = 1; g <= threads * groupsPerThread; g++) {
                RaftLogStorage s = reopened.open(g);
                assertThat(s.lastIndex()).as("group %d", g).isGreaterThanOrEqualTo(synced.get(g));
                assertLog(s, g, 1, s.firstIndex(), s.lastIndex());
                assertThat(s.initialState().hardState().commit()).isGreaterThanOrEqualTo(synced.get(g));
            }
        }
    }

    @Test
    void aFailedWriteFailsTheStoreForGoodAndNothingSyncedIsLost() throws IOException {
        var store = SharedRaftLogStore.open(dir, SMALL);
        RaftLogStorage s = store.open(1);
        s.append(entries(1, 1, 1, 5));
        s.setHardState(new HardState(1, 0, 5));
        store.sync();
        store.activeChannel().close(); // the next write to the file fails
        s.append(entries(1, 1, 6, 1));
        assertThatThrownBy(store::sync).isInstanceOf(java.io.UncheckedIOException.class)
                .hasMessageContaining("must be reopened");
        // never retried: every later call fails, whatever it is
        assertThatThrownBy(store::sync).isInstanceOf(java.io.UncheckedIOException.class)
                .hasMessageContaining("failed earlier");
        assertThatThrownBy(() -> s.append(entries(1, 1, 7, 1))).isInstanceOf(java.io.UncheckedIOException.class);
        assertThatThrownBy(() -> store.open(2)).isInstanceOf(java.io.UncheckedIOException.class);
        store.close();
        try (var reopened = SharedRaftLogStore.open(dir, SMALL)) {
            assertLog(reopened.open(1), 1, 1, 1, 5);
            assertThat(reopened.open(1).initialState().hardState().commit()).isEqualTo(5);
        }
    }

    @Test
    void snapshotDataDroppedByTheJvmAreReadBackFromTheFile() {
        try (var store = SharedRaftLogStore.open(dir, SMALL)) {
            RaftLogStorage s = store.open(1);
            s.append(entries(1, 1, 1, 10));
            s.setHardState(new HardState(1, 0, 10));
            s.createSnapshot(6, ConfState.ofVoters(1L, 2L), "six".getBytes(StandardCharsets.UTF_8));
            ((SharedGroupLog) s).snapshotCache = new java.lang.ref.SoftReference<>(null); // as the GC would
            Snapshot back = s.snapshot();
            assertThat(back.index()).isEqualTo(6);
            assertThat(back.term()).isEqualTo(1);
            assertThat(back.confState()).isEqualTo(ConfState.ofVoters(1L, 2L));
            assertThat(back.data()).asString(StandardCharsets.UTF_8).isEqualTo("six");
        }
    }

    @Test
    void closedStoreRefusesWork() {
        var store = SharedRaftLogStore.open(dir, SMALL);
        RaftLogStorage s = store.open(1);
        store.close();
        assertThatThrownBy(() -> s.append(entries(1, 1, 1, 1))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(store::sync).isInstanceOf(IllegalStateException.class);
    }
}
