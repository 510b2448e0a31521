package io.kvkit.engine.api.contract;

import io.kvkit.engine.api.Bytes;
import io.kvkit.engine.api.Cursor;
import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.KeyRange;
import io.kvkit.engine.api.ReadOptions;
import io.kvkit.engine.api.Snapshot;
import io.kvkit.engine.api.StorageEngine;
import io.kvkit.engine.api.WriteBatch;
import io.kvkit.engine.api.WriteOptions;
import io.kvkit.engine.api.model.ModelEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

/**
 * Differential test: a long seeded sequence of random operations (puts, deletes, batches,
 * reads, scans, snapshots, reopens) runs against the engine under test and against the
 * {@link ModelEngine}; every read is compared, and the whole contents after every reopen.
 *
 * <p>Replay a failure with {@code -Dkvkit.seed=<seed>} (the failure message prints it);
 * {@code -Dkvkit.contract.ops=N} sets the length (default 4000).
 */
public abstract class RandomizedModelTest extends EngineTestSupport {
    @TempDir
    protected Path tmp;

    /** Operations per run; engines with slow paths may lower it. */
    protected int operations() {
        return Integer.getInteger("kvkit.contract.ops", 4000);
    }

    @Test
    void randomOperationsMatchTheModel() {
        long seed = Long.getLong("kvkit.seed", System.nanoTime());
        System.out.println("RandomizedModelTest[" + engineName() + "] seed=" + seed + " (replay with -Dkvkit.seed=" + seed + ")");
        new Run(seed).execute();
    }

    private final class Run {
        final long seed;
        final Random rnd;
        final Path dir = tmp.resolve("engine");
        final List<byte[]> keySpace = new ArrayList<>();
        final Deque<Snapshot[]> snapshots = new ArrayDeque<>(); // {engine, model}
        StorageEngine engine;
        StorageEngine model;
        int step;
        String op = "open";

        Run(long seed) {
            this.seed = seed;
            this.rnd = new Random(seed);
            for (int i = 0; i < 150; i++) {
                keySpace.add(randomKey());
            }
        }

        void execute() {
            engine = open(dir);
            model = ModelEngine.open(EngineConfig.of(tmp.resolve("model")));
            try {
                for (step = 0; step < operations(); step++) {
                    int dice = rnd.nextInt(100);
                    if (dice < 30) {
                        put();
                    } else if (dice < 40) {
                        delete();
                    } else if (dice < 50) {
                        batch();
                    } else if (dice < 75) {
                        get();
                    } else if (dice < 83) {
                        scan();
                    } else if (dice < 88) {
                        snapshotOp();
                    } else if (dice < 93) {
                        readAtSnapshot();
                    } else if (dice < 94) {
                        reopen();
                    } else if (dice < 95) {
                        compareAll();
                    } else {
                        bulkPuts();
                    }
                }
                reopen();
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("engine '" + engineName() + "' diverged from the model: seed=" + seed + " step=" + step
                        + " op=" + op + " (replay with -Dkvkit.seed=" + seed + "): " + e.getMessage(), e);
            } finally {
                closeSnapshots();
                engine.close();
                model.close();
            }
        }

        byte[] randomKey() {
            int len = 1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 40 : 12);
            byte[] k = new byte[len];
            for (int i = 0; i < len; i++) {
                // Mostly a small alphabet, so that keys share prefixes; sometimes any byte.
                k[i] = rnd.nextInt(8) == 0 ? (byte) rnd.nextInt(256) : (byte) ('a' + rnd.nextInt(4));
            }
            return k;
        }

        byte[] key() {
            return rnd.nextInt(20) == 0 ? randomKey() : keySpace.get(rnd.nextInt(keySpace.size()));
        }

        byte[] value() {
            int len = rnd.nextInt(50) == 0 ? rnd.nextInt(20_000) : rnd.nextInt(120);
            byte[] v = new byte[len];
            rnd.nextBytes(v);
            return v;
        }

        WriteOptions writeOptions() {
            return rnd.nextInt(10) == 0 ? WriteOptions.SYNC : WriteOptions.DEFAULT;
        }

        void put() {
            byte[] k = key();
            byte[] v = value();
            op = "put " + Bytes.toDisplay(k) + " (" + v.length + " bytes)";
            WriteOptions w = writeOptions();
            engine.put(w, k, v);
            model.put(w, k, v);
        }

        void delete() {
            byte[] k = key();
            op = "delete " + Bytes.toDisplay(k);
            engine.delete(k);
            model.delete(k);
        }

        void batch() {
            WriteBatch batch = new WriteBatch();
            int n = 1 + rnd.nextInt(20);
            for (int i = 0; i < n; i++) {
                if (rnd.nextInt(3) == 0) {
                    batch.delete(key());
                } else {
                    batch.put(key(), value());
                }
            }
            op = "batch of " + n;
            WriteOptions w = writeOptions();
            engine.write(w, batch);
            model.write(w, batch);
        }

        void bulkPuts() {
            int n = 50 + rnd.nextInt(400);
            op = "bulk " + n + " puts";
            for (int i = 0; i < n; i++) {
                byte[] k = rnd.nextBoolean() ? key() : randomKey();
                byte[] v = value();
                engine.put(k, v);
                model.put(k, v);
            }
        }

        void get() {
            byte[] k = key();
            op = "get " + Bytes.toDisplay(k);
            byte[] expected = model.get(k);
            byte[] actual = engine.get(k);
            if (!Arrays.equals(expected, actual)) {
                throw new AssertionError("get " + Bytes.toDisplay(k) + ": expected " + describe(expected) + " but was " + describe(actual));
            }
        }

