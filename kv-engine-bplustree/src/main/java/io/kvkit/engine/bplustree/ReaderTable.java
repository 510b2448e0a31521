package io.kvkit.engine.bplustree;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * Which committed trees readers are using, so that the writer never reuses a page one of them can
 * still reach. Point reads use a slot per thread (one volatile write to enter, one to leave, no
 * shared counter: LMDB's reader table); cursors and snapshots hold a {@link Pin} each.
 *
 * <p>Entering: read the current state, publish its tree's txn, then check that tree is still the
 * current one. If it is, a checkpoint that publishes a newer tree afterwards sees the published
 * txn when the next checkpoint computes {@link #oldest}, before it can reuse a page of that tree.
 */
final class ReaderTable {
    static final long IDLE = Long.MAX_VALUE;
    private static final VarHandle TXN;

    static {
        try {
            TXN = MethodHandles.lookup().findVarHandle(Slot.class, "txn", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static final class Slot {
        @SuppressWarnings("unused") // through TXN
        private volatile long txn = IDLE;
        // keep slots of different threads on different cache lines
        @SuppressWarnings("unused")
        private long p1, p2, p3, p4, p5, p6, p7;
    }

    /** A reader's hold on one state (and so on its checkpointed tree). */
    static final class Pin {
        final State state;
        final Meta meta;

        Pin(State state) {
            this.state = state;
            this.meta = state.tree();
        }
    }

    private final CopyOnWriteArrayList<Slot> slots = new CopyOnWriteArrayList<>();
    private final ThreadLocal<Slot> mine = ThreadLocal.withInitial(() -> {
        Slot s = new Slot();
        slots.add(s);
        return s;
    });
    private final Set<Pin> pins = ConcurrentHashMap.newKeySet();

    Slot slot() {
        return mine.get();
    }

    /** Publishes the current state's tree in this thread's slot and returns the state. */
    static State enter(Slot slot, Supplier<State> current) {
        while (true) {
            State m = current.get();
            TXN.setVolatile(slot, m.tree().txn());
            // only the tree needs pinning: a newer state on the same tree is no reason to retry
            if (current.get().tree() == m.tree()) {
                return m;
            }
        }
    }

    static void leave(Slot slot) {
        TXN.setRelease(slot, IDLE);
    }

    Pin pin(Supplier<State> current) {
        while (true) {
            State m = current.get();
            Pin p = new Pin(m);
            pins.add(p);
            if (current.get().tree() == m.tree()) {
                return p;
            }
            pins.remove(p);
        }
    }

    /** Pins a tree that is already pinned (by a snapshot), so it stays pinned on its own. */
    Pin pinAgain(State pinned) {
        Pin p = new Pin(pinned);
        pins.add(p);
        return p;
    }

    void unpin(Pin p) {
        pins.remove(p);
    }

    int pinCount() {
        return pins.size();
    }

    /** The oldest txn any reader uses, or {@code ceiling} if none is older. */
    long oldest(long ceiling) {
        long min = ceiling;
        for (Slot s : slots) {
            long t = (long) TXN.getVolatile(s);
            if (t < min) {
                min = t;
            }
        }
        for (Pin p : pins) {
            if (p.meta.txn() < min) {
                min = p.meta.txn();
            }
        }
        return min;
    }
}
