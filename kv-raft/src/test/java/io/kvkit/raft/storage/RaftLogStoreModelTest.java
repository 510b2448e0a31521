package io.kvkit.raft.storage;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.Entry;
import io.kvkit.raft.EntryType;
import io.kvkit.raft.HardState;
import io.kvkit.raft.Snapshot;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Model-based test of the durable {@link RaftLogStore}s: random operations on several groups
 * (appends that truncate, hard states, compactions, installed snapshots, group deletion and
 * creation, syncs, garbage collection, close and reopen) applied to the store under test and
 * to {@link MemoryRaftLogStore}, compared after every step. Seeds are printed; replay one with
 * {@code -Dkvkit.raft.logSeed=S}; more with {@code -Dkvkit.raft.logSeeds=N} (default 2; a new base seed every run).
 */
class RaftLogStoreModelTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"shared", "directory"})
    void randomOperationsMatchTheMemoryModel(String kind) throws Exception {
        String one = System.getProperty("kvkit.raft.logSeed", "");
        // the directory store pays an fsync per group and per segment: fewer steps keep it quick
        int seeds = Integer.getInteger("kvkit.raft.logSeeds", 2);
        int steps = kind.equals("shared") ? 1000 : 600;
        long base = one.isBlank() ? System.nanoTime() : Long.parseLong(one.trim());
        for (int k = 0; k < (one.isBlank() ? seeds : 1); k++) {
            long seed = base + k;
            System.out.println("RaftLogStoreModelTest " + kind + " seed " + seed + " (replay: -Dkvkit.raft.logSeed=" + seed + ")");
            Path dir = Files.createDirectory(tmp.resolve(kind + "-" + k));
            try {
                new Run(kind, dir, seed).run(steps);
            } catch (Throwable t) {
                throw new AssertionError(kind + " store, seed " + seed + ": " + t.getMessage(), t);
            }
        }
    }

    private static final class Run {
        final String kind;
        final Path dir;
        final Random rnd;
        final SharedRaftLogOptions options;
        final MemoryRaftLogStore model = new MemoryRaftLogStore();
        RaftLogStore store;
        final Map<Long, Long> terms = new HashMap<>();
        long nextGroup = 1;
        long deletedBeforeReopen;

        Run(String kind, Path dir, long seed) {
            this.kind = kind;
            this.dir = dir;
            this.rnd = new Random(seed);
            // metamorphic: segment size, buffer and rewrite threshold vary with the seed
            this.options = SharedRaftLogOptions.defaults()
                    .withSegmentBytes(4096 + rnd.nextInt(3) * 4096L)
                    .withWriteBufferBytes(4096 + rnd.nextInt(2) * 60_000)
                    .withMaxRecordBytes(1024 + rnd.nextInt(2) * 4096)
                    .withRewriteLivePercent(List.of(0, 25, 60, 100).get(rnd.nextInt(4)));
            this.store = open();
        }

        RaftLogStore open() {
            return kind.equals("shared") ? SharedRaftLogStore.open(dir, options) : DirectoryRaftLogStore.open(dir, 64 << 10);
        }

        void run(int steps) {
            for (int i = 0; i < 3; i++) {
                createGroup();
            }
            for (int step = 0; step < steps; step++) {
                List<Long> ids = new ArrayList<>(new TreeSet<>(model.groupIds()));
                if (ids.isEmpty()) {
                    createGroup();
                    continue;
                }
                long g = ids.get(rnd.nextInt(ids.size()));
                RaftLogStorage m = model.open(g);
                RaftLogStorage s = store.open(g);
                int op = rnd.nextInt(100);
                String what;
                if (op < 40) {
                    what = append(g, m, s);
                } else if (op < 55) {
                    what = hardState(m, s);
                } else if (op < 63) {
                    what = compact(m, s);
                } else if (op < 67) {
                    what = install(g, m, s);
                } else if (op < 69) {
                    store.delete(g);
                    model.delete(g);
                    what = "delete";
                } else if (op < 72) {
                    createGroup();
                    what = "create";
                } else if (op < 85) {
                    store.sync();
                    what = "sync";
                } else if (op < 88) {
                    if (store instanceof SharedRaftLogStore shared) {
                        shared.collectGarbage();
                    }
                    what = "gc";
                } else if (op < 91) {
                    if (store instanceof SharedRaftLogStore shared) {
                        deletedBeforeReopen += shared.stats().deletedSegments();
                    }
                    store.close();
                    store = open();
                    what = "reopen";
                    assertThat(store.groupIds()).as("groups after reopen").isEqualTo(model.groupIds());
                    for (long id : model.groupIds()) {
                        compare(id, model.open(id), store.open(id), "after reopen");
                    }
                    continue;
                } else {
                    what = reads(m, s);
                }
                String at = "step " + step + " (" + what + " on group " + g + ")";
                assertThat(store.groupIds()).as(at).isEqualTo(model.groupIds());
                if (model.groupIds().contains(g)) {
                    compare(g, model.open(g), store.open(g), at);
                }
            }
            store.close();
            store = open();
            for (long id : model.groupIds()) {
                compare(id, model.open(id), store.open(id), "at the end");
            }
            if (store instanceof SharedRaftLogStore shared) {
                assertThat(shared.recoveryReport()).isEmpty();
                System.out.println("  " + shared.stats() + ", segments deleted before the last reopen: " + deletedBeforeReopen);
            }
            store.close();
        }

        void createGroup() {
            long g = nextGroup++;
            model.open(g);
            store.open(g);
        }

        String append(long g, RaftLogStorage m, RaftLogStorage s) {
            long commit = m.initialState().hardState().commit();
            long lo = Math.max(m.firstIndex(), commit + 1);
            long hi = m.lastIndex() + 1;
            long first = lo + (hi > lo ? rnd.nextInt((int) (hi - lo + 1)) : 0);
            long term = terms.merge(g, first <= m.lastIndex() ? 1L : 0L, Long::sum);
            term = Math.max(term, 1);
            terms.put(g, term);
            List<Entry> ents = new ArrayList<>();
            int n = 1 + rnd.nextInt(8);
            for (int i = 0; i < n; i++) {
                byte[] data = new byte[rnd.nextInt(10) == 0 ? rnd.nextInt(3000) : rnd.nextInt(120)];
                rnd.nextBytes(data);
                ents.add(new Entry(term, first + i, rnd.nextInt(10) == 0 ? EntryType.CONF_CHANGE : EntryType.NORMAL, data));
            }
            m.append(ents);
            s.append(ents);
            return "append " + n + " at " + first;
        }

        String hardState(RaftLogStorage m, RaftLogStorage s) {
            HardState hs = m.initialState().hardState();
            long commit = hs.commit() + (m.lastIndex() > hs.commit() ? rnd.nextInt((int) (m.lastIndex() - hs.commit() + 1)) : 0);
            HardState next = new HardState(hs.term() + rnd.nextInt(2), rnd.nextInt(4), commit);
            m.setHardState(next);
            s.setHardState(next);
            return "hard state " + next;
        }

        String compact(RaftLogStorage m, RaftLogStorage s) {
            long commit = m.initialState().hardState().commit();
            long snap = m.snapshot().index();
            if (commit <= snap || commit > m.lastIndex()) {
                return "no compaction";
            }
            long index = snap + 1 + rnd.nextInt((int) (commit - snap));
            byte[] data = new byte[rnd.nextInt(200)];
            rnd.nextBytes(data);
            ConfState cs = ConfState.ofVoters(1L, 2L, 1L + rnd.nextInt(5));
            m.createSnapshot(index, cs, data);
            s.createSnapshot(index, cs, data);
            return "compact to " + index;
        }

        String install(long g, RaftLogStorage m, RaftLogStorage s) {
            long at = Math.max(m.snapshot().index(), m.initialState().hardState().commit()) + 1 + rnd.nextInt(20);
            long term = terms.merge(g, 1L, Long::sum);
            byte[] data = new byte[rnd.nextInt(300)];
            rnd.nextBytes(data);
            Snapshot snap = new Snapshot(at, term, ConfState.ofVoters(1L, 3L), data);
            m.applySnapshot(snap);
            s.applySnapshot(snap);
            if (m.initialState().hardState().commit() < at) {
                HardState hs = m.initialState().hardState();
                HardState next = new HardState(Math.max(hs.term(), term), hs.vote(), at);
                m.setHardState(next);
                s.setHardState(next);
            }
            return "install snapshot at " + at;
        }

        String reads(RaftLogStorage m, RaftLogStorage s) {
            if (m.lastIndex() >= m.firstIndex()) {
                long lo = m.firstIndex() + rnd.nextInt((int) (m.lastIndex() - m.firstIndex() + 1));
                long hi = lo + 1 + rnd.nextInt((int) (m.lastIndex() - lo + 1));
                long max = rnd.nextInt(2000);
                assertThat(s.entries(lo, hi, max)).as("entries(%d, %d, %d)", lo, hi, max).isEqualTo(m.entries(lo, hi, max));
            }
            return "reads";
        }

        static void compare(long g, RaftLogStorage m, RaftLogStorage s, String at) {
            String where = "group " + g + " " + at;
            assertThat(s.firstIndex()).as("first index, " + where).isEqualTo(m.firstIndex());
            assertThat(s.lastIndex()).as("last index, " + where).isEqualTo(m.lastIndex());
            assertThat(s.initialState()).as("initial state, " + where).isEqualTo(m.initialState());
            Snapshot ms = m.snapshot();
            Snapshot ss = s.snapshot();
            assertThat(ss.index()).as("snapshot index, " + where).isEqualTo(ms.index());
            assertThat(ss.term()).as("snapshot term, " + where).isEqualTo(ms.term());
            assertThat(ss.confState()).as("snapshot conf, " + where).isEqualTo(ms.confState());
            assertThat(ss.data()).as("snapshot data, " + where).isEqualTo(ms.data());
            assertThat(s.term(m.firstIndex() - 1)).as("term before first, " + where).isEqualTo(m.term(m.firstIndex() - 1));
            if (m.lastIndex() >= m.firstIndex()) {
                assertThat(s.entries(m.firstIndex(), m.lastIndex() + 1, Long.MAX_VALUE)).as("entries, " + where)
                        .isEqualTo(m.entries(m.firstIndex(), m.lastIndex() + 1, Long.MAX_VALUE));
            }
        }
    }
}
