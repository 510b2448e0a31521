package io.kvkit.jcstress.hash;

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
 * Handoff: hash snapshots. A snapshot is a node of a chain; before the writer re-points a key's
 * index slot (release store) it records the key's previous location in the newest node's side
 * table (a concurrent map). A read at a snapshot loads the slot first, then walks the side tables
 * from its node on, and takes the first recorded location. Key K holds an old value and a snapshot
 * S is open before the race; a writer overwrites K (twice: the second change must not be recorded
 * over the first) while a reader reads K through S twice.
 *
 * <p>FORBIDDEN: anything but the old value through S. A reader that loads the new slot must also
 * see the side-table entry written before it (release/acquire through the slot); a side-table
 * write after the slot store, or a lookup that reads the side tables before the slot, lets S see
 * a later value.
 */
@JCStressTest
@Description("hash engine: reads through a snapshot racing overwrites return the snapshot's value")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the snapshot's value, twice")
@Outcome(expect = FORBIDDEN, desc = "a value written after the snapshot was read through it")
@State
public class HashSnapshotReadRacingOverwriteTest {
    private static final byte[] OLD = TestKeys.value(0x43, 24);
    private static final byte[] NEW = TestKeys.value(0x44, 48);
    private static final byte[] NEWER = TestKeys.value(0x45, 12);

    private final SharedEngine.Lease lease = Stores.HASH.lease();
    private final StorageEngine db = lease.engine;
    private final byte[] key = TestKeys.key(TestKeys.nextId(), 1);
    private final Snapshot before;

    public HashSnapshotReadRacingOverwriteTest() {
        db.put(key, OLD);
        before = db.snapshot();
    }

    @Actor
    public void writer() {
        db.put(key, NEW);
        db.put(key, NEWER);
    }

    @Actor
    public void reader(II_Result r) {
        ReadOptions at = ReadOptions.at(before);
        r.r1 = TestKeys.classify(db.get(at, key), OLD, NEW, NEWER);
        r.r2 = TestKeys.classify(db.get(at, key), OLD, NEW, NEWER);
    }

    @Arbiter
    public void release() {
        before.close();
        db.delete(key);
        lease.release();
    }
}