        void scan() {
            if (!engine.capabilities().orderedScan()) {
                compareUnordered(engine.iterate(), model.iterate(), "iterate");
                return;
            }
            KeyRange range = switch (rnd.nextInt(4)) {
                case 0 -> KeyRange.ALL;
                case 1 -> KeyRange.prefix(Arrays.copyOf(key(), 1 + rnd.nextInt(2)));
                case 2 -> KeyRange.from(key());
                default -> KeyRange.of(key(), key());
            };
            int limit = rnd.nextInt(3) == 0 ? Integer.MAX_VALUE : rnd.nextInt(30);
            boolean reverse = engine.capabilities().reverseScan() && rnd.nextInt(4) == 0;
            op = (reverse ? "reverse " : "") + "scan " + range + " limit " + limit;
            try (Cursor e = reverse ? engine.scanReverse(ReadOptions.DEFAULT, range) : engine.scan(range);
                 Cursor m = reverse ? model.scanReverse(ReadOptions.DEFAULT, range) : model.scan(range)) {
                compareOrdered(e, m, limit);
            }
        }

        void snapshotOp() {
            if (snapshots.size() >= 3 || (!snapshots.isEmpty() && rnd.nextBoolean())) {
                op = "release snapshot";
                Snapshot[] s = snapshots.pollFirst();
                s[0].close();
                s[1].close();
            } else {
                op = "take snapshot";
                snapshots.addLast(new Snapshot[] {engine.snapshot(), model.snapshot()});
            }
        }

        void readAtSnapshot() {
            if (snapshots.isEmpty()) {
                return;
            }
            Snapshot[] s = snapshots.toArray(new Snapshot[0][])[rnd.nextInt(snapshots.size())];
            ReadOptions e = ReadOptions.at(s[0]);
            ReadOptions m = ReadOptions.at(s[1]);
            if (rnd.nextBoolean()) {
                byte[] k = key();
                op = "get at snapshot " + Bytes.toDisplay(k);
                byte[] expected = model.get(m, k);
                byte[] actual = engine.get(e, k);
                if (!Arrays.equals(expected, actual)) {
                    throw new AssertionError("get at snapshot " + Bytes.toDisplay(k) + ": expected " + describe(expected)
                            + " but was " + describe(actual));
                }
            } else if (engine.capabilities().orderedScan()) {
                op = "scan all at snapshot";
                try (Cursor ec = engine.scan(e, KeyRange.ALL); Cursor mc = model.scan(m, KeyRange.ALL)) {
                    compareOrdered(ec, mc, Integer.MAX_VALUE);
                }
            } else {
                op = "iterate at snapshot";
                compareUnordered(engine.iterate(e), model.iterate(m), "iterate at snapshot");
            }
        }

        void reopen() {
            op = "reopen";
            closeSnapshots();
            engine.close();
            engine = open(dir);
            compareAll();
        }

        void compareAll() {
            op = op.startsWith("reopen") ? op : "compare all";
            compareUnordered(engine.iterate(), model.iterate(), "full contents");
        }

        void closeSnapshots() {
            for (Snapshot[] s : snapshots) {
                s[0].close();
                s[1].close();
            }
            snapshots.clear();
        }
    }

    private static void compareOrdered(Cursor engine, Cursor model, int limit) {
        for (int i = 0; i < limit; i++) {
            boolean m = model.next();
            boolean e = engine.next();
            if (m != e) {
                throw new AssertionError("scan entry " + i + ": expected " + (m ? Bytes.toDisplay(model.key()) : "end")
                        + " but was " + (e ? Bytes.toDisplay(engine.key()) : "end"));
            }
            if (!m) {
                return;
            }
            if (!Arrays.equals(model.key(), engine.key()) || !Arrays.equals(model.value(), engine.value())) {
                throw new AssertionError("scan entry " + i + ": expected " + Bytes.toDisplay(model.key()) + "=" + describe(model.value())
                        + " but was " + Bytes.toDisplay(engine.key()) + "=" + describe(engine.value()));
            }
        }
    }

    private static void compareUnordered(Cursor engine, Cursor model, String what) {
        TreeMap<byte[], byte[]> expected = new TreeMap<>(Bytes.ORDER);
        TreeMap<byte[], byte[]> actual = new TreeMap<>(Bytes.ORDER);
        try (engine; model) {
            while (model.next()) {
                expected.put(model.key(), model.value());
            }
            while (engine.next()) {
                if (actual.put(engine.key(), engine.value()) != null) {
                    throw new AssertionError(what + ": key " + Bytes.toDisplay(engine.key()) + " returned twice");
                }
            }
        }
        for (var e : expected.entrySet()) {
            byte[] got = actual.remove(e.getKey());
            if (!Arrays.equals(e.getValue(), got)) {
                throw new AssertionError(what + ": key " + Bytes.toDisplay(e.getKey()) + " expected " + describe(e.getValue())
                        + " but was " + describe(got));
            }
        }
        if (!actual.isEmpty()) {
            throw new AssertionError(what + ": " + actual.size() + " keys that should not exist, first "
                    + Bytes.toDisplay(actual.firstKey()));
        }
    }

    private static String describe(byte[] v) {
        if (v == null) {
            return "absent";
        }
        return v.length + " bytes " + Bytes.toDisplay(Arrays.copyOf(v, Math.min(v.length, 12)));
    }
}
