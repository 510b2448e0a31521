package io.kvkit.jcstress.bplustree;

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
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Handoff: a B+tree commit adds a batch's versions to the shared overlay (a concurrent skip list)
 * and then publishes a new {@code State} (tree, overlay, sequence) in a volatile field; a reader
 * loads the state and ignores overlay versions above its sequence. Checkpoints fold the overlay
 * into a new copy-on-write tree every 256 writes and publish that too, so some reads run on a
 * tree being switched. Keys A and B hold old values; a writer overwrites both in one batch; a reader
 * gets A, then B.
 *
 * <p>FORBIDDEN: A new and B old (half a batch: a version visible before its state was published,
 * or a checkpoint publishing a tree with part of the batch and an overlay without the rest), and
 * torn or missing values.
 */
@JCStressTest
@Description("B+tree: a reader racing a commit sees the whole batch or none of it")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "before the batch")
@Outcome(id = "1, 2", expect = ACCEPTABLE, desc = "A read before the commit, B after it")
@Outcome(id = "2, 2", expect = ACCEPTABLE, desc = "after the batch")
@Outcome(id = "2, 1", expect = FORBIDDEN, desc = "half a batch: A new, then B old")
@Outcome(expect = FORBIDDEN, desc = "a torn or missing value")
@State
public class BPlusTreeBatchSeenWholeTest {
    private static final byte[] OLD = TestKeys.value(0x61, 30);
    private static final byte[] NEW = TestKeys.value(0x62, 70);

    private final SharedEngine.Lease lease = Stores.BPLUSTREE.lease();
    private final StorageEngine db = lease.engine;
    private final byte[] a = TestKeys.key(TestKeys.nextId(), 1);
    private final byte[] b = TestKeys.key(TestKeys.nextId(), 2);

    public BPlusTreeBatchSeenWholeTest() {
        db.write(new WriteBatch().put(a, OLD).put(b, OLD));
    }

    @Actor
    public void writer() {
        db.write(new WriteBatch().put(a, NEW).put(b, NEW));
    }

    @Actor
    public void reader(II_Result r) {
        r.r1 = TestKeys.classify(db.get(a), OLD, NEW);
        r.r2 = TestKeys.classify(db.get(b), OLD, NEW);
    }

    @Arbiter
    public void release() {
        db.write(new WriteBatch().delete(a).delete(b));
        lease.release();
    }
}
