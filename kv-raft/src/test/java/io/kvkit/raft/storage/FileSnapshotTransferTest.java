package io.kvkit.raft.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link FileSnapshotSender} to {@link FileSnapshotReceiver}: chunking, checksums, interruption. */
class FileSnapshotTransferTest {

    @TempDir
    Path tmp;

    /** Files of awkward sizes (empty ones first, between and last; one bigger than many chunks). */
    private SnapshotManifest source(long seed) throws Exception {
        System.out.println("FileSnapshotTransferTest seed " + seed);
        Random r = new Random(seed);
        Path src = tmp.resolve("src");
        Files.createDirectories(src.resolve("d"));
        Files.write(src.resolve("0-empty"), new byte[0]);
        Files.write(src.resolve("1-small"), bytes(r, 3));
        Files.write(src.resolve("2-empty"), new byte[0]);
        Files.write(src.resolve("d/3-big"), bytes(r, 100_003));
        Files.write(src.resolve("d/4-exact"), bytes(r, 4096));
        Files.write(src.resolve("z-empty"), new byte[0]);
        return SnapshotManifest.of(src);
    }

    private static byte[] bytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private void assertSameFiles(SnapshotManifest m, Path dir) throws Exception {
        m.verify(dir);
        for (SnapshotManifest.FileEntry f : m.files()) {
            assertArrayEquals(Files.readAllBytes(tmp.resolve("src").resolve(f.path())), Files.readAllBytes(dir.resolve(f.path())), f.path());
        }
    }

    @Test
    void chunksOfEverySizeReassembleTheFiles() throws Exception {
        SnapshotManifest m = source(1);
        // 997: chunks that straddle every file boundary (each chunk is synced: no smaller ones here)
        for (int chunk : new int[]{997, 4096, 65536, 1 << 20}) {
            Path dst = tmp.resolve("dst-" + chunk);
            FileSnapshotReceiver rx = new FileSnapshotReceiver(dst, 9, 2, m);
            int chunks = 0;
            try (FileSnapshotSender tx = new FileSnapshotSender(9, 2, m, tmp.resolve("src"))) {
                assertEquals(m.totalBytes(), tx.totalBytes());
                boolean done = false;
                while (!done) {
                    SnapshotChunk c = tx.chunkAt(rx.resumeOffset(), chunk);
                    assertTrue(c.bytes().length <= chunk);
                    done = rx.accept(c);
                    chunks++;
                }
            }
            assertTrue(rx.isComplete());
            assertEquals((m.totalBytes() + chunk - 1) / chunk, chunks, "chunk size " + chunk);
            assertSameFiles(m, dst);
        }
    }

    @Test
    void aDamagedChunkIsRefusedBeforeAnythingIsWritten() throws Exception {
        SnapshotManifest m = source(2);
        Path dst = tmp.resolve("dst");
        FileSnapshotReceiver rx = new FileSnapshotReceiver(dst, 9, 2, m);
        try (FileSnapshotSender tx = new FileSnapshotSender(9, 2, m, tmp.resolve("src"))) {
            rx.accept(tx.chunkAt(0, 1000));
            SnapshotChunk good = tx.chunkAt(1000, 1000);
            byte[] flipped = good.bytes().clone();
            flipped[17] ^= 1;
            SnapshotChunk bad = new SnapshotChunk(good.index(), good.term(), good.offset(), flipped, good.totalBytes(), good.crc32c());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rx.accept(bad));
            assertTrue(e.getMessage().contains("checksum"), e.getMessage());
            assertEquals(1000, rx.resumeOffset());
            // out of order: refused too
            assertThrows(IllegalArgumentException.class, () -> rx.accept(tx.chunkAt(2000, 1000)));
            while (!rx.accept(tx.chunkAt(rx.resumeOffset(), 8192))) {
                // the rest, resent from where the receiver stands
            }
        }
        assertSameFiles(m, dst);
    }

    @Test
    void aFileThatArrivesWithTheWrongChecksumDiscardsTheTransfer() throws Exception {
        SnapshotManifest real = source(3);
        // a manifest whose big file's checksum is off: the sender is wrong or the disk lied
        java.util.List<SnapshotManifest.FileEntry> files = new java.util.ArrayList<>(real.files());
        SnapshotManifest.FileEntry big = files.get(3);
        files.set(3, new SnapshotManifest.FileEntry(big.path(), big.size(), big.crc32c() ^ 1));
        SnapshotManifest lying = new SnapshotManifest(files);
        Path dst = tmp.resolve("dst");
        FileSnapshotReceiver rx = new FileSnapshotReceiver(dst, 9, 2, lying);
        try (FileSnapshotSender tx = new FileSnapshotSender(9, 2, lying, tmp.resolve("src"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
                while (!rx.accept(tx.chunkAt(rx.resumeOffset(), 8192))) {
                    // until the big file completes and fails
                }
            });
            assertTrue(e.getMessage().contains("d/3-big") && e.getMessage().contains("discarded"), e.getMessage());
        }
        assertEquals(0, rx.resumeOffset(), "a discarded transfer starts over");
        assertFalse(rx.isComplete());
        try (var s = Files.walk(dst)) {
            assertEquals(0, s.filter(Files::isRegularFile).count(), "nothing of it is kept");
        }
    }

    @Test
    void anInterruptedTransferResumesWhereTheStagedFilesEnd() throws Exception {
        SnapshotManifest m = source(4);
        Path dst = tmp.resolve("dst");
        FileSnapshotReceiver first = new FileSnapshotReceiver(dst, 9, 2, m);
        try (FileSnapshotSender tx = new FileSnapshotSender(9, 2, m, tmp.resolve("src"))) {
            for (int i = 0; i < 5; i++) {
                first.accept(tx.chunkAt(first.resumeOffset(), 10_000));
            }
        }
        long stoppedAt = first.resumeOffset();
        assertEquals(50_000, stoppedAt);
        // the receiving process restarts: a new receiver finds what was staged
        FileSnapshotReceiver second = new FileSnapshotReceiver(dst, 9, 2, m);
        assertEquals(stoppedAt, second.resumeOffset());
        try (FileSnapshotSender tx = new FileSnapshotSender(9, 2, m, tmp.resolve("src"))) { // so does the sender
            while (!second.accept(tx.chunkAt(second.resumeOffset(), 10_000))) {
                // the rest
            }
        }
        assertSameFiles(m, dst);
    }

    @Test
    void aSnapshotFileShorterThanItsManifestFailsTheSender() throws Exception {
        SnapshotManifest m = source(5);
        Files.write(tmp.resolve("src/d/3-big"), new byte[10]);
        try (FileSnapshotSender tx = new FileSnapshotSender(9, 2, m, tmp.resolve("src"))) {
            assertThrows(IllegalStateException.class, () -> tx.chunkAt(100, 10_000));
            assertThrows(IllegalArgumentException.class, () -> tx.chunkAt(m.totalBytes(), 10));
        }
    }

    @Test
    void aLocatedSnapshotRoundTrips() throws Exception {
        SnapshotManifest m = source(6);
        LocatedFileSnapshot l = new LocatedFileSnapshot(tmp.resolve("src"), true, m);
        byte[] enc = l.encode();
        assertTrue(LocatedFileSnapshot.isLocated(enc));
        assertFalse(LocatedFileSnapshot.isLocated(m.encode()));
        assertFalse(SnapshotManifest.isManifest(enc));
        assertEquals(l, LocatedFileSnapshot.decode(enc, "test"));
        enc[10] ^= 1;
        assertThrows(IllegalArgumentException.class, () -> LocatedFileSnapshot.decode(enc, "test"));
    }
}
