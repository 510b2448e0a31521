package io.kvkit.server.node;

import io.kvkit.client.proto.NodeChangeRequest;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.StatusCode;
import io.kvkit.raft.ConfChange;
import io.kvkit.raft.ConfState;
import io.kvkit.raft.runtime.GroupMembership;
import io.kvkit.raft.runtime.GroupStatus;
import io.kvkit.server.meta.ClusterState;
import io.kvkit.server.meta.NodeRecord;
import io.kvkit.server.meta.NodeStatus;
import io.kvkit.server.meta.PartitionMembership;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Moves partitions between nodes by Raft membership change, driving each partition's group from
 * its CURRENT membership towards its TARGET replica set (both in the {@link ClusterState}). It runs
 * periodically on every node, and everything it decides derives from the cluster state and the
 * local Raft state, so a move resumes after a restart of either side: there is no plan in memory
 * that a crash could lose.
 *
 * <p>On every node, for each partition:
 * <ol>
 *   <li><b>Open</b>: the target names this node and it has no replica: open an empty one (a fresh
 *       state machine, its group started with no membership, so it waits to be contacted; the
 *       leader catches it up by snapshot).</li>
 *   <li><b>Drive</b>, on the partition's leader, one membership change at a time and only once the
 *       recorded membership is the group's own (each change is reported to the meta group before
 *       the next, so the record is never more than one step behind): promote a learner of the
 *       target that has caught up (within {@link #PROMOTE_MAX_LAG_ENTRIES} of the commit index);
 *       remove a learner no longer in the target; add a missing target node as a learner (a new
 *       move: at most {@code maxConcurrentMoves} partitions led here move at once); once every
 *       target node votes, remove a voter not in the target — if that is the leader itself, hand
 *       leadership to a caught-up target voter first. Adding before removing keeps R voters.</li>
 *   <li><b>Retire</b>: a replica on a node that is neither in the target nor in the recorded
 *       (committed, reported) membership is stopped and its data deleted. Deleting on the record,
 *       not on the local view, is what keeps a live member's data safe: a removed member may never
 *       hear of its own removal, and a member only leaves the record once its removal committed.</li>
 * </ol>
 *
 * <p>Threading: {@link #run()} is called from the node's single upkeep thread; the futures it
 * starts complete on Raft threads and only touch concurrent sets and counters.
 */
final class PartitionReconciler {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionReconciler.class);
    /** A learner this close to the leader's commit index is promoted (the rest follows as usual). */
    static final long PROMOTE_MAX_LAG_ENTRIES = 64;
    /** Replicas opened per pass: opening syncs a new log, and a join can bring many at once. */
    private static final int MAX_OPENS_PER_PASS = 8;

    /** What the reconciler needs of its node: opening and retiring local replicas. */
    interface Host {
        /** Opens an empty replica of {@code partition} that waits to be added to its group; registers it. */
        LocalPartition openJoining(int partition);

        /** Unregisters and stops {@code replica}'s group, deletes its Raft log and its directory. */
        void retire(LocalPartition replica);
    }

    private final long nodeId;
    private final ClusterView view;
    private final Map<Integer, LocalPartition> partitions;
    private final Host host;
    private final Function<Request, CompletableFuture<io.kvkit.client.proto.Response>> toMeta;
    private final Runnable refreshView;
    private final int maxConcurrentMoves;
    private final Set<Integer> changing = ConcurrentHashMap.newKeySet();
    private final Set<Integer> reporting = ConcurrentHashMap.newKeySet();
    private final AtomicLong requestIds = new AtomicLong();
    private final AtomicLong movesStarted = new AtomicLong();
    private final AtomicLong movesFinished = new AtomicLong();
    private final AtomicLong replicasRetired = new AtomicLong();

    /**
     * @param toMeta             sends a request to the meta group (through the node's router)
     * @param refreshView        asks for a fresh cluster state (after a report)
     * @param maxConcurrentMoves partitions led here that may move at once (at least 1)
     */
    PartitionReconciler(long nodeId, ClusterView view, Map<Integer, LocalPartition> partitions, Host host,
                        Function<Request, CompletableFuture<io.kvkit.client.proto.Response>> toMeta, Runnable refreshView,
                        int maxConcurrentMoves) {
        if (maxConcurrentMoves < 1) {
            throw new IllegalArgumentException("maxConcurrentMoves " + maxConcurrentMoves + " is not allowed (allowed: 1 or more)");
        }
        this.nodeId = nodeId;
        this.view = view;
        this.partitions = partitions;
        this.host = host;
        this.toMeta = toMeta;
        this.refreshView = refreshView;
        this.maxConcurrentMoves = maxConcurrentMoves;
    }

    /** Learners added by this node as a leader (a move started). */
    long movesStarted() {
        return movesStarted.get();
    }

    /** Replicas removed by this node as a leader (a move finished). */
    long movesFinished() {
        return movesFinished.get();
    }

    /** Local replicas this node stopped and deleted. */
    long replicasRetired() {
        return replicasRetired.get();
    }

    /** One pass over every partition; cheap when nothing moves. */
    void run() {
        ClusterState state = view.state();
        NodeRecord self = state.nodes().get(nodeId);
        int opened = 0;
        int moving = 0;
        for (LocalPartition lp : partitions.values()) {
            if (lp.leads() && inMove(lp.group().membership(), state.replicas(lp.partition()))) {
                moving++;
            }
        }
        for (int p = 0; p < state.partitionCount(); p++) {
            List<Long> target = state.replicas(p);
            PartitionMembership recorded = state.membership(p);
            LocalPartition local = partitions.get(p);
            if (local == null) {
                if (target.contains(nodeId) && opened < MAX_OPENS_PER_PASS && self != null && self.status() == NodeStatus.UP) {
                    try {
                        host.openJoining(p);
                        opened++;
                        LOG.info("node {}: opened an empty replica of partition {} (target {})", nodeId, p, target);
                    } catch (RuntimeException e) {
                        LOG.warn("node {}: cannot open a replica of partition {}: {}", nodeId, p, e.toString());
                    }
                }
                continue;
            }
            if (!target.contains(nodeId) && !recorded.isMember(nodeId)) {
                retire(local, target, recorded);
                continue;
            }
            if (local.leads() && !changing.contains(p)) {
                boolean started = drive(local, state, moving < maxConcurrentMoves);
                if (started) {
                    moving++;
                }
            }
        }
    }

    /**
     * Whether a partition led here is in the middle of a move it started: a learner being caught
     * up, or a voter more than the target has (promoted, the replaced one not yet removed).
     */
    private static boolean inMove(GroupMembership m, List<Long> target) {
        if (m == null) {
            return false;
        }
        ConfState cs = m.confState();
        return !cs.learners().isEmpty() || cs.voters().size() > target.size();
    }

    /** One step for a partition this node leads; true if it started a new move. */
    private boolean drive(LocalPartition local, ClusterState state, boolean mayStartMove) {
        int p = local.partition();
        GroupMembership m = local.group().membership();
        if (m == null) {
            return false;
        }
        ConfState cs = m.confState();
        PartitionMembership recorded = state.membership(p);
        if (!recorded.voters().equals(cs.voters()) || !recorded.learners().equals(cs.learners())) {
            report(p, m);
            return false;
        }
        List<Long> target = state.replicas(p);
        for (long l : cs.learners()) {
            if (target.contains(l)) {
                long lag = m.lagOf(l);
                if (lag >= 0 && lag <= PROMOTE_MAX_LAG_ENTRIES) {
                    change(local, new ConfChange(ConfChange.Type.ADD_VOTER, l), false);
                }
                return false; // wait for it to catch up: one learner at a time
            }
        }
        for (long l : cs.learners()) {
            change(local, new ConfChange(ConfChange.Type.REMOVE_NODE, l), false); // no longer in the target
            return false;
        }
        List<Long> missing = new ArrayList<>();
        for (long t : target) {
            if (!cs.voters().contains(t)) {
                missing.add(t);
            }
        }
        if (!missing.isEmpty()) {
            if (!mayStartMove) {
                return false;
            }
            change(local, new ConfChange(ConfChange.Type.ADD_LEARNER, missing.getFirst()), true);
            return true;
        }
        for (long v : cs.voters()) {
            if (target.contains(v)) {
                continue;
            }
            if (v == nodeId) {
                handOver(local, m, target);
            } else {
                change(local, new ConfChange(ConfChange.Type.REMOVE_NODE, v), false);
            }
            return false;
        }
        return false;
    }

    private void change(LocalPartition local, ConfChange c, boolean startsMove) {
        int p = local.partition();
        if (!changing.add(p)) {
            return;
        }
        LOG.info("node {}: partition {}: {} (towards target {})", nodeId, p, c, view.state().replicas(p));
        local.group().proposeConfChange(c).whenComplete((cs, err) -> {
            changing.remove(p);
            if (err != null) {
                LOG.info("node {}: partition {}: {} not done: {}", nodeId, p, c, err.toString());
                return;
            }
            if (startsMove) {
                movesStarted.incrementAndGet();
            } else if (c.type() == ConfChange.Type.REMOVE_NODE) {
                movesFinished.incrementAndGet();
            }
            GroupMembership m = local.group().membership();
            if (m != null) {
                report(p, m);
            }
        });
    }

    /** This leader must leave the partition: hand leadership to the most caught-up target voter. */
    private void handOver(LocalPartition local, GroupMembership m, List<Long> target) {
        int p = local.partition();
        long best = 0;
        long bestLag = Long.MAX_VALUE;
        for (long t : target) {
            long lag = m.lagOf(t);
            if (t != nodeId && m.confState().voters().contains(t) && lag >= 0 && lag < bestLag) {
                best = t;
                bestLag = lag;
            }
        }
        if (best == 0 || !changing.add(p)) {
            return;
        }
        long to = best;
        LOG.info("node {}: partition {}: handing leadership to node {} before leaving it", nodeId, p, to);
        local.group().transferLeadership(to).whenComplete((v, err) -> {
            changing.remove(p);
            if (err != null) {
                LOG.info("node {}: partition {}: leadership transfer to {} not done: {}", nodeId, p, to, err.toString());
            }
        });
    }

    /** Records the group's committed membership in the meta group. */
    private void report(int p, GroupMembership m) {
        if (!reporting.add(p)) {
            return;
        }
        GroupStatus status = partitions.containsKey(p) ? partitions.get(p).group().status() : null;
        if (status == null || status.leader() != nodeId) {
            reporting.remove(p);
            return;
        }
        ConfState cs = m.confState();
        Request r = Request.newBuilder().setRequestId(requestIds.incrementAndGet() + 1)
                .setNodeChange(NodeChangeRequest.newBuilder().setKind(NodeChangeRequest.Kind.REPORT_MEMBERSHIP).setPartition(p)
                        .setCommitIndex(m.commitIndex()).addAllVoters(cs.voters()).addAllLearners(cs.learners()))
                .build();
        toMeta.apply(r).whenComplete((resp, err) -> {
            reporting.remove(p);
            if (err != null || resp.getStatus().getCode() != StatusCode.OK) {
                LOG.info("node {}: partition {}: membership {} not recorded yet: {}", nodeId, p, cs,
                        err != null ? err.toString() : resp.getStatus().getCode() + " " + resp.getStatus().getMessage());
                return;
            }
            refreshView.run();
        });
    }

    private void retire(LocalPartition local, List<Long> target, PartitionMembership recorded) {
        int p = local.partition();
        if (changing.contains(p)) {
            return;
        }
        LOG.info("node {}: partition {}: retiring the local replica (target {}, recorded members {})", nodeId, p, target,
                recorded.members());
        try {
            host.retire(local);
            replicasRetired.incrementAndGet();
        } catch (RuntimeException e) {
            LOG.warn("node {}: partition {}: retiring the local replica failed: {}", nodeId, p, e.toString());
        }
    }
}
