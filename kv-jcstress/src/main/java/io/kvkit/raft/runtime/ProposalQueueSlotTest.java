package io.kvkit.raft.runtime;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Invariant: the proposal queue's bound counts proposals in flight, and a slot is given back
 * exactly once. A queue of limit 1 holds one proposal whose future the worker completes while a
 * client offers another: the offer may be refused (the slot was still taken) or accepted (it was
 * free), and afterwards exactly the accepted proposals are in flight and queued.
 *
 * <p>FORBIDDEN: the second offer accepted while the in-flight count says 2 (the bound broken),
 * an accepted proposal not queued (lost), or an in-flight count that disagrees with what was
 * accepted (a slot returned twice or never).
 */
@JCStressTest
@Description("raft runtime ProposalQueue: the in-flight bound holds and a slot is returned exactly once")
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "the slot was free again: the second proposal is in flight and queued")
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "the slot was still taken: refused, nothing in flight")
@Outcome(expect = FORBIDDEN, desc = "bound broken, a proposal lost, or a slot returned twice or never")
@State
public class ProposalQueueSlotTest {

    private final ProposalQueue queue = new ProposalQueue(1);
    private final CompletableFuture<byte[]> first = new CompletableFuture<>();

    public ProposalQueueSlotTest() {
        queue.offer(new ProposalQueue.Proposal(new byte[] {1}, first));
        queue.drainTo(new ArrayList<>(), 1); // the worker took it: appended, waiting to commit
    }

    /** The worker: the first proposal committed and its reply went out. */
    @Actor
    public void worker() {
        first.complete(new byte[0]);
    }

    /** r1: whether the client's offer was accepted. */
    @Actor
    public void client(III_Result r) {
        r.r1 = queue.offer(new ProposalQueue.Proposal(new byte[] {2}, new CompletableFuture<>())) ? 1 : 0;
    }

    /** r2: proposals in flight; r3: proposals queued for the worker. */
    @Arbiter
    public void after(III_Result r) {
        r.r2 = queue.inFlight();
        List<ProposalQueue.Proposal> queued = new ArrayList<>();
        r.r3 = queue.drainTo(queued, 10);
    }
}
