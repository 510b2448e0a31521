package io.kvkit.engine.bplustree;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Handoff: snapshots and cursors pin a tree with {@link ReaderTable#pin} (add a pin to a
 * concurrent set, re-read the current state, retry if the tree changed) instead of a per-thread
 * slot. A checkpoint transaction publishes tree 2, records a freed page of tree 1, and makes
 * reusable what {@code readers.oldest} allows, as in {@code BPlusTreeEngine.checkpointLocked}.
 *
 * <p>Store-buffering shape again, through a {@code ConcurrentHashMap} key set on the reader's side.
 * FORBIDDEN: the snapshot pins tree 1 and the page of tree 1 became reusable (a snapshot reading a
 * page the writer overwrites).
 */
@JCStressTest
@Description("B+tree snapshot pin vs checkpoint: a page of a pinned tree never becomes reusable")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "pinned tree 1; the writer saw the pin and kept the page")
@Outcome(id = "2, 1", expect = ACCEPTABLE, desc = "pinned tree 2; the page of tree 1 is reusable")
@Outcome(id = "2, 0", expect = ACCEPTABLE, desc = "pinned tree 2; the writer saw the first, abandoned pin on tree 1")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "pinned tree 1 and its page was made reusable")
@org.openjdk.jcstress.annotations.State // qualified: this package has a State of its own (the engine's read view)
public class ReaderPinCheckpointReuseTest {
    private static final int PAGE_OF_TREE_1 = 7;

    private final ReaderTable readers = new ReaderTable();
    private final FreeSpace free = new FreeSpace(16);
    private final Meta tree2 = new Meta(2, 9, 2, 1, 16, 1, 0, 1);
    private volatile State current = new State(new Meta(1, PAGE_OF_TREE_1, 1, 1, 16, 1, 0, 1), new Overlay(), 1);

    @Actor
    public void snapshot(II_Result r) {
        ReaderTable.Pin p = readers.pin(() -> current);
        r.r1 = (int) p.meta.txn();
    }

    @Actor
    public void checkpoint(II_Result r) {
        current = new State(tree2, new Overlay(), 1);
        free.freedBy(tree2.txn(), new int[] {PAGE_OF_TREE_1});
        free.reclaim(readers.oldest(tree2.txn()));
        r.r2 = free.isReusable(PAGE_OF_TREE_1) ? 1 : 0;
    }
}
