package io.kvkit.server.node;

import io.kvkit.raft.runtime.GroupStatus;
import io.kvkit.raft.Role;
import io.kvkit.server.admin.MetricsWriter;
import io.kvkit.server.config.LeaderBalancing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;

/**
 * Moves partition leadership where it should be, from this node's side: every
 * {@code leader-balance-interval} it looks at the partitions it leads and hands each to its
 * preferred leader (the first of its replica set in the routing table) once that node is live and
 * caught up; and while this node's Raft-log fsyncs are slow ({@link SlowNodeDetector} over the
 * windows of {@link TimedRaftLogStore}), it hands every partition it leads to another live,
 * caught-up replica. The decisions are {@link LeaderBalancePolicy}'s; this class gathers the
 * inputs, starts the transfers ({@code RaftGroup.transferLeadership}) and counts them.
 *
 * <p>Every node runs one, and each only ever gives away what it leads, so no coordination is
 * needed. The slow flag stays local (it is not published through the meta group): a slow node
 * does not refuse leadership, it hands it on after {@code leader-balance-delay}; the node that
 * handed it there sees it come back (a bounce) and backs off, doubling, before trying again.
 *
 * <p>Threading: one daemon thread of its own ({@link #start}, {@link #close}); the policy and the
 * detector are touched by that thread only; transfer results come back from Raft threads through
 * a queue; counters are read by the admin endpoint.
 */
