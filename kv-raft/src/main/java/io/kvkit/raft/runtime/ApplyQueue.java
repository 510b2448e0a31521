package io.kvkit.raft.runtime;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Hand-off of one group's apply work from its worker to a shared apply pool, keeping it a FIFO
 * run by at most one pool thread at a time (so the state machine sees its entries in log order
 * and never concurrently), while different groups apply in parallel. The classic "scheduled
 * flag" serial executor: whoever flips the flag from false to true submits the drain; the
 * drainer clears the flag when empty and re-checks, so no task is stranded.
 */
final class ApplyQueue {

    /** One unit of apply work; {@link #abandon} is called instead of {@link #run} when the queue is closed. */
    interface Task {
        void run();

        void abandon();
    }

    /** Tasks run per turn on a pool thread before yielding it to other groups. */
    private static final int TASKS_PER_TURN = 64;

    private final ConcurrentLinkedQueue<Task> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Executor pool;
    private final Consumer<Throwable> onFailure;
    private volatile boolean closed;

    /** @param onFailure told (once per failing task) when a task throws; the queue is closed by then */
    ApplyQueue(Executor pool, Consumer<Throwable> onFailure) {
        this.pool = pool;
        this.onFailure = onFailure;
    }

    /** Queues {@code t} behind every task queued before it. Any thread. */
    void submit(Task t) {
        tasks.add(t);
        if (closed) {
            abandonAll();
            return;
        }
        schedule();
    }

    private void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            try {
                pool.execute(this::drain);
            } catch (RejectedExecutionException e) {
                scheduled.set(false);
                abandonAll();
            }
        }
    }

    private void drain() {
        int n = 0;
        while (true) {
            if (closed) {
                scheduled.set(false);
                abandonAll();
                return;
            }
            Task t = tasks.poll();
            if (t == null) {
                scheduled.set(false);
                // a submit may have added a task after our poll but before the flag was cleared
                if (!tasks.isEmpty()) {
                    schedule();
                }
                return;
            }
            try {
                t.run();
            } catch (Throwable e) {
                // the state machine is in an unknown state: apply nothing more for this group
                closed = true;
                scheduled.set(false);
                t.abandon();
                abandonAll();
                onFailure.accept(e);
                return;
            }
            if (++n == TASKS_PER_TURN) {
                scheduled.set(false);
                schedule();
                return;
            }
        }
    }

    /** Stops running tasks; queued and later tasks are abandoned. */
    void close() {
        closed = true;
        if (!scheduled.get()) {
            abandonAll();
        }
    }

    private void abandonAll() {
        Task t;
        while ((t = tasks.poll()) != null) {
            t.abandon();
        }
    }
}
