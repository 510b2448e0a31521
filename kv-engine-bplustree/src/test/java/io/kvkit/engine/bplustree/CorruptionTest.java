package io.kvkit.engine.bplustree;

import io.kvkit.engine.api.CorruptionException;
import io.kvkit.engine.api.Cursor;
import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.WriteBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Damaged pages are reported with their page number and offset, never read as data
 * (PITFALLS #23); a torn or damaged meta page loses to the other one (#26).
 */
class CorruptionTest {
    @TempDir
    Path tmp;

    private EngineConfig config(Path dir) {
        return EngineConfig.builder(dir).option("pageSizeBytes", "1024").option("mapChunkBytes", "1MiB").option("idleCheckpointMillis", "0").option("checkpointEveryBytes", "1MiB")
                .build();
    }

    private void fill(Path dir, int n) {
        fill(dir, n, true);
    }

    private void fill(Path dir, int n, boolean withOverflow) {
        try (BPlusTreeEngine db = BPlusTreeEngine.open(config(dir))) {
            WriteBatch b = new WriteBatch();
            for (int i = 0; i < n; i++) {
                b.put(String.format("key%06d", i).getBytes(), ("value-" + i).getBytes());
            }
            db.write(b);
            if (withOverflow) {
                db.put("big".getBytes(), new byte[5000]);
            }
        }
    }

    private static void flip(Path file, long offset) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0x10);
        }
    }

    @Test
    void everyFlippedDataPageIsReportedWithItsPageNumber() throws Exception {
        Path dir = tmp.resolve("db");
        fill(dir, 3000);
        Path file = dir.resolve(BPlusTreeEngine.DATA_FILE);
        long pages = java.nio.file.Files.size(file) / 1024;
        Random rnd = new Random(42);
        int detected = 0;
        for (int trial = 0; trial < 20; trial++) {
            Path copy = tmp.resolve("copy" + trial);
            java.nio.file.Files.createDirectories(copy);
            java.nio.file.Files.copy(file, copy.resolve(BPlusTreeEngine.DATA_FILE));
            int page = 2 + rnd.nextInt((int) pages - 2);
            long offset = (long) page * 1024 + rnd.nextInt(1024);
            flip(copy.resolve(BPlusTreeEngine.DATA_FILE), offset);
            // the damaged page is either unreachable (a free page: nothing reads it) or reported on read
            try (BPlusTreeEngine db = BPlusTreeEngine.open(config(copy))) {
                readEverything(db);
            } catch (CorruptionException e) {
                detected++;
                assertThat(e.getMessage()).contains("page " + page);
                assertThat(e.offset()).isEqualTo((long) page * 1024);
                assertThat(e.file().getFileName().toString()).isEqualTo(BPlusTreeEngine.DATA_FILE);
            }
        }
        assertThat(detected).as("flips in a dense file are found").isGreaterThan(10);
    }

    private static void readEverything(BPlusTreeEngine db) {
        try (Cursor c = db.iterate()) {
            while (c.next()) {
                c.value();
            }
        }
        db.get("big".getBytes());
        db.check();
    }

    @Test
    void aFlippedLeafIsReportedByGetAndScanNotReturned() throws Exception {
        Path dir = tmp.resolve("db");
        fill(dir, 100, false); // no overflow chains: opening reads no leaf, so the damage is met by the reads below
        Path file = dir.resolve(BPlusTreeEngine.DATA_FILE);
        // find the leaf holding key000050: with 100 small keys in 1 KiB pages it is one of the first pages
        int leaf;
        try (BPlusTreeEngine db = BPlusTreeEngine.open(config(dir))) {
            leaf = -1;
            for (int p = 2; p < db.stats().diskBytes() / 1024; p++) {
                byte[] page = java.nio.file.Files.readAllBytes(file);
                String s = new String(page, p * 1024, 1024, java.nio.charset.StandardCharsets.ISO_8859_1);
                if (s.contains("key000050") && page[p * 1024 + PageFormat.OFF_TYPE] == PageFormat.TYPE_LEAF) {
                    leaf = p;
                    break;
                }
            }
        }
        assertThat(leaf).isGreaterThan(1);
        flip(file, (long) leaf * 1024 + 1000);
        try (BPlusTreeEngine db = BPlusTreeEngine.open(config(dir))) {
            int page = leaf;
            assertThatThrownBy(() -> db.get("key000050".getBytes())).isInstanceOf(CorruptionException.class)
                    .hasMessageContaining("page " + page).hasMessageContaining("checksum");
            assertThatThrownBy(() -> readEverything(db)).isInstanceOf(CorruptionException.class);
        }
    }

    @Test
    void aTornMetaPageFallsBackToTheOtherOneAndTheLogRestoresTheRest() throws Exception {
        Path dir = tmp.resolve("db");
        try (BPlusTreeEngine db = BPlusTreeEngine.open(config(dir))) {
            db.put(io.kvkit.engine.api.WriteOptions.SYNC, "a".getBytes(), "1".getBytes());
        } // checkpoint 1 holds a
        Path wal = dir.resolve(BPlusTreeEngine.WAL_FILE);
        byte[] log;
        try (BPlusTreeEngine db = BPlusTreeEngine.open(config(dir))) {
            db.put(io.kvkit.engine.api.WriteOptions.SYNC, "b".getBytes(), "2".getBytes());
            log = java.nio.file.Files.readAllBytes(wal);
        } // checkpoint 2 holds a and b; the log is emptied after its meta page is durable
        // the crash this models: power lost while checkpoint 2's meta page was being written,
        // so that page is torn and the log was never emptied
        java.nio.file.Files.write(wal, log);
        Path file = dir.resolve(BPlusTreeEngine.DATA_FILE);
        byte[] all = java.nio.file.Files.readAllBytes(file);
        long t0 = java.lang.foreign.MemorySegment.ofArray(all).get(PageFormat.U64, PageFormat.OFF_TXN);
        long t1 = java.lang.foreign.MemorySegment.ofArray(all).get(PageFormat.U64, 1024 + PageFormat.OFF_TXN);
        int newest = t0 > t1 ? 0 : 1;
        flip(file, (long) newest * 1024 + 50);
        try (BPlusTreeEngine db = BPlusTreeEngine.open(config(dir))) {
            assertThat(db.get("a".getBytes())).isEqualTo("1".getBytes());
            assertThat(db.get("b".getBytes())).as("replayed from the log on top of checkpoint 1").isEqualTo("2".getBytes());
            db.check();
        }
    }

    @Test
    void aTornLogTailIsTruncatedAndReported() throws Exception {
        Path dir = tmp.resolve("db");
        byte[] log;
        try (BPlusTreeEngine db = BPlusTreeEngine.open(config(dir))) {
            db.put("a".getBytes(), "1".getBytes());
            db.put("b".getBytes(), "2".getBytes());
            log = java.nio.file.Files.readAllBytes(dir.resolve(BPlusTreeEngine.WAL_FILE));
        }
        // reopen from the state a kill -9 leaves: an empty tree and the log, its last record torn
        Path crashed = tmp.resolve("crashed");
        try (BPlusTreeEngine db = BPlusTreeEngine.open(config(crashed))) {
            assertThat(db.get("a".getBytes())).isNull();
        }
        // the records end where a zero header follows
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(log).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int end = 0;
        while (end + 8 <= log.length && bb.getInt(end) > 0) {
            end += 8 + bb.getInt(end);
        }
        assertThat(end).isGreaterThan(0);
        java.nio.file.Files.write(crashed.resolve(BPlusTreeEngine.WAL_FILE), java.util.Arrays.copyOf(log, end - 3));
        try (BPlusTreeEngine db = BPlusTreeEngine.open(config(crashed))) {
            assertThat(db.get("a".getBytes())).isEqualTo("1".getBytes());
            assertThat(db.get("b".getBytes())).as("the torn record is dropped").isNull();
            assertThat(db.stats().properties().get("bplustree.wal.tornTailBytes").longValue()).isGreaterThan(0);
        }
    }

    @Test
    void bothMetaPagesDamagedIsAClearError() throws Exception {
        Path dir = tmp.resolve("db");
        fill(dir, 10);
        Path file = dir.resolve(BPlusTreeEngine.DATA_FILE);
        flip(file, 40);
        flip(file, 1024 + 40);
        assertThatThrownBy(() -> BPlusTreeEngine.open(config(dir))).isInstanceOf(CorruptionException.class)
                .hasMessageContaining("neither meta page is valid");
    }

    @Test
    void aTruncatedFileIsReportedNotRead() throws Exception {
        Path dir = tmp.resolve("db");
        fill(dir, 3000);
        Path file = dir.resolve(BPlusTreeEngine.DATA_FILE);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        assertThatThrownBy(() -> BPlusTreeEngine.open(config(dir))).isInstanceOf(CorruptionException.class)
                .hasMessageContaining("only");
    }

    @Test
    void writesThroughAReaderMappingAreImpossible() {
        Path dir = tmp.resolve("db");
        fill(dir, 10);
        try (BPlusTreeEngine db = BPlusTreeEngine.open(config(dir))) {
            PageFile pf = db.pageFileForTests();
            java.lang.foreign.MemorySegment seg = pf.chunkOf(2);
            assertThat(seg.isReadOnly()).isTrue();
            assertThatThrownBy(() -> seg.set(PageFormat.U8, pf.offsetInChunk(2) + 40, (byte) 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("read-only");
        }
    }
}
