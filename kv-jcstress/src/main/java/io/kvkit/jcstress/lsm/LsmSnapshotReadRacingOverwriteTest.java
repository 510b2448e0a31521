package io.kvkit.jcstress.lsm;

import io.kvkit.engine.api.ReadOptions;
import io.kvkit.engine.api.Snapshot;
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
 * Invariant: a read through a snapshot never sees a write made after the snapshot. Key K holds an
 * old value and a snapshot S is taken before the race; a writer overwrites K while a reader reads K
 * through S twice.
 *
 * <p>FORBIDDEN: anything but the old value through S. The memtable {@code seekNode} bug lets a get
 * at S's sequence return the newer version (sequence above S) when it is linked between the
 * search's last comparison and its second read of the same link, because {@code MemTable.get}
 * checks the key of the node it gets back but not its sequence.
 */
@JCStressTest
@Description("LSM engine: reads through a snapshot racing an overwrite return the snapshot's value")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the snapshot's value, twice")
@Outcome(expect = FORBIDDEN, desc = "a value written after the snapshot was read through it")
@State
public class LsmSnapshotReadRacingOverwriteTest {
    private static final byte[] OLD = TestKeys.value(0x7C, 24);
    private static final byte[] NEW = TestKeys.value(0x7D, 48);

    private final SharedEngine.Lease lease = Stores.LSM.lease();
    private final StorageEngine db = lease.engine;
    private final byte[] key = TestKeys.key(TestKeys.nextId(), 1);
    private final Snapshot before;

    public LsmSnapshotReadRacingOverwriteTest() {
        db.put(key, OLD);
        before = db.snapshot();
    }

    @Actor
    public void writer() {
        db.put(key, NEW);
    }

    @Actor
    public void reader(II_Result r) {
        ReadOptions at = ReadOptions.at(before);
        r.r1 = TestKeys.classify(db.get(at, key), OLD, NEW);
        r.r2 = TestKeys.classify(db.get(at, key), OLD, NEW);
    }

    @Arbiter
    public void release() {
        before.close();
        lease.release();
    }
}
