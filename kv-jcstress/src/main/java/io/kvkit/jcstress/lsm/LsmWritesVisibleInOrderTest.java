package io.kvkit.jcstress.lsm;

import io.kvkit.engine.api.StorageEngine;
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

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Invariant, through the public API: one writer puts A, then B (two group commits, sequence
 * numbers in that order); a reader gets B, then A. The engine's memtable switches every few hundred
 * writes, so some of these puts straddle a switch (A in the frozen memtable, or already flushed to
 * an SSTable; B in the new memtable), and some gets run on a read view taken before the switch.
 *
 * <p>FORBIDDEN: B seen and A not. A returned before B was written, and a get reads one read view
 * at one published sequence; seeing B means the sequence covers A too, and A must be found in
 * whichever source holds it then.
 */
@JCStressTest
@Description("LSM engine: a get that sees a writer's second put sees its first, across memtable switches")
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "neither put seen yet")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the first put seen, the second not yet")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "both seen")
@Outcome(id = "1, 0", expect = FORBIDDEN, desc = "the second put seen without the first")
@State
public class LsmWritesVisibleInOrderTest {
    private static final byte[] VALUE = TestKeys.value(0x77, 100);

    private final SharedEngine.Lease lease = Stores.LSM.lease();
    private final StorageEngine db = lease.engine;
    private final byte[] first = TestKeys.key(TestKeys.nextId(), 1);
    private final byte[] second = TestKeys.key(TestKeys.nextId(), 2);

    @Actor
    public void writer() {
        db.put(first, VALUE);
        db.put(second, VALUE);
    }

    @Actor
    public void reader(II_Result r) {
        r.r1 = db.get(second) != null ? 1 : 0;
        r.r2 = db.get(first) != null ? 1 : 0;
    }

    @Arbiter
    public void release() {
        lease.release();
    }
}
