package io.kvkit.server.node;

import io.kvkit.client.proto.ListTablesRequest;
import io.kvkit.client.proto.NodeChangeRequest;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.StatusCode;
import io.kvkit.raft.Role;
import io.kvkit.raft.runtime.RaftGroup;
import io.kvkit.server.endpoint.PeerForwarder;
import io.kvkit.server.meta.ClusterState;
import io.kvkit.server.meta.NodeRecord;
import io.kvkit.server.meta.NodeStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * On the meta group's leader: asks every UP or LEAVING node for a trivial answer each pass (any
 * answer, even an error, proves it runs), and marks a node DOWN once it has not answered for
 * {@code nodeDownAfter}; the meta group then takes it out of the ring as dead and the partition
 * reconcilers re-create its replicas on the others from the surviving ones.
 *
 * <p>Only the leader judges, and a leader that just took over (or a node that just became a
 * candidate for judging) gives every node the whole {@code nodeDownAfter} first, so a change of
 * meta leader never marks anyone DOWN early. Marking DOWN is refused by the meta group when too
 * few UP nodes would be left for the replication factor; the detector then tries again later.
 *
 * <p>Threading: {@link #run()} on the node's upkeep thread; the probes' answers arrive on network
 * threads and only write a concurrent map.
 */
final class FailureDetector {
    private static final Logger LOG = LoggerFactory.getLogger(FailureDetector.class);

    private final long nodeId;
    private final ClusterView view;
    private final RaftGroup meta;
    private final PeerForwarder forwarder;
    private final Function<Request, CompletableFuture<Response>> toMeta;
    private final long downAfterNanos;
    private final LongSupplier clock;
    private final Map<Long, Long> lastHeard = new ConcurrentHashMap<>();
    private final Set<Long> marking = ConcurrentHashMap.newKeySet();
    private final AtomicLong requestIds = new AtomicLong();
    private final AtomicLong markedDown = new AtomicLong();
    private boolean leading;

    FailureDetector(long nodeId, ClusterView view, RaftGroup meta, PeerForwarder forwarder,
                    Function<Request, CompletableFuture<Response>> toMeta, Duration nodeDownAfter, LongSupplier clock) {
        this.nodeId = nodeId;
        this.view = view;
        this.meta = meta;
        this.forwarder = forwarder;
        this.toMeta = toMeta;
        this.downAfterNanos = nodeDownAfter.toNanos();
        this.clock = clock;
    }

    /** Nodes this detector has had marked DOWN. */
    long markedDown() {
        return markedDown.get();
    }

    /** One pass: probe every node, mark the silent ones DOWN (only on the meta leader). */
    void run() {
        boolean leadsNow = meta.status().role() == Role.LEADER;
        long now = clock.getAsLong();
        if (!leadsNow) {
            leading = false;
            lastHeard.clear();
            return;
        }
        ClusterState state = view.state();
        for (NodeRecord n : state.nodes().values()) {
            long id = n.nodeId();
            if (id == nodeId || n.status() == NodeStatus.DOWN || n.status() == NodeStatus.LEAVING && !state.holdsAnything(id)) {
                // itself; already DOWN; or decommissioned and empty, so stopped on purpose
                lastHeard.remove(id);
                continue;
            }
            if (!leading) {
                lastHeard.put(id, now); // a new leader gives everyone the whole grace period
            } else {
                lastHeard.putIfAbsent(id, now); // a node new to the cluster too
            }
            probe(id, n.clientAddress());
            long silent = now - lastHeard.get(id);
            if (silent > downAfterNanos && marking.add(id)) {
                markDown(id, silent);
            }
        }
        leading = true;
    }

    private void probe(long id, String address) {
        Request hello = Request.newBuilder().setRequestId(requestIds.incrementAndGet() + 1).setForwarded(true)
                .setListTables(ListTablesRequest.getDefaultInstance()).build();
        forwarder.forward(address, hello).whenComplete((resp, err) -> {
            if (err == null) {
                lastHeard.computeIfPresent(id, (k, v) -> Math.max(v, clock.getAsLong()));
            }
        });
    }

    private void markDown(long id, long silentNanos) {
        LOG.warn("node {}: node {} has not answered for {} ms: marking it DOWN (its replicas are re-created on the others)", nodeId, id,
                silentNanos / 1_000_000);
        Request r = Request.newBuilder().setRequestId(requestIds.incrementAndGet() + 1).setNodeChange(NodeChangeRequest.newBuilder()
                .setKind(NodeChangeRequest.Kind.MARK_DOWN).setNodeId(id)).build();
        toMeta.apply(r).whenComplete((resp, err) -> {
            marking.remove(id);
            if (err != null || resp.getStatus().getCode() != StatusCode.OK) {
                LOG.warn("node {}: node {} not marked DOWN: {}", nodeId, id,
                        err != null ? err.toString() : resp.getStatus().getCode() + " " + resp.getStatus().getMessage());
            } else {
                markedDown.incrementAndGet();
            }
        });
    }
}
