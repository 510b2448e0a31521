package io.kvkit.raft;

import io.kvkit.raft.storage.RaftLogStorage;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The smallest correct host loop around a {@link RaftCore}: it carries out each {@link Ready} in
 * the order of the package contract (send what may go early, persist and sync, send the rest,
 * apply, advance). Single-threaded: the caller feeds inputs through {@link #core()} and calls
 * {@link #processReady()} after each batch of inputs. Thread-safe wrappers, timers and the
 * network belong to the caller.
 */
public final class RaftDriver {

    /** Where outgoing messages go. {@code send} must not call back into this driver. */
    @FunctionalInterface
    public interface Transport {
        void send(Message m);
    }

    private final RaftCore core;
    private final RaftLogStorage storage;
    private final StateMachine stateMachine;
    private final Transport transport;
    private final List<ReadState> waitingReads = new ArrayList<>();

    /**
     * Restores the core from {@code storage}; {@code stateMachine} must already stand at its
     * durable applied index (restored from its own files or from {@code storage.snapshot()}).
     */
    public RaftDriver(RaftOptions opts, RaftLogStorage storage, StateMachine stateMachine, Transport transport) {
        this.storage = storage;
        this.stateMachine = stateMachine;
        this.transport = transport;
        this.core = new RaftCore(opts, storage, stateMachine.appliedIndex());
    }

    public RaftCore core() {
        return core;
    }

    /** Carries out every pending Ready. */
    public void processReady() {
        while (core.hasReady()) {
            Ready rd = core.ready();
            for (Message m : rd.messages()) {
                transport.send(m);
            }
            if (rd.snapshot() != null) {
                storage.applySnapshot(rd.snapshot());
            }
            storage.append(rd.entries());
            if (rd.hardState() != null) {
                storage.setHardState(rd.hardState());
            }
            if (rd.mustPersist()) {
                storage.sync();
            }
            for (Message m : rd.messagesAfterPersist()) {
                transport.send(m);
            }
            if (rd.snapshot() != null) {
                stateMachine.restore(rd.snapshot());
            }
            for (Entry e : rd.committedEntries()) {
                if (e.index() != stateMachine.appliedIndex() + 1) {
                    throw new IllegalStateException("state machine at " + stateMachine.appliedIndex()
                            + " cannot apply entry " + e.index() + ": indexes must be applied in order, once");
                }
                stateMachine.apply(e);
            }
            waitingReads.addAll(rd.readStates());
            core.advance(rd);
        }
    }

    /**
     * Read requests (by their context) that may now be served from the state machine: their
     * read index has been applied. Each is returned once.
     */
    public List<ReadState> takeServableReads() {
        List<ReadState> out = new ArrayList<>();
        for (Iterator<ReadState> it = waitingReads.iterator(); it.hasNext(); ) {
            ReadState r = it.next();
            if (r.index() <= stateMachine.appliedIndex()) {
                out.add(r);
                it.remove();
            }
        }
        return out;
    }

    /**
     * Snapshots the state machine and compacts the log when more than {@code entriesSinceSnapshot}
     * entries were applied since the last snapshot. Returns whether it did.
     */
    public boolean maybeCompact(long entriesSinceSnapshot) {
        long applied = stateMachine.appliedIndex();
        if (applied - storage.snapshot().index() <= entriesSinceSnapshot) {
            return false;
        }
        storage.createSnapshot(applied, core.confState(), stateMachine.snapshot());
        return true;
    }
}
