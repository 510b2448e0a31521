package io.kvkit.jcstress.lsm;

import io.kvkit.engine.api.Cursor;
import io.kvkit.engine.api.KeyRange;
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
import org.openjdk.jcstress.infra.results.III_Result;

import java.util.Arrays;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Invariant: a cursor is one point in time over every source. The state's keys P|1 and P|3 are
 * written before the race; a writer puts P|2 and overwrites P|3 in one batch while a reader scans
 * the prefix P. The cursor merges the active memtable, the immutable ones and the SSTables, while
 * the memtable switches and flushes under it.
 *
 * <p>FORBIDDEN: P|1 missing (an older key skipped), P|2 seen with the old value of P|3 or the new
 * value of P|3 without P|2 (half a batch), a key twice or out of order.
 */
@JCStressTest
@Description("LSM cursor racing a batch: every older key, and the batch whole or not at all")
@Outcome(id = "1, 0, 1", expect = ACCEPTABLE, desc = "the scan's point in time is before the batch")
@Outcome(id = "1, 1, 2", expect = ACCEPTABLE, desc = "the scan's point in time is after the batch")
@Outcome(expect = FORBIDDEN, desc = "an older key skipped, half a batch, or keys repeated or out of order")
@State
public class LsmCursorRacingWritesTest {
    private static final byte[] OLD = TestKeys.value(0x79, 40);
    private static final byte[] NEW = TestKeys.value(0x7A, 40);

    private final SharedEngine.Lease lease = Stores.LSM.lease();
    private final StorageEngine db = lease.engine;
    private final long id = TestKeys.nextId();
    private final byte[] prefix = Arrays.copyOf(TestKeys.key(id, 0), 8);

    public LsmCursorRacingWritesTest() {
        db.write(new WriteBatch().put(TestKeys.key(id, 1), OLD).put(TestKeys.key(id, 3), OLD));
    }

    @Actor
    public void writer() {
        db.write(new WriteBatch().put(TestKeys.key(id, 2), NEW).put(TestKeys.key(id, 3), NEW));
    }

    /** r1: P|1 seen whole, r2: P|2 seen, r3: P|3's value (1 old, 2 new); -1 anywhere for a broken scan. */
    @Actor
    public void reader(III_Result r) {
        int one = 0;
        int two = 0;
        int three = 0;
        int lastRole = 0;
        boolean broken = false;
        try (Cursor c = db.scan(KeyRange.prefix(prefix))) {
            while (c.next()) {
                int role = c.key()[8];
                if (role <= lastRole || c.key().length != 9) {
                    broken = true;
                }
                lastRole = role;
                switch (role) {
                    case 1 -> one = TestKeys.classify(c.value(), OLD) == 1 ? 1 : -1;
                    case 2 -> two = TestKeys.classify(c.value(), NEW) == 1 ? 1 : -1;
                    case 3 -> three = TestKeys.classify(c.value(), OLD, NEW);
                    default -> broken = true;
                }
            }
        }
        r.r1 = broken ? -1 : one;
        r.r2 = two;
        r.r3 = three;
    }

    @Arbiter
    public void release() {
        lease.release();
    }
}
