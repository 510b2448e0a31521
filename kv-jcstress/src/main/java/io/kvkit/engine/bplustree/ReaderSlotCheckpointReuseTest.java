package io.kvkit.engine.bplustree;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Handoff: the B+tree's reader table against page reuse (LMDB's reader table), on the engine's own
 * {@link ReaderTable} and {@link FreeSpace}. A point read enters with
 * {@link ReaderTable#enter}: read the current state, publish its tree's txn in the thread's slot
 * (volatile), re-read the current state and retry if the tree changed. A checkpoint transaction
 * publishes tree 2 (volatile), records that it freed a page of tree 1, and — as the next
 * transaction of {@code BPlusTreeEngine.checkpointLocked} does first — makes reusable the pages no
 * reader can reach: {@code free.reclaim(readers.oldest(tree.txn()))}.
 *
 * <p>This is the store-buffering (Dekker) shape: each side writes one variable and reads the
 * other's. FORBIDDEN: the reader keeps tree 1 and the page of tree 1 became reusable — the writer
 * would overwrite a page a reader is about to read. Volatile on both sides rules it out; a release
 * store or a plain load on either side (the cheaper-looking choice) lets it happen.
 */
@JCStressTest
@Description("B+tree reader slot vs checkpoint: a page of a tree a point reader holds never becomes reusable")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the reader holds tree 1; the writer saw its slot and kept the page")
@Outcome(id = "2, 1", expect = ACCEPTABLE, desc = "the reader holds tree 2; the page of tree 1 is reusable")
@Outcome(id = "2, 0", expect = ACCEPTABLE, desc = "the reader holds tree 2; the writer saw its slot while it still named tree 1")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "the reader holds tree 1 and its page was made reusable")
@org.openjdk.jcstress.annotations.State // qualified: this package has a State of its own (the engine's read view)
public class ReaderSlotCheckpointReuseTest {
    private static final int PAGE_OF_TREE_1 = 7;

    private final ReaderTable readers = new ReaderTable();
    private final FreeSpace free = new FreeSpace(16);
    private final Meta tree2 = new Meta(2, 9, 2, 1, 16, 1, 0, 1);
    private volatile State current = new State(new Meta(1, PAGE_OF_TREE_1, 1, 1, 16, 1, 0, 1), new Overlay(), 1);

    @Actor
    public void reader(II_Result r) {
        State s = ReaderTable.enter(readers.slot(), () -> current);
        r.r1 = (int) s.tree().txn();
    }

    @Actor
    public void checkpoint(II_Result r) {
        current = new State(tree2, new Overlay(), 1);
        free.freedBy(tree2.txn(), new int[] {PAGE_OF_TREE_1});
        free.reclaim(readers.oldest(tree2.txn()));
        r.r2 = free.isReusable(PAGE_OF_TREE_1) ? 1 : 0;
    }
}
