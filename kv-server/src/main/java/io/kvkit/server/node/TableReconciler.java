package io.kvkit.server.node;

import io.kvkit.client.proto.StatusCode;
import io.kvkit.client.proto.TableInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Brings the partitions this node leads to the tables of the cluster's catalog. Creating a
 * table pushes it to every partition before the client hears OK; a partition that missed the
 * push (it had no leader then, or the node proposing crashed) gets it here.
 *
 * <p>It only creates: a missing table is harmless to create from the newest catalog this node
 * has seen, but a table the node believes dropped might be one its stale view has not learned
 * about yet, so drops happen only on the meta leader's push (and its retries). Before acting it
 * refreshes its view from the meta group, so it does not recreate a table dropped meanwhile.
 */
final class TableReconciler {
    private static final Logger LOG = LoggerFactory.getLogger(TableReconciler.class);

    private final long nodeId;
    private final ClusterView view;
    private final Collection<LocalPartition> partitions;
    private final RequestRouter router;
    private final RoutesRefresher refresher;
    private final Set<Integer> inFlight = ConcurrentHashMap.newKeySet();

    TableReconciler(long nodeId, ClusterView view, Collection<LocalPartition> partitions, RequestRouter router,
                    RoutesRefresher refresher) {
        this.nodeId = nodeId;
        this.view = view;
        this.partitions = partitions;
        this.router = router;
        this.refresher = refresher;
    }

    /** One pass; cheap when nothing is missing (it compares names held in memory). */
    void run() {
        if (missing(view.routes()).isEmpty()) {
            return;
        }
        refresher.refresh().thenAccept(fresh -> missing(fresh).forEach((p, tables) -> {
            if (!inFlight.add(p)) {
                return;
            }
            var all = tables.stream().map(t -> router.createOnPartition(p, t).whenComplete((resp, err) -> {
                if (err != null || resp.getStatus().getCode() != StatusCode.OK) {
                    LOG.warn("node {}: table '{}' not yet created on partition {}: {}", nodeId, t.getName(), p,
                            err != null ? err.toString() : resp.getStatus().getCode() + " " + resp.getStatus().getMessage());
                } else {
                    LOG.info("node {}: created missing table '{}' on partition {}", nodeId, t.getName(), p);
                }
            })).toArray(java.util.concurrent.CompletableFuture[]::new);
            java.util.concurrent.CompletableFuture.allOf(all).whenComplete((v, e) -> inFlight.remove(p));
        }));
    }

    /** Per partition led here: the catalog's tables its replica lacks. */
    private Map<Integer, java.util.List<TableInfo>> missing(Routes routes) {
        Map<Integer, java.util.List<TableInfo>> out = new HashMap<>();
        for (LocalPartition lp : partitions) {
            if (!lp.leads()) {
                continue;
            }
            Set<String> have = new java.util.HashSet<>();
            lp.machine().tables().forEach(t -> have.add(t.getName()));
            java.util.List<TableInfo> lacking = routes.tables().values().stream().filter(t -> !have.contains(t.getName())).toList();
            if (!lacking.isEmpty()) {
                out.put(lp.partition(), lacking);
            }
        }
        return out;
    }
}
