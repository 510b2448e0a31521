package io.kvkit.raft.runtime;

import io.kvkit.raft.Ready;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * One thread driving the cores of the groups pinned to it. A round: run control actions; take
 * the inputs of every group that has some (messages, proposals, reads); deliver the ticks due
 * since the last round (from {@link System#nanoTime()}, so a paused worker catches up before it
 * serves anything); then carry out the Readies of <em>all</em> groups touched, together: early
 * messages, every group's writes, one {@code RaftLogStore.sync()}, the messages that promise
 * durability, hand-off to the apply stage, advance. The worker is its own ticker: with nothing to
 * do it parks until its next tick is due, so an idle node has no thread waking up another.
 */
final class Worker implements Runnable {

    private final RaftNode node;
    private final int index;
    private final Thread thread;
    private final long tickNanos;
    private final int maxCatchUpTicks;

    private final ConcurrentLinkedQueue<GroupReplica> scheduled = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Runnable> control = new ConcurrentLinkedQueue<>();
    /**
     * Peers the transport reported unreachable since the last round, coalesced: a transport may
     * report every failed send, and each report costs a pass over all groups.
     */
    private final Set<Long> unreachable = ConcurrentHashMap.newKeySet();
    private volatile boolean parked;
    private volatile boolean stopping;

    // worker thread only
    private final Map<Long, GroupReplica> groups = new HashMap<>();
    private final List<GroupReplica> dirty = new ArrayList<>();
    private TickClock clock;
    private int livenessTicks;
    private long deathsSeen;
    /** Ticks delivered since start: the clock of request deadlines. Written by the worker only. */
    private volatile long tickNow;

    Worker(RaftNode node, int index) {
        this.node = node;
        this.index = index;
        this.tickNanos = node.config().tickInterval().toNanos();
        this.maxCatchUpTicks = node.config().maxCatchUpTicks();
        this.thread = Thread.ofPlatform().name("raft-worker-" + node.nodeId() + "-" + index).daemon(true).unstarted(this);
    }

    void start() {
        clock = new TickClock(tickNanos, maxCatchUpTicks, System.nanoTime());
        thread.start();
    }

    boolean isWorkerThread() {
        return Thread.currentThread() == thread;
    }

    long tickNow() {
        return tickNow;
    }

    /** Any thread: {@code g} has new inputs. */
    void schedule(GroupReplica g) {
        if (g.scheduled.compareAndSet(false, true)) {
            scheduled.add(g);
            wake();
        }
    }

    /** Any thread: runs {@code action} on this worker before the next round's inputs. */
    void post(Runnable action) {
        control.add(action);
        wake();
    }

    /** Any thread: the transport could not reach {@code peer}. */
    void reportUnreachable(long peer) {
        if (unreachable.add(peer)) {
            wake();
        }
    }

    private void wake() {
        if (parked) {
            LockSupport.unpark(thread);
        }
    }

    /** Worker: starts driving {@code g}. */
    void add(GroupReplica g) {
        groups.put(g.groupId(), g);
        markDirty(g);
        // inputs that arrived before it was added were skipped: take them next round
        g.scheduled.set(true);
        scheduled.add(g);
    }

    /** Worker: stops driving group {@code groupId}; returns it, or null. */
    GroupReplica remove(long groupId) {
        GroupReplica g = groups.remove(groupId);
        if (g != null) {
            dirty.remove(g);
        }
        return g;
    }

    /** Worker: every group it drives. */
    Iterable<GroupReplica> groups() {
        return groups.values();
    }

    void markDirty(GroupReplica g) {
        if (!g.dirty) {
            g.dirty = true;
            dirty.add(g);
        }
    }

    void stop() {
        stopping = true;
        LockSupport.unpark(thread);
    }

    void join() throws InterruptedException {
        thread.join();
    }

    @Override
    public void run() {
        try {
            while (!stopping) {
                if (!round()) {
                    parkUntilNextTick();
                }
            }
        } catch (Throwable t) {
            node.fail(t);
        } finally {
            for (GroupReplica g : groups.values()) {
                g.close(new RaftGroupClosedException(g.groupId(), "node " + node.nodeId() + " stopped"), false);
            }
            groups.clear();
        }
    }

    /** One round; returns whether it did anything. */
    private boolean round() {
        boolean worked = false;
        Runnable c;
        while ((c = control.poll()) != null) {
            c.run();
            worked = true;
        }
        if (!unreachable.isEmpty()) {
            for (Iterator<Long> it = unreachable.iterator(); it.hasNext(); ) {
                long peer = it.next();
                it.remove();
                for (GroupReplica g : groups.values()) {
                    if (g.reportUnreachable(peer)) {
                        markDirty(g);
                    }
                }
            }
            worked = true;
        }
        // ticks first: a worker back from a pause must expire leases before it answers a read
        int ticks = clock.due(System.nanoTime());
        if (ticks > 0) {
            tickNow += ticks;
            for (GroupReplica g : groups.values()) {
                if (!g.isQuiesced()) {
                    g.tick(ticks, tickNow);
                    markDirty(g);
                }
            }
            livenessDuties(ticks);
            worked = true;
        }
        for (int n = scheduled.size(); n > 0; n--) {
            GroupReplica g = scheduled.poll();
            if (g == null) {
                break;
            }
            if (g.isClosed() || groups.get(g.groupId()) != g) {
                g.scheduled.set(false);
                continue;
            }
            g.processInputs();
            markDirty(g);
            worked = true;
        }
        if (!dirty.isEmpty()) {
            carryOutReadies();
            worked = true;
        }
        return worked;
    }

    /**
     * Worker 0 sends the node-pair liveness messages and sweeps for dead peers; every worker wakes
     * its quiesced groups whose leader's node is presumed dead.
     */
    private void livenessDuties(int ticks) {
        NodeLiveness liveness = node.liveness();
        if (index == 0) {
            livenessTicks += ticks;
            if (livenessTicks >= node.config().livenessIntervalTicks()) {
                livenessTicks = 0;
                node.sendLivenessMessages();
            }
            liveness.sweep(System.nanoTime());
        }
        long deaths = liveness.deaths();
        if (deaths != deathsSeen) {
            deathsSeen = deaths;
            for (GroupReplica g : groups.values()) {
                if (g.isQuiesced() && !liveness.isLive(g.quiescedLeader())) {
                    g.wake();
                    markDirty(g);
                }
            }
        }
    }

    private void carryOutReadies() {
        List<GroupReplica> groupsWithReady = new ArrayList<>();
        List<Ready> readies = new ArrayList<>();
        for (GroupReplica g : dirty) {
            g.dirty = false;
            if (g.isClosed()) {
                continue;
            }
            g.budgetCommittedEntries();
            if (g.core().hasReady()) {
                groupsWithReady.add(g);
                readies.add(g.core().ready());
            } else {
                g.afterRound(true);
            }
        }
        dirty.clear();
        if (readies.isEmpty()) {
            return;
        }
        int n = readies.size();
        for (int i = 0; i < n; i++) {
            groupsWithReady.get(i).sendEarly(readies.get(i));
        }
        // committed entries are durable already: the apply stage starts on them before this
        // round's fsync instead of after it (one fsync less between a commit and its reply).
        // A Ready with a snapshot keeps the strict order: the snapshot must be stored first.
        for (int i = 0; i < n; i++) {
            if (readies.get(i).snapshot() == null) {
                groupsWithReady.get(i).handOver(readies.get(i));
            }
        }
        int persisted = 0;
        for (int i = 0; i < n; i++) {
            Ready rd = readies.get(i);
            groupsWithReady.get(i).persist(rd);
            if (rd.mustPersist()) {
                persisted++;
            }
        }
        if (persisted > 0) {
            node.store().sync(); // one sync for every group of this round (and shared with other workers)
            node.counters().syncs.increment();
            node.counters().groupsPersisted.add(persisted);
        }
        for (int i = 0; i < n; i++) {
            groupsWithReady.get(i).sendAfterPersist(readies.get(i));
        }
        for (int i = 0; i < n; i++) {
            if (readies.get(i).snapshot() != null) {
                groupsWithReady.get(i).handOver(readies.get(i));
            }
        }
        for (int i = 0; i < n; i++) {
            GroupReplica g = groupsWithReady.get(i);
            g.core().advance(readies.get(i));
            g.afterRound(false);
            // the core may have more at once (e.g. the leader's own write let it commit)
            markDirty(g);
        }
        node.counters().rounds.increment();
        node.counters().readies.add(n);
    }

    private void parkUntilNextTick() {
        parked = true;
        try {
            if (!scheduled.isEmpty() || !control.isEmpty() || !unreachable.isEmpty() || stopping) {
                return;
            }
            long wait = clock.nanosUntilNextTick(System.nanoTime());
            if (wait > 0) {
                LockSupport.parkNanos(this, wait);
            }
        } finally {
            parked = false;
        }
    }
}
