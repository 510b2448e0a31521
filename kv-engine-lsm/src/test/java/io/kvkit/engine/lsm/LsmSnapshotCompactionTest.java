package io.kvkit.engine.lsm;

import io.kvkit.engine.api.Cursor;
import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.KeyRange;
import io.kvkit.engine.api.ReadOptions;
import io.kvkit.engine.api.Snapshot;
import io.kvkit.engine.api.WriteBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PITFALLS #24: compaction must not drop a version or a tombstone that a live snapshot can see,
 * and cursors opened before flushes and compactions must keep reading their point in time.
 * Overwrites and deletes of a small key space, snapshots and half-read cursors taken along the
 * way, memtables flushed and everything compacted to the bottom level repeatedly; then every
 * snapshot and cursor is checked against the state recorded when it was taken.
 */
class LsmSnapshotCompactionTest {
    @TempDir
    Path tmp;

    private static byte[] key(int i) {
        return String.format("k%04d", i).getBytes(StandardCharsets.UTF_8);
    }

    private record Held(Snapshot snapshot, TreeMap<String, String> state, Cursor cursor, List<String> cursorSeen,
                        List<String> cursorExpected) {
    }

    private static List<String> entries(TreeMap<String, String> m) {
        List<String> out = new ArrayList<>();
        m.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }

    @Test
    void snapshotsAndCursorsSurviveFlushesAndCompactions() {
        long seed = Long.getLong("kvkit.seed", System.nanoTime());
        System.out.println("LsmSnapshotCompactionTest seed=" + seed);
        Random rnd = new Random(seed);
        TreeMap<String, String> model = new TreeMap<>();
        List<Held> held = new ArrayList<>();
        try (LsmEngine db = LsmEngine.open(EngineConfig.builder(tmp.resolve("db")).options(SmallLsmOptions.OPTIONS).build())) {
            for (int round = 0; round < 24; round++) {
                for (int op = 0; op < 300; op++) {
                    int i = rnd.nextInt(400);
                    String k = new String(key(i), StandardCharsets.UTF_8);
                    if (rnd.nextInt(4) == 0) {
                        db.delete(key(i));
                        model.remove(k);
                    } else {
                        String v = "r" + round + "-o" + op + "-" + "v".repeat(rnd.nextInt(60));
                        WriteBatch b = new WriteBatch().put(key(i), v.getBytes(StandardCharsets.UTF_8));
                        db.write(b);
                        model.put(k, v);
                    }
                }
                if (round % 3 == 0) {
                    Snapshot s = db.snapshot();
                    Cursor c = db.scan(KeyRange.ALL);
                    List<String> seen = new ArrayList<>();
                    for (int n = 0; n < 5 && c.next(); n++) {
                        seen.add(new String(c.key(), StandardCharsets.UTF_8) + "=" + new String(c.value(), StandardCharsets.UTF_8));
                    }
                    held.add(new Held(s, new TreeMap<>(model), c, seen, entries(model)));
                }
                if (round % 4 == 1) {
                    db.flushMemTable();
                }
                if (round % 8 == 7) {
                    db.compactAll();
                }
            }
            db.compactAll();
            String where = "seed=" + seed;
            for (Held h : held) {
                for (int i = 0; i < 400; i++) {
                    String k = new String(key(i), StandardCharsets.UTF_8);
                    byte[] v = db.get(ReadOptions.at(h.snapshot()), key(i));
                    assertThat(v == null ? null : new String(v, StandardCharsets.UTF_8))
                            .as(where + ": snapshot " + h.snapshot().sequence() + " key " + k).isEqualTo(h.state().get(k));
                }
                List<String> scanned = new ArrayList<>();
                try (Cursor c = db.scan(ReadOptions.at(h.snapshot()), KeyRange.ALL)) {
                    while (c.next()) {
                        scanned.add(new String(c.key(), StandardCharsets.UTF_8) + "=" + new String(c.value(), StandardCharsets.UTF_8));
                    }
                }
                assertThat(scanned).as(where + ": scan at snapshot " + h.snapshot().sequence()).isEqualTo(entries(h.state()));
                List<String> all = new ArrayList<>(h.cursorSeen());
                try (Cursor c = h.cursor()) {
                    while (c.next()) {
                        all.add(new String(c.key(), StandardCharsets.UTF_8) + "=" + new String(c.value(), StandardCharsets.UTF_8));
                    }
                }
                assertThat(all).as(where + ": cursor opened at snapshot " + h.snapshot().sequence()).isEqualTo(h.cursorExpected());
                h.snapshot().close();
            }
            db.compactAll();
            Map<String, Number> p = db.stats().properties();
            assertThat(p.get("lsm.compaction.count").longValue()).isGreaterThan(3);
            // with no snapshot left, the bottom level holds exactly the live keys: one version each, no tombstones
            long files = 0;
            for (int l = 0; l < 7; l++) {
                files += p.get("lsm.level" + l + ".files").longValue();
            }
            assertThat(files).isGreaterThan(0);
            List<String> latest = new ArrayList<>();
            try (Cursor c = db.iterate()) {
                while (c.next()) {
                    latest.add(new String(c.key(), StandardCharsets.UTF_8) + "=" + new String(c.value(), StandardCharsets.UTF_8));
                }
            }
            assertThat(latest).isEqualTo(entries(model));
            long entriesOnDisk = 0;
            for (SuperVersionProbe.Table t : SuperVersionProbe.tables(db)) {
                entriesOnDisk += t.entries();
                assertThat(t.tombstones()).as(where + ": tombstones left at the bottom with no snapshot").isZero();
            }
            assertThat(entriesOnDisk).as(where + ": versions left with no snapshot").isEqualTo(model.size());
        }
    }
}
