package io.kvkit.engine.lsm;

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
 * Invariant: an iterator walking level 0 of the skip list while the writer inserts never skips a
 * node that was linked before it started. The state's keys are P|1, P|3, P|5 (inserted before the
 * race) and P|2, P|4 (inserted during it, between them); the reader seeks to P|0, as a cursor over
 * a range does, and walks while the keys start with P.
 *
 * <p>FORBIDDEN: fewer than the 3 older keys (an insert splicing a node in must first point the new
 * node at its successor, then publish it: the other order cuts the list for a moment), a key twice
 * or out of order (a half-written next pointer), or a key that is none of the state's.
 */
@JCStressTest
@Description("LSM memtable: iteration racing inserts sees every older key once, in order")
@Outcome(id = "3, 0, 0", expect = ACCEPTABLE, desc = "the older keys; neither new key yet")
@Outcome(id = "3, 1, 0", expect = ACCEPTABLE, desc = "the older keys and one new key")
@Outcome(id = "3, 2, 0", expect = ACCEPTABLE, desc = "the older keys and both new keys")
@Outcome(expect = FORBIDDEN, desc = "an older key skipped, a key repeated or out of order, or a foreign key")
@State
public class MemTableIterationRacingInsertsTest {
    private static final byte[] VALUE = TestKeys.value(0x44, 8);

    private final SharedMemTable shared = SharedMemTable.INSTANCE;
    private final MemTable mem = shared.acquire();
    private final long id = TestKeys.nextId();
    private final byte[] start = TestKeys.key(id, 0);

    public MemTableIterationRacingInsertsTest() {
        for (int role = 1; role <= 5; role += 2) {
            shared.add(mem, TestKeys.key(id, role), VALUE);
        }
    }

    @Actor
    public void writer() {
        shared.add(mem, TestKeys.key(id, 2), VALUE);
        shared.add(mem, TestKeys.key(id, 4), VALUE);
    }

    /** r1: older keys seen, r2: new keys seen, r3: keys out of order, repeated or foreign. */
    @Actor
    public void reader(III_Result r) {
        InternalIterator it = mem.iterator();
        it.seek(start, Long.MAX_VALUE);
        int older = 0;
        int newer = 0;
        int bad = 0;
        int lastRole = 0;
        while (it.valid()) {
            byte[] k = it.key();
            if (k.length != start.length || Arrays.mismatch(k, 0, 8, start, 0, 8) != -1) {
                break; // past the state's keys
            }
            int role = k[8];
            if (role <= lastRole || role > 5 || !Arrays.equals(it.value(), VALUE)) {
                bad++;
            } else if ((role & 1) == 1) {
                older++;
            } else {
                newer++;
            }
            lastRole = role;
            it.next();
        }
        r.r1 = older;
        r.r2 = newer;
        r.r3 = bad;
    }

    @Arbiter
    public void release() {
        mem.unref();
    }
}
