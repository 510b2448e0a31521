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
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Handoff: the hash engine's writer copies a record into the mapped log segment with plain stores
 * and then points the key's index slot at it with a release store; a reader loads the slot with an
 * acquire load, reads the record, checks its CRC, and re-checks the slot. A key holds an old value
 * (24 bytes of 0x11); one writer overwrites it (56 bytes of 0x22) while a reader gets it. The
 * shared engine rolls segments, compacts and rebuilds its index meanwhile.
 *
 * <p>FORBIDDEN: anything but one whole value during the race (torn, mixed or missing: a slot
 * published before its record, or a probe that lost the key), and anything but the new value after
 * the put returned.
 */
@JCStressTest
@Description("hash engine: a get racing a put of the same key returns the old or the new value, whole")
@Outcome(id = "1, 2", expect = ACCEPTABLE, desc = "the old value, whole; the new one afterwards")
@Outcome(id = "2, 2", expect = ACCEPTABLE, desc = "the new value, whole")
@Outcome(expect = FORBIDDEN, desc = "a torn, mixed or missing value, or not the new value after the put")
@State
public class HashPutGetSameKeyTest {
    private static final byte[] OLD = TestKeys.value(0x11, 24);
    private static final byte[] NEW = TestKeys.value(0x22, 56);

    private final SharedEngine.Lease lease = Stores.HASH.lease();
    private final StorageEngine db = lease.engine;
    private final byte[] key = TestKeys.key(TestKeys.nextId(), 1);

    public HashPutGetSameKeyTest() {
        db.put(key, OLD);
    }

    @Actor
    public void writer() {
        db.put(key, NEW);
    }

    @Actor
    public void reader(II_Result r) {
        r.r1 = TestKeys.classify(db.get(key), OLD, NEW);
    }

    @Arbiter
    public void after(II_Result r) {
        r.r2 = TestKeys.classify(db.get(key), OLD, NEW);
        db.delete(key);
        lease.release();
    }
}
