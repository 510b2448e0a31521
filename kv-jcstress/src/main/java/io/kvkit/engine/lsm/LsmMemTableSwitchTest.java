package io.kvkit.engine.lsm;

import io.kvkit.jcstress.SharedEngine;
import io.kvkit.jcstress.Stores;
import io.kvkit.jcstress.TestKeys;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Invariant: a write is in exactly one source of a read view. The engine (64 KiB memtables, so
 * the memtable switches every few hundred writes and frozen memtables are flushed and compacted
 * all the time) takes a put of a fresh key; a reader takes the engine's read view the way
 * {@code LsmEngine.get} does (the {@code SuperVersion}, then the published sequence) and counts the
 * sources of that view — active memtable, immutable memtables, SSTables of every level — that hold
 * the key at that sequence. The arbiter counts again after the put has returned.
 *
 * <p>FORBIDDEN: during the race, more than one source (a write inserted into the old and the new
 * memtable across a switch, or a flushed memtable still listed next to its SSTable); after the put
 * returned, anything but exactly one (zero: a write lost in the switch or the flush).
 */
@JCStressTest
@Description("LSM memtable switch: a write is in exactly one of active memtable, immutable memtables, SSTables")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the reader's view did not hold the write yet; afterwards exactly one source")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the reader's view held the write in one source; afterwards exactly one")
@Outcome(expect = FORBIDDEN, desc = "a write in two sources of one view, or not in exactly one after the put returned")
@State
public class LsmMemTableSwitchTest {
    private static final VarHandle CURRENT;
    private static final VarHandle VISIBLE_SEQ;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.privateLookupIn(LsmEngine.class, MethodHandles.lookup());
            CURRENT = l.findVarHandle(LsmEngine.class, "current", SuperVersion.class);
            VISIBLE_SEQ = l.findVarHandle(LsmEngine.class, "visibleSeq", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final byte[] VALUE = TestKeys.value(0x66, 100);

    private final SharedEngine.Lease lease = Stores.LSM.lease();
    private final LsmEngine db = (LsmEngine) lease.engine;
    private final byte[] key = TestKeys.key(TestKeys.nextId(), 1);

    @Actor
    public void writer() {
        db.put(key, VALUE);
    }

    @Actor
    public void reader(II_Result r) {
        r.r1 = sourcesHolding(db, key);
    }

    @Arbiter
    public void after(II_Result r) {
        r.r2 = sourcesHolding(db, key);
        lease.release();
    }

    /** How many sources of the engine's current read view hold {@code key} at the published sequence. */
    static int sourcesHolding(LsmEngine db, byte[] key) {
        SuperVersion sv;
        do {
            sv = (SuperVersion) CURRENT.getVolatile(db);
        } while (!sv.tryRef());
        try {
            long seq = (long) VISIBLE_SEQ.getVolatile(db);
            long hash = BloomFilter.hash(key);
            int n = holds(sv.mem.get(key, seq));
            for (MemTable m : sv.imms) {
                n += holds(m.get(key, seq));
            }
            for (SsTableReader[] level : sv.tables) {
                for (SsTableReader t : level) {
                    n += holds(t.get(key, hash, seq));
                }
            }
            return n;
        } finally {
            sv.unref();
        }
    }

    private static int holds(LookupResult r) {
        return r.kind() == LookupResult.Kind.NOT_FOUND ? 0 : 1;
    }
}
