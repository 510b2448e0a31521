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
import org.openjdk.jcstress.infra.results.I_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The memtable {@code seekNode} bug ({@code io.kvkit.engine.lsm.MemTableGetRacingNeighbourInsertTest})
 * seen through the public API: key P|2 was put before the race; one writer puts P|1 (the next key
 * below it) while a reader gets P|2.
 *
 * <p>FORBIDDEN: P|2 read as absent. The put of P|2 returned before the race started, so every get
 * after it must see it; the bug makes the memtable answer NOT_FOUND when P|1 is linked in between
 * the search's two reads of the same link, and the engine then reports the key missing (or returns
 * an older version of it from an SSTable).
 */
@JCStressTest
@Description("LSM engine: a get of an existing key racing a put of the key just below it still finds it")
@Outcome(id = "1", expect = ACCEPTABLE, desc = "the existing key found")
@Outcome(id = "0", expect = FORBIDDEN, desc = "an acknowledged put read as absent")
@Outcome(expect = FORBIDDEN, desc = "a wrong value")
@State
public class LsmGetRacingNeighbourPutTest {
    private static final byte[] VALUE = TestKeys.value(0x7B, 24);

    private final SharedEngine.Lease lease = Stores.LSM.lease();
    private final StorageEngine db = lease.engine;
    private final long id = TestKeys.nextId();
    private final byte[] existing = TestKeys.key(id, 2);

    public LsmGetRacingNeighbourPutTest() {
        db.put(existing, VALUE);
    }

    @Actor
    public void writer() {
        db.put(TestKeys.key(id, 1), VALUE);
    }

    @Actor
    public void reader(I_Result r) {
        r.r1 = TestKeys.classify(db.get(existing), VALUE);
    }

    @Arbiter
    public void release() {
        lease.release();
    }
}
