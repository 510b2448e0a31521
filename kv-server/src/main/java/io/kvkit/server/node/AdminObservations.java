package io.kvkit.server.node;

import io.kvkit.raft.runtime.GroupStatus;
import io.kvkit.server.meta.ClusterState;
import io.kvkit.server.meta.PartitionMembership;
import io.kvkit.raft.runtime.RaftGroup;
import io.kvkit.raft.runtime.RaftNode;
import io.kvkit.raft.storage.SharedRaftLogStore;
import io.kvkit.server.admin.EndpointMetrics;
import io.kvkit.server.admin.MetricsWriter;
import io.kvkit.server.admin.NodeObservations;
import io.kvkit.server.admin.RaftMetrics;
import io.kvkit.server.admin.RequestMetrics;
import io.kvkit.server.admin.StatusView;
import io.kvkit.server.admin.StorageMetrics;
import io.kvkit.server.endpoint.ClientEndpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What the admin port shows of this node: {@code /status} from its routing table and the groups
 * it hosts, {@code /metrics} from the request counters, the client endpoint, the Raft runtime,
 * the shared log and every engine. Called on the admin port's event loop; reads only in-memory
 * state.
 */
record AdminObservations(long nodeId, ClusterView view, Map<Integer, LocalPartition> partitions, RaftNode raft,
                         SharedRaftLogStore log, ClientEndpoint endpoint, RequestMetrics requests,
                         LeaderBalancer leaders, BooleanSupplier servingNow, Supplier<PartitionReconciler> mover)
        implements NodeObservations {

    @Override
    public boolean serving() {
        return servingNow.getAsBoolean();
    }

    @Override
    public StatusView status() {
        ClusterState state = view.state();
        Routes routes = view.routes();
        List<StatusView.NodeView> nodes = new ArrayList<>();
        new TreeMap<>(routes.clientAddresses()).forEach((id, address) ->
                nodes.add(new StatusView.NodeView(id, address, raft.isPeerLive(id))));
        List<StatusView.PartitionView> parts = new ArrayList<>();
        for (int p = 0; p < routes.partitionCount(); p++) {
            LocalPartition lp = partitions.get(p);
            GroupStatus s = lp == null ? null : lp.group().status();
            long leader = s != null && s.leader() > 0 ? s.leader() : view.leaderHint(p);
            PartitionMembership m = state.membership(p);
            parts.add(new StatusView.PartitionView(p, routes.replicas().get(p), leader, s == null ? null
                    : new StatusView.LocalReplica(s.role().name(), s.term(), s.commitIndex(), s.appliedIndex(), s.lastIndex()),
                    state.replicas(p), m.voters(), m.learners()));
        }
        List<StatusView.TableView> tables = new ArrayList<>();
        new TreeMap<>(routes.tables()).values().forEach(t -> tables.add(new StatusView.TableView(t.getName(), t.getEngine(),
                t.getOptionsMap())));
        int moving = 0;
        for (int p = 0; p < state.partitionCount(); p++) {
            moving += state.moving(p) ? 1 : 0;
        }
        PartitionReconciler r = mover.get();
        return new StatusView(nodeId, routes.epoch(), serving(), nodes, parts, tables,
                new StatusView.MovesView(moving, r == null ? 0 : r.movesStarted(), r == null ? 0 : r.movesFinished()));
    }

    @Override
    public void writeMetrics(MetricsWriter out) {
        requests.writeTo(out);
        PartitionReconciler r = mover.get();
        if (r != null) {
            Map<String, String> none = Map.of();
            out.counter("kvkit_partition_moves_started_total", "Replicas this node added (as a learner) as a partition leader.",
                    none, r.movesStarted());
            out.counter("kvkit_partition_moves_finished_total", "Replicas this node removed as a partition leader, ending a move.",
                    none, r.movesFinished());
            out.counter("kvkit_partition_replicas_retired_total", "Local replicas this node deleted after their group left it.",
                    none, r.replicasRetired());
        }
        ClusterState state = view.state();
        int moving = 0;
        for (int p = 0; p < state.partitionCount(); p++) {
            moving += state.moving(p) ? 1 : 0;
        }
        out.gauge("kvkit_partitions_moving", "Partitions whose recorded membership is not yet their target replica set.",
                Map.of(), moving);
        EndpointMetrics.writeTo(out, endpoint.stats());
        RaftMetrics.writeTo(out, raft.stats());
        RaftMetrics.writeTo(out, raft.transportStats());
        RaftMetrics.writeTo(out, log.stats());
        Map<String, GroupStatus> groups = new TreeMap<>();
        for (long g : raft.groupIds()) {
            RaftGroup group = raft.group(g);
            if (group != null && g != RaftNode.LIVENESS_GROUP_ID) {
                int p = RaftGroupIds.partitionOf(g);
                groups.put(p < 0 ? "meta" : "p" + p, group.status());
            }
        }
        RaftMetrics.writeTo(out, groups);
        leaders.writeMetrics(out);
        List<StorageMetrics.EngineSample> engines = new ArrayList<>();
        for (LocalPartition lp : new TreeMap<>(partitions).values()) {
            Map<String, String> engineOf = lp.machine().tableEngines();
            lp.machine().engineStats().forEach((table, stats) -> engines.add(new StorageMetrics.EngineSample(lp.partition(), table,
                    table.equals("_system") ? "lsm" : engineOf.getOrDefault(table, "unknown"), stats)));
        }
        StorageMetrics.writeTo(out, engines);
    }
}
