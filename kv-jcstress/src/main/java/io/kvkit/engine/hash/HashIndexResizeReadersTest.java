package io.kvkit.engine.hash;

import io.kvkit.engine.api.WriteBatch;
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

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Handoff: index resize. The hash engine's index starts at 16 slots and is rebuilt whenever live
 * keys plus deleted marks pass 3/4 of it; a fresh engine serves every 1,024 states
 * ({@code Stores.HASH_RESIZING}), so the table doubles while the states' actors run. A
 * rebuild fills a new table beside the old one, publishes it with a volatile write and frees the
 * old one; readers still probing the old table either finish there or hit the freed arena and
 * retry on the new one.
 *
 * <p>Four keys exist before the race; a writer inserts eight fresh keys (each insert may start a
 * rebuild) while a reader gets the four old keys, four times over, noting whether the published
 * table changed under its gets (r2: a small fraction of the samples on 2 CPUs, so a pass there
 * is weak evidence). FORBIDDEN: an old key missing or with a wrong value (a key not copied to the new
 * table, a stale "absent" from the old table accepted without re-checking the table, a read of
 * freed memory), or, after the race, any of the twelve keys missing.
 */
@JCStressTest
@Description("hash index: reads during a resize see every key present before and after it")
@Outcome(id = "4, 0, 12", expect = ACCEPTABLE, desc = "every old key read; no rebuild under the reads")
@Outcome(id = "4, 1, 12", expect = ACCEPTABLE, desc = "every old key read while the index was rebuilt under the reads")
@Outcome(expect = FORBIDDEN, desc = "a key present before and after the resize was missed or misread")
@State
public class HashIndexResizeReadersTest {
    private static final VarHandle READ_STATE;

    static {
        try {
            READ_STATE = MethodHandles.privateLookupIn(HashEngine.class, MethodHandles.lookup())
                    .findVarHandle(HashEngine.class, "read", ReadState.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final byte[] VALUE = TestKeys.value(0x51, 16);

    private final SharedEngine.Lease lease = Stores.HASH_RESIZING.lease();
    private final HashEngine db = (HashEngine) lease.engine;
    private final ReadState readState = (ReadState) READ_STATE.get(db);
    private final long id = TestKeys.nextId();

    public HashIndexResizeReadersTest() {
        WriteBatch b = new WriteBatch();
        for (int role = 1; role <= 4; role++) {
            b.put(TestKeys.key(id, role), VALUE);
        }
        db.write(b);
    }

    @Actor
    public void writer() {
        for (int role = 5; role <= 12; role++) {
            db.put(TestKeys.key(id, role), VALUE);
        }
    }

    /** r1: 4 if every read of the old keys returned the value (else the lowest failing role - 1), r2: the published index changed during the reads. */
    @Actor
    public void reader(III_Result r) {
        HashIndex before = readState.index;
        int ok = 4;
        for (int round = 0; round < 4; round++) {
            for (int role = 1; role <= 4; role++) {
                if (TestKeys.classify(db.get(TestKeys.key(id, role)), VALUE) != 1) {
                    ok = Math.min(ok, role - 1);
                }
            }
        }
        r.r1 = ok;
        r.r2 = readState.index != before ? 1 : 0;
    }

    /** r3: keys present after the race (all twelve expected); then the state's keys are deleted. */
    @Arbiter
    public void after(III_Result r) {
        int present = 0;
        WriteBatch deletes = new WriteBatch();
        for (int role = 1; role <= 12; role++) {
            byte[] k = TestKeys.key(id, role);
            present += TestKeys.classify(db.get(k), VALUE) == 1 ? 1 : 0;
            deletes.delete(k);
        }
        r.r3 = present;
        db.write(deletes);
        lease.release();
    }
}
