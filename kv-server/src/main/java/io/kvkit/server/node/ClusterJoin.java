package io.kvkit.server.node;

import io.kvkit.client.proto.ClusterStateRequest;
import io.kvkit.client.proto.NodeChangeRequest;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.StatusCode;
import io.kvkit.server.config.NodeConfig;
import io.kvkit.server.endpoint.PeerForwarder;
import io.kvkit.server.endpoint.PeerForwarderOptions;
import io.kvkit.server.meta.ClusterState;
import io.kvkit.server.meta.ClusterStateFormatException;
import io.kvkit.server.meta.NodeRecord;
import io.kvkit.server.meta.NodeStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * How a node joins a running cluster: it reads the cluster state from a seed (any node, through
 * the client protocol), checks that its id is free or already its own, starts from that state,
 * and then has the meta group add it ({@code AddNode}), after which the partition reconcilers
 * move its share of replicas to it. Every step is retried until {@link #DEADLINE}, so a seed or
 * meta leader that is briefly unavailable does not fail the start; a refusal (id taken, node
 * marked DOWN) fails it at once with the meta group's reason.
 */
final class ClusterJoin {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterJoin.class);
    /** How long a joining node keeps trying to reach its seed and the meta group. */
    static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final long RETRY_PAUSE_MILLIS = 250;

    private ClusterJoin() {
    }

    /**
     * The cluster state as the node at {@code seed} knows it.
     *
     * @throws NodeStartException if the seed cannot be reached before the deadline or answers
     *                            with something that is not a cluster state
     */
    static ClusterState fetchState(String seed, Duration requestTimeout) {
        try (PeerForwarder forwarder = new PeerForwarder(PeerForwarderOptions.defaults().withRequestTimeout(requestTimeout)
                .withIoThreads(1))) {
            Response r = retry("the cluster state from seed " + seed, id -> forwarder.forward(seed, Request.newBuilder().setRequestId(id)
                    .setClusterState(ClusterStateRequest.getDefaultInstance()).build()));
            try {
                return ClusterState.decode(r.getClusterState().getState().toByteArray());
            } catch (ClusterStateFormatException e) {
                throw new NodeStartException("the seed " + seed + " answered with a cluster state that does not read: " + e.getMessage(), e);
            }
        }
    }

    /**
     * Refuses a joining node whose id the cluster knows with other addresses, or as DOWN (it may
     * hold stale data and must not serve it).
     */
    static void checkIdentity(ClusterState state, NodeConfig config) {
        NodeRecord known = state.nodes().get(config.nodeId());
        if (known == null) {
            return;
        }
        NodeConfig.Member self = config.self();
        if (!known.raftAddress().equals(self.raftAddress()) || !known.clientAddress().equals(self.clientAddress())) {
            throw new NodeStartException("node id " + config.nodeId() + " is already in the cluster with raft address "
                    + known.raftAddress() + " and client address " + known.clientAddress() + "; this node has raft "
                    + self.raftAddress() + ", client " + self.clientAddress() + ": choose an id the cluster does not use (ids in use: "
                    + state.nodes().keySet() + ")");
        }
        if (known.status() == NodeStatus.DOWN) {
            throw new NodeStartException("node " + config.nodeId() + " is marked DOWN in the cluster and its replicas were re-created "
                    + "on other nodes: it must not serve its old data. Wipe its data directory and join under a new id, or have an "
                    + "operator mark it UP (it then rejoins empty)");
        }
    }

    /**
     * Has the meta group add this node (through {@code send}, the node's own request router, which
     * finds the meta leader); returns the meta group's account of what moves.
     *
     * @throws NodeStartException if the meta group refuses, or cannot be reached before the deadline
     */
    static String addSelf(NodeConfig config, Function<Request, CompletableFuture<Response>> send) {
        NodeConfig.Member self = config.self();
        NodeChangeRequest add = NodeChangeRequest.newBuilder().setKind(NodeChangeRequest.Kind.ADD_NODE).setNodeId(config.nodeId())
                .setRaftAddress(self.raftAddress()).setClientAddress(self.clientAddress())
                .setAdminAddress(self.adminPort() == 0 ? "" : self.host() + ":" + self.adminPort())
                .setRespAddress(self.respPort() == 0 ? "" : self.host() + ":" + self.respPort()).build();
        Response r = retry("the meta group to add node " + config.nodeId(), id -> send.apply(Request.newBuilder().setRequestId(id)
                .setNodeChange(add).build()));
        return r.getNodeChange().getOutcome();
    }

    /** Sends until OK, a definitive refusal (thrown), or the deadline; transient failures are retried. */
    private static Response retry(String what, Function<Long, CompletableFuture<Response>> attempt) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        String last = "no answer";
        for (long id = 1; System.nanoTime() < deadline; id++) {
            try {
                Response r = attempt.apply(id).get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
                StatusCode code = r.getStatus().getCode();
                switch (code) {
                    case OK -> {
                        return r;
                    }
                    case NOT_LEADER, UNAVAILABLE, TIMEOUT, WRONG_EPOCH -> last = code + " " + r.getStatus().getMessage();
                    default -> throw new NodeStartException("waiting for " + what + ": refused: " + code + " "
                            + r.getStatus().getMessage());
                }
            } catch (ExecutionException | TimeoutException e) {
                last = (e.getCause() != null ? e.getCause() : e).toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new NodeStartException("interrupted while waiting for " + what, e);
            }
            LOG.info("waiting for {}: {}", what, last);
            try {
                Thread.sleep(RETRY_PAUSE_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new NodeStartException("interrupted while waiting for " + what, e);
            }
        }
        throw new NodeStartException("gave up waiting for " + what + " after " + DEADLINE.toSeconds() + " s; last: " + last);
    }
}
