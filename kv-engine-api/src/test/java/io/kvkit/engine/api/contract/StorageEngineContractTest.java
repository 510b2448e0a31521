package io.kvkit.engine.api.contract;

import io.kvkit.engine.api.Cursor;
import io.kvkit.engine.api.EngineClosedException;
import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.EngineStats;
import io.kvkit.engine.api.InvalidArgumentException;
import io.kvkit.engine.api.KeyRange;
import io.kvkit.engine.api.ReadOptions;
import io.kvkit.engine.api.Snapshot;
import io.kvkit.engine.api.StorageEngine;
import io.kvkit.engine.api.UnsupportedFeatureException;
import io.kvkit.engine.api.WriteBatch;
import io.kvkit.engine.api.WriteOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The behaviour every kvkit engine must have (the storage SPI of DESIGN.md), written once.
 * An engine binds it with a subclass:
 * <pre>{@code
 * class LsmContractTest extends StorageEngineContractTest {
 *     @Override protected String engineName() { return "lsm"; }
 * }
 * }</pre>
 * Scan tests run when the engine declares ordered scans, and otherwise check that a scan fails
 * with an error naming the engines that can.
 */
public abstract class StorageEngineContractTest extends EngineTestSupport {
    @TempDir
    protected Path tmp;
    protected Path dir;
    protected StorageEngine db;

    @BeforeEach
    void openEngine() {
        dir = tmp.resolve("db");
        db = open(dir);
    }

    @AfterEach
    void closeEngine() {
        if (db != null) {
            db.close();
        }
    }

    protected void reopen() {
        db.close();
        db = open(dir);
    }

    // ---- point operations ----

    @Test
    void putThenGet() {
        db.put(b("a"), b("1"));
        assertThat(s(db.get(b("a")))).isEqualTo("1");
    }

    @Test
    void getOfMissingKeyIsNull() {
        assertThat(db.get(b("missing"))).isNull();
        db.put(b("present"), b("x"));
        assertThat(db.get(b("missin"))).isNull();
        assertThat(db.get(b("presentx"))).isNull();
    }

    @Test
    void overwriteReplacesValue() {
        db.put(b("k"), b("v1"));
        db.put(b("k"), b("a longer second value"));
        db.put(b("k"), b("v3"));
        assertThat(s(db.get(b("k")))).isEqualTo("v3");
    }

    @Test
    void deleteRemovesAndDeletingMissingKeyIsNoop() {
        db.put(b("k"), b("v"));
        db.delete(b("k"));
        assertThat(db.get(b("k"))).isNull();
        db.delete(b("never-there"));
        db.put(b("k"), b("again"));
        assertThat(s(db.get(b("k")))).isEqualTo("again");
    }

    @Test
    void emptyValueIsAValue() {
        db.put(b("k"), new byte[0]);
        assertThat(db.get(b("k"))).isNotNull().isEmpty();
    }

    @Test
    void binaryKeysAndValuesRoundTrip() {
        byte[] k1 = {0};
        byte[] k2 = {0, 0};
        byte[] k3 = {(byte) 0xFF, 0, (byte) 0x80};
        byte[] v = new byte[256];
        for (int i = 0; i < v.length; i++) {
            v[i] = (byte) i;
        }
        db.put(k1, v);
        db.put(k2, b("two"));
        db.put(k3, b("three"));
        assertThat(db.get(k1)).isEqualTo(v);
        assertThat(s(db.get(k2))).isEqualTo("two");
        assertThat(s(db.get(k3))).isEqualTo("three");
    }

    @Test
    void returnedArraysBelongToTheCaller() {
        byte[] key = b("k");
        byte[] value = b("value");
        db.put(key, value);
        key[0] = 'x';
        value[0] = 'X';
        byte[] got = db.get(b("k"));
        assertThat(s(got)).isEqualTo("value");
        got[0] = 'Z';
        assertThat(s(db.get(b("k")))).isEqualTo("value");
    }

