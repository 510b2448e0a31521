package io.kvkit.client;

import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.RouteRequest;
import io.kvkit.client.proto.StatusCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The client's routing table: fetched from any seed (or any node known from the last topology)
 * on first use, refreshed on WRONG_EPOCH, on NOT_LEADER without a usable hint and on connection
 * failures; a NOT_LEADER hint patches the cached leader at once without a fetch. One fetch at a
 * time: concurrent refreshes share it. A fetched topology older than the cached one is ignored,
 * so the epoch never goes backwards.
 */
final class RoutingCache {
    private static final Logger LOG = LoggerFactory.getLogger(RoutingCache.class);

    private final ConnectionPools pools;
    private final List<InetSocketAddress> seeds;
    private final long fetchTimeoutNanos;
    private final AtomicReference<Topology> current = new AtomicReference<>();
    private CompletableFuture<Topology> fetching; // guarded by this

    RoutingCache(ConnectionPools pools, List<InetSocketAddress> seeds, long fetchTimeoutNanos) {
        this.pools = pools;
        this.seeds = List.copyOf(seeds);
        this.fetchTimeoutNanos = fetchTimeoutNanos;
    }

    /** The cached topology, or null before the first fetch. */
    Topology cached() {
        return current.get();
    }

    /** The cached topology, fetched first if there is none. */
    CompletableFuture<Topology> topology() {
        Topology t = current.get();
        return t != null ? CompletableFuture.completedFuture(t) : refresh("no topology yet");
    }

    /** Fetches the topology again (joining a fetch in progress). */
    synchronized CompletableFuture<Topology> refresh(String why) {
        if (fetching != null) {
            return fetching;
        }
        LOG.debug("refreshing the topology: {}", why);
        CompletableFuture<Topology> f = new CompletableFuture<>();
        fetching = f;
        List<InetSocketAddress> candidates = candidates();
        tryFetch(candidates, 0, new ArrayList<>(), f);
        f.whenComplete((t, e) -> {
            synchronized (RoutingCache.this) {
                fetching = null;
            }
        });
        return f;
    }

    /** Known nodes first (the cluster may have moved away from the seeds), shuffled, then the seeds. */
    private List<InetSocketAddress> candidates() {
        Topology t = current.get();
        List<InetSocketAddress> known = new ArrayList<>(t == null ? List.of() : t.nodes().values());
        Collections.shuffle(known);
        List<InetSocketAddress> s = new ArrayList<>(seeds);
        Collections.shuffle(s);
        LinkedHashSet<InetSocketAddress> all = new LinkedHashSet<>(known);
        all.addAll(s);
        return new ArrayList<>(all);
    }

    private void tryFetch(List<InetSocketAddress> candidates, int i, List<String> failures, CompletableFuture<Topology> f) {
        if (i == candidates.size()) {
            f.completeExceptionally(new KvException(KvStatus.UNAVAILABLE,
                    "no node answered a route request; tried " + String.join("; ", failures)));
            return;
        }
        InetSocketAddress a = candidates.get(i);
        pools.send(a, Request.newBuilder().setRoute(RouteRequest.getDefaultInstance()), fetchTimeoutNanos)
                .whenComplete((r, e) -> {
                    if (e != null) {
                        if (e instanceof KvProtocolException pe) {
                            failures.add(a + ": " + pe.getMessage());
                        } else {
                            failures.add(a + ": " + e.getMessage());
                        }
                        tryFetch(candidates, i + 1, failures, f);
                        return;
                    }
                    if (r.getStatus().getCode() != StatusCode.OK || !r.hasRoute()) {
                        failures.add(a + ": " + KvStatus.fromWire(r.getStatus().getCode()) + " " + r.getStatus().getMessage());
                        tryFetch(candidates, i + 1, failures, f);
                        return;
                    }
                    Topology fetched;
                    try {
                        fetched = Topology.fromWire(r.getRoute());
                    } catch (KvProtocolException pe) {
                        failures.add(a + ": " + pe.getMessage());
                        tryFetch(candidates, i + 1, failures, f);
                        return;
                    }
                    f.complete(install(fetched));
                });
    }

    /** Installs {@code t} unless the cache already holds a newer epoch; returns what the cache holds. */
    Topology install(Topology t) {
        while (true) {
            Topology old = current.get();
            if (old != null && old.epoch() > t.epoch()) {
                return old;
            }
            if (current.compareAndSet(old, t)) {
                if (old == null || old.epoch() != t.epoch()) {
                    LOG.debug("topology installed: {}", t);
                }
                return t;
            }
        }
    }

    /**
     * A node said it does not lead {@code partition} and named {@code leader} (with its address
     * when the node may be new to us): patch the cache. Returns false when the hint is not
     * usable (no leader named, unknown node without an address, or the cache moved to another
     * epoch than the one the request used).
     */
    boolean applyLeaderHint(long epochUsed, int partition, long leader, String leaderAddress) {
        if (leader == 0) {
            return false;
        }
        InetSocketAddress address = null;
        if (!leaderAddress.isEmpty()) {
            try {
                address = Topology.parseAddress(leaderAddress, "leader hint node " + leader);
            } catch (KvProtocolException e) {
                LOG.warn("ignoring a leader hint: {}", e.getMessage());
            }
        }
        while (true) {
            Topology old = current.get();
            if (old == null || old.epoch() != epochUsed) {
                return old != null && old.leaderOf(partition) == leader;
            }
            Topology patched = old.withLeader(partition, leader, address);
            if (patched.leaderOf(partition) != leader) {
                return false;
            }
            if (patched == old || current.compareAndSet(old, patched)) {
                return true;
            }
        }
    }
}
