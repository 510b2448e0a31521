package io.kvkit.raft.runtime;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Invariant: every read offered to the read-index batcher is drained into a batch exactly once.
 * A client thread offers two reads while the group's worker drains the batcher for its round;
 * the arbiter (the worker's next round) drains what is left.
 *
 * <p>FORBIDDEN: a read never drained (its client would wait until its deadline although the
 * group is healthy) or drained twice (two read-index requests for one read, and its future
 * completed by either: harmless to safety, but a broken hand-off).
 */
@JCStressTest
@Description("raft runtime ReadIndexBatcher: every offered read is drained exactly once")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "each read drained once, in this round or the next")
@Outcome(expect = FORBIDDEN, desc = "a read lost or drained twice")
@State
public class ReadIndexBatcherHandOffTest {

    private final ReadIndexBatcher batcher = new ReadIndexBatcher();
    private final ReadIndexBatcher.ReadRequest a =
            new ReadIndexBatcher.ReadRequest(ReadConsistency.LINEARIZABLE, new CompletableFuture<>());
    private final ReadIndexBatcher.ReadRequest b =
            new ReadIndexBatcher.ReadRequest(ReadConsistency.FOLLOWER, new CompletableFuture<>());
    private final List<ReadIndexBatcher.ReadRequest> drained = new ArrayList<>();

    /** One actor offers both (jcstress runs no more actors than there are CPUs: 2 here). */
    @Actor
    public void client() {
        batcher.offer(a);
        batcher.offer(b);
    }

    @Actor
    public void worker() {
        batcher.drainTo(drained, 16);
    }

    /** r1, r2: how many times read a and read b were drained over the two rounds. */
    @Arbiter
    public void nextRound(II_Result r) {
        batcher.drainTo(drained, 16);
        int seenA = 0;
        int seenB = 0;
        for (ReadIndexBatcher.ReadRequest x : drained) {
            seenA += x == a ? 1 : 0;
            seenB += x == b ? 1 : 0;
        }
        r.r1 = seenA;
        r.r2 = seenB;
    }
}