final class LeaderBalancer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderBalancer.class);

    /** One transfer's end, from the Raft thread that completed its future. */
    private record Ended(LeaderBalancePolicy.Transfer transfer, Throwable failure) {
    }

    private final long nodeId;
    private final ClusterView view;
    private final Map<Integer, LocalPartition> partitions;
    private final LongPredicate live;
    private final TimedRaftLogStore syncs;
    private final LeaderBalancing settings;
    private final LeaderBalancePolicy policy;
    private final SlowNodeDetector detector;
    private final ConcurrentLinkedQueue<Ended> ended = new ConcurrentLinkedQueue<>();
    private final Map<LeaderBalancePolicy.Reason, AtomicLong> started = new EnumMap<>(LeaderBalancePolicy.Reason.class);
    private final Map<LeaderBalancePolicy.Reason, AtomicLong> failed = new EnumMap<>(LeaderBalancePolicy.Reason.class);
    private final AtomicLong rounds = new AtomicLong();
    private volatile boolean slow;
    private ScheduledExecutorService thread;

    LeaderBalancer(long nodeId, ClusterView view, Map<Integer, LocalPartition> partitions, LongPredicate live,
                   TimedRaftLogStore syncs, LeaderBalancing settings) {
        this.nodeId = nodeId;
        this.view = Objects.requireNonNull(view, "view");
        this.partitions = Objects.requireNonNull(partitions, "partitions");
        this.live = Objects.requireNonNull(live, "live");
        this.syncs = Objects.requireNonNull(syncs, "syncs");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.policy = new LeaderBalancePolicy(nodeId, settings.delay().toNanos(), settings.maxTransfersPerRound());
        this.detector = new SlowNodeDetector(settings.slowNodeWindows());
        for (LeaderBalancePolicy.Reason r : LeaderBalancePolicy.Reason.values()) {
            started.put(r, new AtomicLong());
            failed.put(r, new AtomicLong());
        }
    }

    /** Starts the rounds on a thread of its own; does nothing when {@code leader-balance} is off. */
    synchronized void start() {
        if (!settings.enabled() || thread != null) {
            return;
        }
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("kv-leader-balance-" + nodeId).factory());
        t.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        long every = settings.interval().toNanos();
        syncs.takeWindow(); // the first window starts now
        t.scheduleWithFixedDelay(this::guardedRound, every, every, TimeUnit.NANOSECONDS);
        thread = t;
    }

    private void guardedRound() {
        try {
            runRound(System.nanoTime());
        } catch (RuntimeException e) {
            LOG.warn("node {}: leader balancing round failed: {}", nodeId, e.toString(), e);
        }
    }

    /** One round at {@code nowNanos}: the window's fsyncs, the results since the last round, new transfers. */
    void runRound(long nowNanos) {
        rounds.incrementAndGet();
        TimedRaftLogStore.SyncWindow window = syncs.takeWindow();
        boolean wasSlow = slow;
        slow = detector.observe(window);
        if (slow != wasSlow) {
            LOG.warn("node {}: {} (this window: {} log syncs, {} over {} ms, slowest {} ms)", nodeId,
                    slow ? "log fsyncs are slow; handing partition leadership to other replicas"
                            : "log fsyncs are fast again; taking preferred leaderships back",
                    window.syncs(), window.overThreshold(), settings.slowNodeThreshold().toMillis(), window.maxNanos() / 1_000_000);
        }
        for (Ended e; (e = ended.poll()) != null; ) {
            policy.transferEnded(e.transfer(), e.failure() == null, nowNanos);
            if (e.failure() != null) {
                failed.get(e.transfer().reason()).incrementAndGet();
                LOG.info("node {}: leadership of partition {} did not move to node {}: {}", nodeId, e.transfer().partition(),
                        e.transfer().target(), e.failure().toString());
            }
        }
        Routes routes = view.routes();
        List<LeaderBalancePolicy.LedPartition> led = new ArrayList<>();
        for (LocalPartition lp : partitions.values()) {
            GroupStatus s = lp.group().status();
            if (s.role() != Role.LEADER || lp.partition() >= routes.partitionCount()) {
                continue;
            }
            led.add(new LeaderBalancePolicy.LedPartition(lp.partition(), s.term(), routes.replicas().get(lp.partition()),
                    s.lastIndex(), s.commitIndex(), s.appliedIndex(), lp.group().matchIndexes()));
        }
        for (LeaderBalancePolicy.Transfer t : policy.plan(led, live, slow, nowNanos)) {
            LocalPartition lp = partitions.get(t.partition());
            if (lp == null) { // stopped hosting it since the statuses were read
                policy.transferEnded(t, false, nowNanos);
                continue;
            }
            started.get(t.reason()).incrementAndGet();
            LOG.info("node {}: handing leadership of partition {} to node {} ({})", nodeId, t.partition(), t.target(),
                    t.reason() == LeaderBalancePolicy.Reason.PREFERRED ? "its preferred leader" : "this node is slow");
            try {
                lp.group().transferLeadership(t.target()).whenComplete((ok, failure) -> ended.add(new Ended(t, failure)));
            } catch (RuntimeException e) {
                ended.add(new Ended(t, e));
            }
        }
    }

    /** The timed log store whose windows feed the slow-node score. */
    TimedRaftLogStore syncs() {
        return syncs;
    }

    /** Whether this node considers itself slow now. */
    boolean slow() {
        return slow;
    }

    long transfersStarted(LeaderBalancePolicy.Reason reason) {
        return started.get(reason).get();
    }

    long transfersFailed(LeaderBalancePolicy.Reason reason) {
        return failed.get(reason).get();
    }

    /** The balancer's figures for {@code /metrics}. */
    void writeMetrics(MetricsWriter out) {
        for (LeaderBalancePolicy.Reason r : LeaderBalancePolicy.Reason.values()) {
            Map<String, String> reason = Map.of("reason", r.name().toLowerCase(Locale.ROOT));
            out.counter("kvkit_leader_transfers_started_total",
                    "Leadership transfers this node started, by why: to the preferred leader, or away from a slow node.", reason,
                    started.get(r).get());
        }
        for (LeaderBalancePolicy.Reason r : LeaderBalancePolicy.Reason.values()) {
            Map<String, String> reason = Map.of("reason", r.name().toLowerCase(Locale.ROOT));
            out.counter("kvkit_leader_transfers_failed_total",
                    "Leadership transfers this node started that failed or timed out, by why they were started.", reason,
                    failed.get(r).get());
        }
        out.counter("kvkit_leader_balance_rounds_total", "Leader balancing rounds run.", Map.of(), rounds.get());
        out.gauge("kvkit_node_slow", "1 while this node considers its Raft-log fsyncs slow (it hands leadership away), else 0.",
                Map.of(), slow ? 1 : 0);
        out.counter("kvkit_raft_log_syncs_slow_total", "Raft-log syncs that took longer than slow-node-threshold.", Map.of(),
                syncs.slowSyncsTotal());
    }

    @Override
    public synchronized void close() {
        if (thread != null) {
            thread.shutdownNow();
            try {
                thread.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
