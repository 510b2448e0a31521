package io.kvkit.raft.runtime;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Invariant: a read waiting for the applied index completes exactly once, and never before the
 * index is reached. The worker registers a read at index 5 while the apply thread advances the
 * applied index to 4 and then to 5: whichever side sees the index reached completes it.
 *
 * <p>FORBIDDEN: the read not completed once the applied index is 5 (a lost wake-up: the
 * registration and the advance crossed), completed twice, or completed while the applied index
 * was still 4 (a read served before its index was applied: stale).
 */
@JCStressTest
@Description("raft runtime AppliedIndexWaiters: a read completes exactly once, never before its index is applied")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "completed once, not early")
@Outcome(expect = FORBIDDEN, desc = "a lost wake-up, a double completion, or a read completed before its index")
@State
public class AppliedIndexWaitersTest {

    private final AppliedIndexWaiters waiters = new AppliedIndexWaiters(3);
    private final AtomicInteger completions = new AtomicInteger();
    private final AtomicInteger early = new AtomicInteger();
    private final CompletableFuture<Void> read = new CompletableFuture<>();

    public AppliedIndexWaitersTest() {
        read.whenComplete((v, e) -> {
            completions.incrementAndGet();
            if (waiters.applied() < 5) {
                early.incrementAndGet();
            }
        });
    }

    @Actor
    public void worker() {
        waiters.await(5, read);
    }

    @Actor
    public void applier() {
        waiters.advanceTo(4);
        waiters.advanceTo(5);
    }

    /** r1: completions; r2: completions seen before the applied index reached 5. */
    @Arbiter
    public void after(II_Result r) {
        r.r1 = completions.get();
        r.r2 = early.get();
    }
}
