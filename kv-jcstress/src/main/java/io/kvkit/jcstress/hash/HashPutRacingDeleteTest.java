package io.kvkit.jcstress.hash;

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
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Invariant: a put and a delete of one key are linearizable. The key holds an old value; one actor
 * puts a new value and then reads the key, the other deletes it and then reads the key; the
 * arbiter reads the final state. A delete leaves a "deleted" mark in the index slot and a put after
 * it reuses the first mark on the probe run, so this races the mark handling too.
 *
 * <p>The two operations happen in some order. Put first: the final state is "absent", the deleter
 * reads "absent", the putter reads the new value or (if the delete came between) "absent". Delete
 * first: the final state is the new value, the putter reads it, the deleter reads "absent" or the
 * new value. FORBIDDEN: the old value anywhere after either operation (a resurrected value), the
 * putter reading "absent" while the final value is new, the deleter reading the new value while the
 * final state is "absent" (each contradicts the order the final state shows), and torn values.
 */
@JCStressTest
@Description("hash engine: put racing delete of one key is linearizable; the old value never comes back")
@Outcome(id = "2, 0, 0", expect = ACCEPTABLE, desc = "put, then delete; the putter read before the delete")
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "put, then delete; the putter read after it")
@Outcome(id = "2, 0, 2", expect = ACCEPTABLE, desc = "delete, then put; the deleter read before the put")
@Outcome(id = "2, 2, 2", expect = ACCEPTABLE, desc = "delete, then put; the deleter read after it")
@Outcome(expect = FORBIDDEN, desc = "the old value resurrected, reads contradicting the final order, or a torn value")
@State
public class HashPutRacingDeleteTest {
    private static final byte[] OLD = TestKeys.value(0x31, 20);
    private static final byte[] NEW = TestKeys.value(0x32, 44);

    private final SharedEngine.Lease lease = Stores.HASH.lease();
    private final StorageEngine db = lease.engine;
    private final byte[] key = TestKeys.key(TestKeys.nextId(), 1);

    public HashPutRacingDeleteTest() {
        db.put(key, OLD);
    }

    /** r1: what the putter reads after its put (0 absent, 1 old, 2 new). */
    @Actor
    public void putter(III_Result r) {
        db.put(key, NEW);
        r.r1 = TestKeys.classify(db.get(key), OLD, NEW);
    }

    /** r2: what the deleter reads after its delete. */
    @Actor
    public void deleter(III_Result r) {
        db.delete(key);
        r.r2 = TestKeys.classify(db.get(key), OLD, NEW);
    }

    /** r3: the final state. */
    @Arbiter
    public void after(III_Result r) {
        r.r3 = TestKeys.classify(db.get(key), OLD, NEW);
        db.delete(key);
        lease.release();
    }
}