    @Test
    void largeValuesRoundTripAndSurviveReopen() {
        byte[] big = new byte[1 << 20];
        new Random(7).nextBytes(big);
        db.put(b("big"), big);
        db.put(b("small"), b("s"));
        assertThat(db.get(b("big"))).isEqualTo(big);
        reopen();
        assertThat(db.get(b("big"))).isEqualTo(big);
        assertThat(s(db.get(b("small")))).isEqualTo("s");
    }

    @Test
    void syncWritesAreReadable() {
        db.put(WriteOptions.SYNC, b("k"), b("v"));
        db.delete(WriteOptions.SYNC, b("gone"));
        db.write(WriteOptions.SYNC, new WriteBatch().put(b("a"), b("1")).put(b("b"), b("2")));
        db.sync();
        assertThat(s(db.get(b("k")))).isEqualTo("v");
        assertThat(s(db.get(b("b")))).isEqualTo("2");
    }

    // ---- batches ----

    @Test
    void batchAppliesInOrderLaterOperationWins() {
        db.put(b("x"), b("old"));
        WriteBatch batch = new WriteBatch()
                .put(b("a"), b("1"))
                .delete(b("a"))
                .put(b("b"), b("2"))
                .put(b("b"), b("3"))
                .delete(b("x"))
                .put(b("c"), b("4"));
        db.write(batch);
        assertThat(db.get(b("a"))).isNull();
        assertThat(s(db.get(b("b")))).isEqualTo("3");
        assertThat(db.get(b("x"))).isNull();
        assertThat(s(db.get(b("c")))).isEqualTo("4");
    }

    @Test
    void batchWithAnInvalidOperationWritesNothing() {
        db.put(b("a"), b("before"));
        WriteBatch batch = new WriteBatch()
                .put(b("a"), b("after"))
                .put(b("b"), b("new"))
                .put(new byte[0], b("empty key is invalid"));
        assertThatThrownBy(() -> db.write(batch)).isInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining("empty");
        assertThat(s(db.get(b("a")))).isEqualTo("before");
        assertThat(db.get(b("b"))).isNull();
        reopen();
        assertThat(s(db.get(b("a")))).isEqualTo("before");
        assertThat(db.get(b("b"))).isNull();
    }

    @Test
    void emptyBatchIsFine() {
        db.write(new WriteBatch());
        db.write(WriteOptions.SYNC, new WriteBatch());
        assertThat(db.get(b("a"))).isNull();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void readersNeverSeeAPartialBatch() throws Exception {
        // Every batch writes the same counter to 8 keys; a reader must never see two different
        // values among them at one point in time (snapshot), nor a cursor mixing them.
        int keys = 8;
        for (int i = 0; i < keys; i++) {
            db.put(b("pair-" + i), b("0"));
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> violation = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            while (!stop.get() && violation.get() == null) {
                try (Snapshot snap = db.snapshot()) {
                    Set<String> seen = new HashSet<>();
                    for (int i = 0; i < keys; i++) {
                        seen.add(s(db.get(ReadOptions.at(snap), b("pair-" + i))));
                    }
                    if (seen.size() != 1) {
                        violation.set("snapshot saw a partial batch: " + seen);
                    }
                }
                try (Cursor c = db.iterate()) {
                    Set<String> seen = new HashSet<>();
                    while (c.next()) {
                        seen.add(s(c.value()));
                    }
                    if (seen.size() != 1) {
                        violation.set("cursor saw a partial batch: " + seen);
                    }
                }
            }
        });
        reader.start();
        for (int round = 1; round <= 300 && violation.get() == null; round++) {
            WriteBatch batch = new WriteBatch();
            for (int i = 0; i < keys; i++) {
                batch.put(b("pair-" + i), b(Integer.toString(round)));
            }
            db.write(batch);
        }
        stop.set(true);
        reader.join();
        assertThat(violation.get()).isNull();
    }

    // ---- ordered scans ----

    private void fillAlphabet() {
        for (String k : List.of("a", "b", "ba", "bb", "bc", "c", "d")) {
            db.put(b(k), b(k.toUpperCase()));
        }
    }

