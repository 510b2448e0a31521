package io.kvkit.jcstress.bplustree;

import io.kvkit.engine.api.ReadOptions;
import io.kvkit.engine.api.Snapshot;
import io.kvkit.engine.api.StorageEngine;
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
import org.openjdk.jcstress.infra.results.IIII_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Invariant: snapshot isolation while a writer commits. Keys A and B hold old values and a
 * snapshot S1 is open before the race. A writer overwrites both in one batch (the shared engine
 * checkpoints every 256 writes, folding the overlay into a new tree and reusing freed pages once
 * no reader pins them). A reader reads A and B through S1, then opens a snapshot S2 and reads A and
 * B through it.
 *
 * <p>FORBIDDEN: S1 reading anything but the old values (a snapshot that moved: its overlay versions
 * not filtered by its sequence, or its tree's pages reused under it), and S2 reading one new and
 * one old value (a snapshot that is not one point in time).
 */
@JCStressTest
@Description("B+tree: an open snapshot keeps its point in time while a writer commits and checkpoints")
@Outcome(id = "1, 1, 1, 1", expect = ACCEPTABLE, desc = "S1 old; S2 opened before the commit")
@Outcome(id = "1, 1, 2, 2", expect = ACCEPTABLE, desc = "S1 old; S2 opened after the commit")
@Outcome(expect = FORBIDDEN, desc = "S1 moved, or S2 holds half a batch")
@State
public class BPlusTreeSnapshotIsolationTest {
    private static final byte[] OLD = TestKeys.value(0x63, 50);
    private static final byte[] NEW = TestKeys.value(0x64, 90);

    private final SharedEngine.Lease lease = Stores.BPLUSTREE.lease();
    private final StorageEngine db = lease.engine;
    private final byte[] a = TestKeys.key(TestKeys.nextId(), 1);
    private final byte[] b = TestKeys.key(TestKeys.nextId(), 2);
    private final Snapshot before;

    public BPlusTreeSnapshotIsolationTest() {
        db.write(new WriteBatch().put(a, OLD).put(b, OLD));
        before = db.snapshot();
    }

    @Actor
    public void writer() {
        db.write(new WriteBatch().put(a, NEW).put(b, NEW));
    }

    @Actor
    public void reader(IIII_Result r) {
        ReadOptions s1 = ReadOptions.at(before);
        r.r1 = TestKeys.classify(db.get(s1, a), OLD, NEW);
        r.r2 = TestKeys.classify(db.get(s1, b), OLD, NEW);
        try (Snapshot during = db.snapshot()) {
            ReadOptions s2 = ReadOptions.at(during);
            r.r3 = TestKeys.classify(db.get(s2, a), OLD, NEW);
            r.r4 = TestKeys.classify(db.get(s2, b), OLD, NEW);
        }
    }

    @Arbiter
    public void release() {
        before.close();
        db.write(new WriteBatch().delete(a).delete(b));
        lease.release();
    }
}
