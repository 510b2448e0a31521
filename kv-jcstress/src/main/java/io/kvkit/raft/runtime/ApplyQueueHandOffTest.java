package io.kvkit.raft.runtime;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import java.util.concurrent.atomic.AtomicInteger;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Invariant: the apply queue runs each task exactly once, in submission order, never two of a
 * group's tasks at once, and strands none. The pool runs a drain on the submitting thread
 * itself, so a drain that clears its "scheduled" flag races the other submitter: the classic
 * window where a serial executor loses a task. Task A is submitted first by the worker; while
 * it runs, a second submitter (a worker's later round) adds B.
 *
 * <p>FORBIDDEN: a task not run (stranded) or run twice, two tasks running at the same time (the
 * state machine would be called concurrently), or B before A.
 */
@JCStressTest
@Description("raft runtime ApplyQueue: every task runs once, in order, one at a time; none is stranded")
@Outcome(id = "2, 0, 1", expect = ACCEPTABLE, desc = "both ran once, one at a time, A before B")
@Outcome(expect = FORBIDDEN, desc = "a task stranded or run twice, two at once, or out of order")
@State
public class ApplyQueueHandOffTest {

    private final ApplyQueue queue = new ApplyQueue(Runnable::run, e -> { });
    private final AtomicInteger runs = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger overlaps = new AtomicInteger();
    private volatile boolean aRan;
    private volatile int bAfterA = -1;

    private ApplyQueue.Task task(boolean isA) {
        return new ApplyQueue.Task() {
            @Override
            public void run() {
                if (running.incrementAndGet() > 1) {
                    overlaps.incrementAndGet();
                }
                if (isA) {
                    aRan = true;
                } else {
                    bAfterA = aRan ? 1 : 0;
                }
                runs.incrementAndGet();
                running.decrementAndGet();
            }

            @Override
            public void abandon() {
            }
        };
    }

    @Actor
    public void first() {
        queue.submit(task(true));
    }

    /** Submits B once A is running or done: the drain of A is then near its flag-clearing window. */
    @Actor
    public void second() {
        while (!aRan) {
            Thread.onSpinWait();
        }
        queue.submit(task(false));
    }

    /** r1: tasks run; r2: overlaps; r3: 1 if B ran after A. */
    @Arbiter
    public void after(III_Result r) {
        r.r1 = runs.get();
        r.r2 = overlaps.get();
        r.r3 = bAfterA;
    }
}
