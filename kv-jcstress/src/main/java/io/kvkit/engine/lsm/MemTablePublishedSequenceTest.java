package io.kvkit.engine.lsm;

import io.kvkit.jcstress.TestKeys;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Handoff: the engine's read path. The writer inserts a new key at sequence s (setting the key's
 * bits in the memtable's plain {@code long[]} bloom filter, then linking the node) and then
 * publishes s with a volatile write; the reader reads the published sequence p (volatile), asks the
 * bloom filter, and looks the key up as of p — the order of {@code LsmEngine.get}.
 *
 * <p>FORBIDDEN when p covers s: a "definitely absent" from the filter (its plain writes are
 * published only through the volatile sequence; a filter read before the sequence, or a writer that
 * sets the bits after publishing, would lose them: a silently missing key) or a lookup that misses
 * the key or returns bytes that are not its value. FORBIDDEN when p does not cover s: the key found
 * anyway (a version newer than the read sequence leaked into a read at p).
 *
 * <p>Found a bug on its first run (2026-11-25, 1 s, 2 CPUs: 7 of 197,051 samples "0, 0, 1" and
 * "0, 1, 1", the key found at a sequence that did not cover it): {@code MemTable.seekNode} returns
 * a second read of the last link it followed instead of the node it compared, so a node linked in
 * between comes back unchecked. See {@link MemTableGetRacingNeighbourInsertTest} for the worse
 * face of the same bug (an existing key reported absent) and the fix.
 */
@JCStressTest
@Description("LSM memtable: a write covered by the published sequence is in the bloom filter and the skip list")
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "sequence not yet published; filter says absent; key not found")
@Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "sequence not yet published; filter bits already set; key not found at p")
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "sequence published: filter and skip list both have the key")
@Outcome(expect = FORBIDDEN, desc = "a published write missing from filter or skip list, or an unpublished one read")
@State
public class MemTablePublishedSequenceTest {
    private static final byte[] VALUE = TestKeys.value(0x55, 32);

    private final SharedMemTable shared = SharedMemTable.INSTANCE;
    private final MemTable mem = shared.acquire();
    private final byte[] key = TestKeys.key(TestKeys.nextId(), 1);
    private final long hash = BloomFilter.hash(key);
    private long writtenSeq;
    private long readSeq;
    private int filterSaysMaybe;
    private int found;

    @Actor
    public void writer() {
        writtenSeq = shared.add(mem, key, VALUE);
    }

    @Actor
    public void reader() {
        long p = shared.published();
        filterSaysMaybe = mem.mayContain(hash) ? 1 : 0;
        LookupResult l = mem.get(key, p);
        found = l.kind() == LookupResult.Kind.FOUND ? TestKeys.classify(l.value(), VALUE)
                : l.kind() == LookupResult.Kind.NOT_FOUND ? TestKeys.ABSENT : TestKeys.TORN;
        readSeq = p;
    }

    /** r1: the read sequence covered the write, r2: the filter said "maybe", r3: the lookup found the value. */
    @Arbiter
    public void judge(III_Result r) {
        r.r1 = readSeq >= writtenSeq ? 1 : 0;
        r.r2 = filterSaysMaybe;
        r.r3 = found;
        mem.unref();
    }
}
