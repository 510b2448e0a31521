package io.kvkit.engine.lsm;

import io.kvkit.jcstress.TestKeys;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Invariant: a get of a key that is in the memtable finds it, whatever the writer inserts next to
 * it. Key P|2 is in the memtable before the race; the writer inserts P|1, which lands between P|2
 * and its predecessor X; a reader gets P|2.
 *
 * <p>FORBIDDEN: P|2 not found. This is the bug this test was written for ({@code MemTable.seekNode},
 * found by {@link MemTablePublishedSequenceTest} on 2026-11-25 in its first 1-second run): the
 * search stops at X after comparing X's level-0 successor (P|2) with the target, then returns
 * {@code nextAt(x, 0)} — a second read of the same link. If the writer linked P|1 in between, the
 * second read returns P|1, which was never compared: {@code get} sees a different key and answers
 * NOT_FOUND, and the engine goes on to the immutable memtables and the SSTables, returning an
 * older value of the key or null. The fix is to return the node the last comparison was made
 * against (LevelDB's {@code FindGreaterOrEqual} does that) instead of reading the link again.
 */
@JCStressTest
@Description("LSM memtable: a get of an existing key racing an insert just before it still finds the key")
@Outcome(id = "1", expect = ACCEPTABLE, desc = "the existing key found")
@Outcome(id = "0", expect = FORBIDDEN, desc = "the existing key reported absent: seekNode returned a node it never compared")
@Outcome(expect = FORBIDDEN, desc = "a wrong value")
@State
public class MemTableGetRacingNeighbourInsertTest {
    private static final byte[] VALUE = TestKeys.value(0x5A, 24);

    private final SharedMemTable shared = SharedMemTable.INSTANCE;
    private final MemTable mem = shared.acquire();
    private final long id = TestKeys.nextId();
    private final byte[] existing = TestKeys.key(id, 2);
    private final byte[] neighbour = TestKeys.key(id, 1);

    public MemTableGetRacingNeighbourInsertTest() {
        shared.add(mem, existing, VALUE);
    }

    @Actor
    public void writer() {
        shared.add(mem, neighbour, VALUE);
    }

    @Actor
    public void reader(I_Result r) {
        LookupResult l = mem.get(existing, Long.MAX_VALUE);
        r.r1 = l.kind() == LookupResult.Kind.FOUND ? TestKeys.classify(l.value(), VALUE)
                : l.kind() == LookupResult.Kind.NOT_FOUND ? TestKeys.ABSENT : TestKeys.TORN;
    }

    @Arbiter
    public void release() {
        mem.unref();
    }
}
