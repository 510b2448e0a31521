package io.kvkit.raft.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileSnapshotStoreTest {

    @TempDir
    Path tmp;

    private static List<String> children(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static Path write(FileSnapshotStore store, long group, String content) throws Exception {
        Path t = store.newTempDirectory(group);
        Files.writeString(t.resolve("a.txt"), content);
        Files.createDirectories(t.resolve("sub"));
        Files.writeString(t.resolve("sub").resolve("b.txt"), content + content);
        Files.createFile(t.resolve("sub").resolve("empty"));
        return t;
    }

    @Test
    void sealRenamesACompleteDirectoryAndItsManifestListsEveryFile() throws Exception {
        FileSnapshotStore store = FileSnapshotStore.open(tmp);
        Path t = write(store, 3, "hello");
        SnapshotManifest m = store.seal(3, t, 40);
        assertFalse(Files.exists(t));
        assertEquals(List.of("a.txt", "sub/b.txt", "sub/empty"), m.files().stream().map(SnapshotManifest.FileEntry::path).toList());
        assertEquals(5 + 10, m.totalBytes());
        m.verify(store.directory(3, 40));
        assertEquals(m, SnapshotManifest.decode(m.encode(), "test"));
        assertTrue(SnapshotManifest.isManifest(m.encode()));
        assertFalse(SnapshotManifest.isManifest("KVSF but not a manifest".getBytes()));
        assertEquals(List.of(40L), store.snapshotIndexes(3));
    }

    @Test
    void sealingAnIndexThatExistsKeepsTheExistingSnapshot() throws Exception {
        FileSnapshotStore store = FileSnapshotStore.open(tmp);
        SnapshotManifest first = store.seal(1, write(store, 1, "one"), 10);
        Path again = write(store, 1, "other");
        SnapshotManifest second = store.seal(1, again, 10);
        assertEquals(first, second);
        assertFalse(Files.exists(again));
        assertEquals("one", Files.readString(store.directory(1, 10).resolve("a.txt")));
    }

    @Test
    void openRemovesHalfWrittenAndUninstalledDirectoriesButKeepsCompleteOnes() throws Exception {
        FileSnapshotStore store = FileSnapshotStore.open(tmp);
        store.seal(5, write(store, 5, "kept"), 30);
        write(store, 5, "a crash came before seal");
        Files.createDirectories(store.incomingDirectory(5, 44).resolve("x"));
        FileSnapshotStore reopened = FileSnapshotStore.open(tmp);
        assertEquals(List.of("snap-30"), children(tmp.resolve("group-5")));
        assertEquals(2, reopened.recoveryReport().size(), reopened.recoveryReport().toString());
        // at group start, only the snapshot the log records survives
        reopened.seal(5, write(reopened, 5, "never recorded"), 35);
        reopened.keepOnly(5, 30);
        assertEquals(List.of("snap-30"), children(tmp.resolve("group-5")));
    }

    @Test
    void retainFromDeletesOnlyOlderSnapshots() throws Exception {
        FileSnapshotStore store = FileSnapshotStore.open(tmp);
        for (long i : new long[]{10, 20, 30}) {
            store.seal(2, write(store, 2, "s" + i), i);
        }
        Path writing = write(store, 2, "being written");
        store.retainFrom(2, 20);
        assertEquals(List.of(20L, 30L), store.snapshotIndexes(2));
        assertTrue(Files.exists(writing), "a snapshot being written is left alone");
        store.deleteGroup(2);
        assertFalse(Files.exists(tmp.resolve("group-2")));
    }

    @Test
    void adoptCopiesOrMovesAReceivedSnapshotAndRefusesFilesThatDoNotMatch() throws Exception {
        FileSnapshotStore sender = FileSnapshotStore.open(tmp.resolve("sender"));
        SnapshotManifest m = sender.seal(1, write(sender, 1, "data"), 9);
        FileSnapshotStore receiver = FileSnapshotStore.open(tmp.resolve("receiver"));

        Path in = receiver.adopt(1, 9, sender.directory(1, 9), m, false);
        m.verify(in);
        m.verify(sender.directory(1, 9)); // the sender's copy is untouched
        receiver.promote(1, 9);
        assertEquals(List.of(9L), receiver.snapshotIndexes(1));

        // a movable staging directory is moved
        Path staging = tmp.resolve("staging");
        Files.createDirectories(staging);
        FileSnapshotStore.syncTree(sender.directory(1, 9));
        Files.copy(sender.directory(1, 9).resolve("a.txt"), Files.createDirectories(staging).resolve("a.txt"));
        Files.createDirectories(staging.resolve("sub"));
        Files.copy(sender.directory(1, 9).resolve("sub/b.txt"), staging.resolve("sub/b.txt"));
        Files.copy(sender.directory(1, 9).resolve("sub/empty"), staging.resolve("sub/empty"));
        receiver.adopt(1, 12, staging, m, true);
        assertFalse(Files.exists(staging));

        // a file that differs from the manifest: nothing is kept
        Files.writeString(sender.directory(1, 9).resolve("a.txt"), "dat4");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> receiver.adopt(1, 15, sender.directory(1, 9), m, false));
        assertTrue(e.getMessage().contains("a.txt"), e.getMessage());
        assertFalse(Files.exists(receiver.incomingDirectory(1, 15)));
        assertThrows(IllegalStateException.class, () -> receiver.promote(1, 15));
    }

    /**
     * Two snapshots arrive in one worker round and the core accepts only the first (the second
     * came from a deposed leader): taking the second must not remove the first, or installing it
     * would find no directory. Incoming snapshots never accepted go once a newer one is recorded.
     */
    @Test
    void takingAReceivedSnapshotKeepsAnEarlierOneTheCoreMayStillAccept() throws Exception {
        FileSnapshotStore sender = FileSnapshotStore.open(tmp.resolve("sender"));
        SnapshotManifest m = sender.seal(1, write(sender, 1, "data"), 9);
        FileSnapshotStore receiver = FileSnapshotStore.open(tmp.resolve("receiver"));
        receiver.adopt(1, 5, sender.directory(1, 9), m, false);
        receiver.adopt(1, 7, sender.directory(1, 9), m, false);
        receiver.promote(1, 5);
        assertEquals(List.of(5L), receiver.snapshotIndexes(1));
        assertTrue(Files.isDirectory(receiver.incomingDirectory(1, 7)));
        receiver.retainFrom(1, 8);
        assertFalse(Files.exists(receiver.incomingDirectory(1, 7)));
        assertEquals(List.of(), receiver.snapshotIndexes(1));
    }

    @Test
    void manifestRefusesPathsThatLeaveTheSnapshotDirectory() {
        for (String bad : new String[]{"../x", "/etc/passwd", "a//b", "a/./b", ""}) {
            assertThrows(IllegalArgumentException.class, () -> new SnapshotManifest.FileEntry(bad, 1, 0), bad);
        }
    }
}
