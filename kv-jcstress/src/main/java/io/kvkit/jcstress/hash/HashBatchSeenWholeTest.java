package io.kvkit.jcstress.hash;

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
 * Handoff: the batch seqlock. Keys A and B hold old values; a writer overwrites both in one batch.
 * The writer points A's slot first and B's second, between two increments of the batch version (odd
 * while applying); a reader waits while the version is odd and retries a get whose version changed.
 * The reader gets A, then B.
 *
 * <p>FORBIDDEN: A new and B old. Without the seqlock exactly that is what a reader between the two
 * slot stores sees; with it, A's new value is returned only by a get that started after the batch
 * ended, and a later get of B starts later still. Torn or missing values are FORBIDDEN too.
 */
@JCStressTest
@Description("hash engine: a multi-key batch is seen whole (the batch seqlock)")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "before the batch")
@Outcome(id = "1, 2", expect = ACCEPTABLE, desc = "A read before the batch, B after it")
@Outcome(id = "2, 2", expect = ACCEPTABLE, desc = "after the batch")
@Outcome(id = "2, 1", expect = FORBIDDEN, desc = "half a batch: A new, then B old")
@Outcome(expect = FORBIDDEN, desc = "a torn or missing value")
@State
public class HashBatchSeenWholeTest {
    private static final byte[] OLD = TestKeys.value(0x41, 30);
    private static final byte[] NEW = TestKeys.value(0x42, 30);

    private final SharedEngine.Lease lease = Stores.HASH.lease();
    private final StorageEngine db = lease.engine;
    private final byte[] a = TestKeys.key(TestKeys.nextId(), 1);
    private final byte[] b = TestKeys.key(TestKeys.nextId(), 2);

    public HashBatchSeenWholeTest() {
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
