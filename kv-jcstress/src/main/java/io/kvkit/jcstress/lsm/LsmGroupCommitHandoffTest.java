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
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Handoff: group commit. Two writers put at once; often one leads and writes the other's batch to
 * the log and the memtable, publishes the sequence, marks the follower done and signals it. Each
 * writer then reads its own key, and the arbiter checks both keys after both returned.
 *
 * <p>FORBIDDEN: a writer that does not read its own write once {@code put} returned (a follower
 * released before the leader published the group's sequence), or a write missing at the end (a
 * batch dropped from a group).
 */
@JCStressTest
@Description("LSM group commit: a writer whose batch another writer committed reads it when put returns")
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "each writer reads its own write; both present afterwards")
@Outcome(expect = FORBIDDEN, desc = "a writer does not read its own acknowledged write, or a write is lost")
@State
public class LsmGroupCommitHandoffTest {
    private static final byte[] VALUE = TestKeys.value(0x78, 64);

    private final SharedEngine.Lease lease = Stores.LSM.lease();
    private final StorageEngine db = lease.engine;
    private final byte[] a = TestKeys.key(TestKeys.nextId(), 1);
    private final byte[] b = TestKeys.key(TestKeys.nextId(), 2);

    @Actor
    public void writerA(III_Result r) {
        db.put(a, VALUE);
        r.r1 = db.get(a) != null ? 1 : 0;
    }

    @Actor
    public void writerB(III_Result r) {
        db.put(b, VALUE);
        r.r2 = db.get(b) != null ? 1 : 0;
    }

    @Arbiter
    public void after(III_Result r) {
        r.r3 = db.get(a) != null && db.get(b) != null ? 1 : 0;
        lease.release();
    }
}