    private List<String> scanKeys(KeyRange range) {
        List<String> out = new ArrayList<>();
        try (Cursor c = db.scan(range)) {
            while (c.next()) {
                out.add(s(c.key()));
                assertThat(s(c.value())).isEqualTo(s(c.key()).toUpperCase());
            }
        }
        return out;
    }

    @Test
    void scanBounds() {
        assumeTrue(db.capabilities().orderedScan(), "engine does not scan in order");
        fillAlphabet();
        assertThat(scanKeys(KeyRange.ALL)).containsExactly("a", "b", "ba", "bb", "bc", "c", "d");
        assertThat(scanKeys(KeyRange.of(b("b"), b("c")))).as("start inclusive, end exclusive")
                .containsExactly("b", "ba", "bb", "bc");
        assertThat(scanKeys(KeyRange.of(b("b0"), b("bb")))).as("bounds between keys").containsExactly("ba");
        assertThat(scanKeys(KeyRange.from(b("bc")))).containsExactly("bc", "c", "d");
        assertThat(scanKeys(KeyRange.until(b("b")))).containsExactly("a");
        assertThat(scanKeys(KeyRange.prefix(b("b")))).containsExactly("b", "ba", "bb", "bc");
        assertThat(scanKeys(KeyRange.of(b("c"), b("c")))).as("empty range").isEmpty();
        assertThat(scanKeys(KeyRange.of(b("d"), b("a")))).as("inverted range").isEmpty();
        assertThat(scanKeys(KeyRange.from(b("e")))).isEmpty();
    }

    @Test
    void scanOfEmptyStoreIsEmpty() {
        assumeTrue(db.capabilities().orderedScan(), "engine does not scan in order");
        assertThat(scanKeys(KeyRange.ALL)).isEmpty();
    }

    @Test
    void scanOrdersKeysAsUnsignedBytes() {
        assumeTrue(db.capabilities().orderedScan(), "engine does not scan in order");
        byte[][] keys = {{(byte) 0x80}, {0x7F}, {(byte) 0xFF}, {0x00}, {0x00, 0x00}, {0x01}};
        for (byte[] k : keys) {
            db.put(k, k);
        }
        List<byte[]> got = new ArrayList<>();
        try (Cursor c = db.scan(KeyRange.ALL)) {
            while (c.next()) {
                got.add(c.key());
            }
        }
        assertThat(got).containsExactly(new byte[] {0x00}, new byte[] {0x00, 0x00}, new byte[] {0x01},
                new byte[] {0x7F}, new byte[] {(byte) 0x80}, new byte[] {(byte) 0xFF});
        assertThat(drainKeys(db.scan(KeyRange.prefix(new byte[] {(byte) 0xFF})))).hasSize(1);
    }

    @Test
    void scanSkipsDeletedAndSeesOverwrites() {
        assumeTrue(db.capabilities().orderedScan(), "engine does not scan in order");
        fillAlphabet();
        db.delete(b("bb"));
        db.delete(b("a"));
        db.put(b("c"), b("C"));
        assertThat(scanKeys(KeyRange.ALL)).containsExactly("b", "ba", "bc", "c", "d");
    }

    @Test
    void reverseScan() {
        assumeTrue(db.capabilities().reverseScan(), "engine does not scan in reverse");
        fillAlphabet();
        List<String> keys = new ArrayList<>();
        try (Cursor c = db.scanReverse(ReadOptions.DEFAULT, KeyRange.of(b("b"), b("d")))) {
            while (c.next()) {
                keys.add(s(c.key()));
            }
        }
        assertThat(keys).containsExactly("c", "bc", "bb", "ba", "b");
    }

    @Test
    void scanOnUnorderedEngineFailsNamingEnginesThatCan() {
        assumeTrue(!db.capabilities().orderedScan(), "engine scans in order");
        assertThatThrownBy(() -> db.scan(KeyRange.ALL)).isInstanceOf(UnsupportedFeatureException.class)
                .hasMessageContaining("engines that can");
    }

