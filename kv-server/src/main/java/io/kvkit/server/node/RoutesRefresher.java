package io.kvkit.server.node;

import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.ClusterStateRequest;
import io.kvkit.server.meta.ClusterState;
import io.kvkit.server.meta.ClusterStateFormatException;
import io.kvkit.client.proto.StatusCode;
import io.kvkit.server.endpoint.PeerForwarder;
import io.kvkit.server.meta.MetaStateMachine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps this node's {@link ClusterView} current. A meta member reads its own replica of the meta
 * state (its listener offers every change as it applies); any other node asks a meta member for
 * the cluster state, periodically and whenever a fresh view is needed.
 */
final class RoutesRefresher {
    private static final Logger LOG = LoggerFactory.getLogger(RoutesRefresher.class);

    private final long nodeId;
    private final ClusterView view;
    private final MetaStateMachine localMeta;
    private final List<Long> metaMembers;
    private final PeerForwarder forwarder;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicLong requestIds = new AtomicLong();

    RoutesRefresher(long nodeId, ClusterView view, MetaStateMachine localMeta, List<Long> metaMembers, PeerForwarder forwarder) {
        this.nodeId = nodeId;
        this.view = view;
        this.localMeta = localMeta;
        this.metaMembers = metaMembers.stream().filter(m -> m != nodeId).toList();
        this.forwarder = forwarder;
    }

    /** Fetches the newest routing table this node can reach and offers it to the view; completes with the view's routes. */
    CompletableFuture<Routes> refresh() {
        if (localMeta != null) {
            view.offer(localMeta.current());
            return CompletableFuture.completedFuture(view.routes());
        }
        if (metaMembers.isEmpty()) {
            return CompletableFuture.completedFuture(view.routes());
        }
        long target = metaMembers.get(Math.floorMod(next.getAndIncrement(), metaMembers.size()));
        String address = view.routes().clientAddresses().get(target);
        if (address == null) {
            return CompletableFuture.completedFuture(view.routes());
        }
        Request ask = Request.newBuilder().setRequestId(requestIds.incrementAndGet() + 1).setForwarded(true)
                .setClusterState(ClusterStateRequest.getDefaultInstance()).build();
        return forwarder.forward(address, ask).handle((resp, err) -> {
            if (err != null) {
                LOG.debug("node {}: cluster state from meta member {} not fetched: {}", nodeId, target, err.toString());
            } else if (resp.getStatus().getCode() == StatusCode.OK && resp.hasClusterState()) {
                try {
                    if (view.offer(ClusterState.decode(resp.getClusterState().getState().toByteArray()))) {
                        LOG.info("node {}: cluster state now at epoch {}", nodeId, view.routes().epoch());
                    }
                } catch (ClusterStateFormatException e) {
                    LOG.warn("node {}: meta member {} sent a cluster state that does not read: {}", nodeId, target, e.getMessage());
                }
            }
            return view.routes();
        });
    }
}
