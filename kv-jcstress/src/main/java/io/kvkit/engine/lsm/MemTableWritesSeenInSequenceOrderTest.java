package io.kvkit.engine.lsm;

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
 * Invariant: the memtable's single writer inserts key A (sequence s), then key B (sequence s+1),
 * at unrelated places of the skip list. A lock-free reader looks up B, then A.
 *
 * <p>FORBIDDEN: B found and A not. B's node was linked by a release store that comes after every
 * store of A's insert, and the reader reached B with acquire loads, so everything A's insert wrote
 * is visible to it: a newer write of one writer without the older one means a link was published
 * with a plain store, or read with a plain load that the JIT hoisted.
 */
@JCStressTest
@Description("LSM memtable: a reader that sees a writer's newer insert also sees its older one")
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "neither insert seen yet")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the older insert seen, the newer not yet")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "both seen")
@Outcome(id = "1, 0", expect = FORBIDDEN, desc = "the newer insert seen without the older one")
@State
public class MemTableWritesSeenInSequenceOrderTest {
    private static final byte[] VALUE = TestKeys.value(0x33, 16);

    private final SharedMemTable shared = SharedMemTable.INSTANCE;
    private final MemTable mem = shared.acquire();
    // two ids: A and B fall far apart in the key order
    private final byte[] older = TestKeys.key(TestKeys.nextId(), 1);
    private final byte[] newer = TestKeys.key(TestKeys.nextId(), 2);

    @Actor
    public void writer() {
        shared.add(mem, older, VALUE);
        shared.add(mem, newer, VALUE);
    }

    @Actor
    public void reader(II_Result r) {
        r.r1 = found(newer);
        r.r2 = found(older);
    }

    private int found(byte[] key) {
        return mem.get(key, Long.MAX_VALUE).kind() == LookupResult.Kind.FOUND ? 1 : 0;
    }

    @Arbiter
    public void release() {
        mem.unref();
    }
}
