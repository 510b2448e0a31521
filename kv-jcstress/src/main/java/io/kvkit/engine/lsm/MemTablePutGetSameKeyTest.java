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
 * Handoff: the memtable writer fills a node (header, key, value) with plain stores and links it
 * with a release store; a lock-free reader reaches it with acquire loads. A key holds an old
 * value (24 bytes of 0x11); the writer inserts a newer version (56 bytes of 0x22) while a reader
 * looks the key up at the newest sequence.
 *
 * <p>FORBIDDEN: anything but one whole value. A torn value (a length from one node and bytes from
 * another, or bytes not yet copied) means a node was reachable before it was fully written; a
 * missing key means the insert broke a link the key's older node was reachable through.
 */
@JCStressTest
@Description("LSM memtable: a get racing a newer put of the same key sees one whole value, old or new")
@Outcome(id = "1", expect = ACCEPTABLE, desc = "the old value, whole: the new node was not linked yet")
@Outcome(id = "2", expect = ACCEPTABLE, desc = "the new value, whole")
@Outcome(id = "0", expect = FORBIDDEN, desc = "key missing: the insert hid the existing node")
@Outcome(id = "-1", expect = FORBIDDEN, desc = "torn value: a node was reachable before it was fully written")
@State
public class MemTablePutGetSameKeyTest {
    private static final byte[] OLD = TestKeys.value(0x11, 24);
    private static final byte[] NEW = TestKeys.value(0x22, 56);

    private final SharedMemTable shared = SharedMemTable.INSTANCE;
    private final MemTable mem = shared.acquire();
    private final byte[] key = TestKeys.key(TestKeys.nextId(), 1);

    public MemTablePutGetSameKeyTest() {
        shared.add(mem, key, OLD);
    }

    @Actor
    public void writer() {
        shared.add(mem, key, NEW);
    }

    @Actor
    public void reader(I_Result r) {
        LookupResult found = mem.get(key, Long.MAX_VALUE);
        r.r1 = found.kind() == LookupResult.Kind.FOUND ? TestKeys.classify(found.value(), OLD, NEW)
                : found.kind() == LookupResult.Kind.NOT_FOUND ? TestKeys.ABSENT : TestKeys.TORN;
    }

    @Arbiter
    public void release() {
        mem.unref();
    }
}