    @Test
    void reverseScanWithoutCapabilityFailsClearly() {
        assumeTrue(!db.capabilities().reverseScan(), "engine scans in reverse");
        assertThatThrownBy(() -> db.scanReverse(ReadOptions.DEFAULT, KeyRange.ALL))
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("reverse");
    }

    @Test
    void iterateVisitsEveryLivePairOnce() {
        for (int i = 0; i < 500; i++) {
            db.put(b("k" + i), b("v" + i));
        }
        for (int i = 0; i < 500; i += 3) {
            db.delete(b("k" + i));
        }
        db.put(b("k1"), b("overwritten"));
        List<String> all = drain(db.iterate());
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            if (i % 3 != 0) {
                expected.add("k" + i + "=" + (i == 1 ? "overwritten" : "v" + i));
            }
        }
        assertThat(all).hasSize(expected.size());
        assertThat(new HashSet<>(all)).isEqualTo(expected);
    }

    // ---- snapshots and point-in-time cursors ----

    @Test
    void snapshotSeesThePastWhileWritesContinue() {
        db.put(b("a"), b("1"));
        db.put(b("b"), b("2"));
        try (Snapshot snap = db.snapshot()) {
            db.put(b("a"), b("changed"));
            db.delete(b("b"));
            db.put(b("c"), b("new"));
            ReadOptions at = ReadOptions.at(snap);
            assertThat(s(db.get(at, b("a")))).isEqualTo("1");
            assertThat(s(db.get(at, b("b")))).isEqualTo("2");
            assertThat(db.get(at, b("c"))).isNull();
            assertThat(new HashSet<>(drain(db.iterate(at)))).containsExactlyInAnyOrder("a=1", "b=2");
            if (db.capabilities().orderedScan()) {
                assertThat(drain(db.scan(at, KeyRange.ALL))).containsExactly("a=1", "b=2");
            }
            assertThat(s(db.get(b("a")))).isEqualTo("changed");
            assertThat(db.get(b("b"))).isNull();
        }
    }

    @Test
    void snapshotSurvivesManyLaterWrites() {
        for (int i = 0; i < 200; i++) {
            db.put(b("k" + i), b("old" + i));
        }
        try (Snapshot snap = db.snapshot()) {
            for (int round = 0; round < 5; round++) {
                for (int i = 0; i < 200; i++) {
                    if ((i + round) % 4 == 0) {
                        db.delete(b("k" + i));
                    } else {
                        db.put(b("k" + i), b("new" + round + "-" + i));
                    }
                }
            }
            db.sync();
            for (int i = 0; i < 200; i++) {
                assertThat(s(db.get(ReadOptions.at(snap), b("k" + i)))).isEqualTo("old" + i);
            }
        }
    }

    @Test
    void closedSnapshotCannotBeRead() {
        Snapshot snap = db.snapshot();
        snap.close();
        snap.close(); // idempotent
        assertThatThrownBy(() -> db.get(ReadOptions.at(snap), b("a")))
                .isInstanceOfAny(EngineClosedException.class, InvalidArgumentException.class);
    }

    @Test
    void cursorReadsThePointInTimeItWasOpened() {
        for (int i = 0; i < 100; i++) {
            db.put(b(String.format("k%03d", i)), b("v"));
        }
        try (Cursor c = db.iterate()) {
            for (int i = 0; i < 100; i++) {
                db.put(b(String.format("k%03d", i)), b("changed"));
            }
            for (int i = 100; i < 150; i++) {
                db.put(b(String.format("k%03d", i)), b("added"));
            }
            int n = 0;
            while (c.next()) {
                assertThat(s(c.value())).isEqualTo("v");
                n++;
            }
            assertThat(n).isEqualTo(100);
        }
    }

    // ---- persistence and checkpoints ----

    @Test
    void stateSurvivesCloseAndReopen() {
        for (int i = 0; i < 1000; i++) {
            db.put(b("k" + i), b("v" + i));
        }
        for (int i = 0; i < 1000; i += 2) {
            db.delete(b("k" + i));
        }
        db.put(b("k1"), b("last"));
        reopen();
        for (int i = 0; i < 1000; i++) {
            String expected = i % 2 == 0 ? null : (i == 1 ? "last" : "v" + i);
            assertThat(s(db.get(b("k" + i)))).as("key k%d", i).isEqualTo(expected);
        }
        assertThat(drain(db.iterate())).hasSize(500);
        reopen(); // twice: recovery must leave a state that recovers again
        assertThat(s(db.get(b("k1")))).isEqualTo("last");
        assertThat(db.get(b("k2"))).isNull();
        db.put(b("after"), b("reopen"));
        reopen();
        assertThat(s(db.get(b("after")))).isEqualTo("reopen");
    }

    @Test
    void checkpointIsAConsistentCopyThatOpens() {
        for (int i = 0; i < 300; i++) {
            db.put(b("k" + i), b("v" + i));
        }
        db.delete(b("k7"));
        Path copy = tmp.resolve("checkpoint");
        db.checkpoint(copy);
        db.put(b("k0"), b("after-checkpoint"));
        db.put(b("new"), b("after-checkpoint"));
        db.delete(b("k1"));
        try (StorageEngine restored = open(copy)) {
            assertThat(s(restored.get(b("k0")))).isEqualTo("v0");
            assertThat(s(restored.get(b("k1")))).isEqualTo("v1");
            assertThat(restored.get(b("k7"))).isNull();
            assertThat(restored.get(b("new"))).isNull();
            assertThat(drain(restored.iterate())).hasSize(299);
            restored.put(b("only-in-copy"), b("x")); // the copy is independent
        }
        assertThat(db.get(b("only-in-copy"))).isNull();
        assertThat(s(db.get(b("k0")))).isEqualTo("after-checkpoint");
    }

    @Test
    void checkpointRefusesANonEmptyDirectory() throws Exception {
        Path target = tmp.resolve("occupied");
        Files.createDirectories(target);
        Files.writeString(target.resolve("something"), "x");
        assertThatThrownBy(() -> db.checkpoint(target)).isInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining(target.toString());
    }

    // ---- limits and errors ----

    @Test
    void oversizedKeyIsRejectedNamingTheLimitAndNothingIsWritten() {
        byte[] key = new byte[EngineConfig.of(dir).limits().maxKeyBytes() + 1];
        Arrays.fill(key, (byte) 'k');
        assertThatThrownBy(() -> db.put(key, b("v"))).isInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining("maxKeyBytes").hasMessageContaining(Integer.toString(key.length - 1));
        assertThatThrownBy(() -> db.get(key)).isInstanceOf(InvalidArgumentException.class);
        byte[] atLimit = Arrays.copyOf(key, key.length - 1);
        db.put(atLimit, b("fits"));
        assertThat(s(db.get(atLimit))).isEqualTo("fits");
        assertThat(drain(db.iterate())).hasSize(1);
    }

    @Test
    void oversizedValueIsRejectedNamingTheLimit(@TempDir Path other) {
        try (StorageEngine small = open(EngineConfig.builder(other.resolve("small")).options(engineOptions())
                .maxValueBytes(1000).maxKeyBytes(10).build())) {
            small.put(b("k"), new byte[1000]);
            assertThatThrownBy(() -> small.put(b("k"), new byte[1001])).isInstanceOf(InvalidArgumentException.class)
                    .hasMessageContaining("maxValueBytes").hasMessageContaining("1000");
            assertThatThrownBy(() -> small.put(b("01234567890"), b("v"))).isInstanceOf(InvalidArgumentException.class)
                    .hasMessageContaining("maxKeyBytes").hasMessageContaining("10");
            assertThat(small.get(b("k"))).hasSize(1000);
        }
    }

    @Test
    void emptyAndNullKeysAreRejected() {
        assertThatThrownBy(() -> db.put(new byte[0], b("v"))).isInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> db.get(new byte[0])).isInstanceOf(InvalidArgumentException.class);
        assertThatThrownBy(() -> db.delete(new byte[0])).isInstanceOf(InvalidArgumentException.class);
        assertThatThrownBy(() -> db.put(null, b("v"))).isInstanceOf(InvalidArgumentException.class);
        assertThatThrownBy(() -> db.put(b("k"), null)).isInstanceOf(InvalidArgumentException.class);
        assertThat(drain(db.iterate())).isEmpty();
    }

    @Test
    void unknownEngineOptionIsRejectedWithTheAllowedOnes(@TempDir Path other) {
        assertThatThrownBy(() -> open(EngineConfig.builder(other.resolve("x")).options(engineOptions())
                .option("noSuchOption", "1").build()))
                .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("noSuchOption");
    }

    @Test
    void secondOpenOfAnOpenStoreIsRefused() {
        db.put(b("a"), b("1"));
        assertThatThrownBy(() -> open(dir).close()).isInstanceOf(InvalidArgumentException.class)
                .hasMessageContaining("already open");
        assertThat(s(db.get(b("a")))).isEqualTo("1");
    }

    @Test
    void operationsAfterCloseFailClearlyAndCloseIsIdempotent() {
        db.put(b("a"), b("1"));
        db.close();
        db.close();
        assertThatThrownBy(() -> db.get(b("a"))).isInstanceOf(EngineClosedException.class);
        assertThatThrownBy(() -> db.put(b("a"), b("2"))).isInstanceOf(EngineClosedException.class);
        assertThatThrownBy(() -> db.iterate()).isInstanceOf(EngineClosedException.class);
        db = open(dir);
        assertThat(s(db.get(b("a")))).isEqualTo("1");
    }

    @Test
    void statsAreAvailable() {
        for (int i = 0; i < 100; i++) {
            db.put(b("k" + i), new byte[100]);
        }
        db.sync();
        EngineStats stats = db.stats();
        assertThat(stats).isNotNull();
        assertThat(stats.diskBytes()).isGreaterThan(0);
        assertThat(stats.properties()).isNotNull();
    }

    // ---- concurrency ----

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void concurrentMixedOperationsLoseNoUpdate() throws Exception {
        int threads = 4;
        int perThread = 1500;
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        try {
            AtomicBoolean done = new AtomicBoolean();
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                writers.add(pool.submit(() -> {
                    Random rnd = new Random(id);
                    for (int i = 0; i < perThread; i++) {
                        byte[] key = b("t" + id + "-" + (i % 300));
                        switch (rnd.nextInt(4)) {
                            case 0 -> db.write(new WriteBatch().put(key, counter(i)).put(b("t" + id + "-last"), counter(i)));
                            case 1 -> db.put(key, counter(i));
                            case 2 -> {
                                byte[] got = db.get(key);
                                if (got != null && got.length != 8) {
                                    throw new AssertionError("torn value of " + got.length + " bytes");
                                }
                            }
                            default -> db.delete(b("t" + id + "-gone-" + i));
                        }
                        db.put(b("t" + id + "-final-" + i), counter(i));
                    }
                    return null;
                }));
            }
            Future<?> scanner = pool.submit(() -> {
                while (!done.get()) {
                    try (Cursor c = db.iterate()) {
                        while (c.next()) {
                            if (c.key().length == 0) {
                                throw new AssertionError("empty key from cursor");
                            }
                        }
                    }
                }
                return null;
            });
            for (Future<?> w : writers) {
                w.get();
            }
            done.set(true);
            scanner.get();
            for (int t = 0; t < threads; t++) {
                for (int i = 0; i < perThread; i++) {
                    assertThat(db.get(b("t" + t + "-final-" + i))).as("t%d final %d", t, i).isEqualTo(counter(i));
                }
            }
            reopen();
            for (int t = 0; t < threads; t++) {
                for (int i = 0; i < perThread; i += 7) {
                    assertThat(db.get(b("t" + t + "-final-" + i))).as("after reopen t%d final %d", t, i).isEqualTo(counter(i));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static byte[] counter(long i) {
        return ByteBuffer.allocate(8).putLong(i).array();
    }

    private static List<byte[]> drainKeys(Cursor c) {
        List<byte[]> out = new ArrayList<>();
        try (c) {
            while (c.next()) {
                out.add(c.key());
            }
        }
        return out;
    }
}
