package io.kvkit.client;

import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.Status;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One request to one partition (or, for {@link #ANY_NODE}, to any node), carried to a
 * definitive answer: routed with the cached topology, retried under the {@link RetryPolicy}
 * until the deadline.
 *
 * <p>What is retried, and why it is safe: every request this client sends is either a read or
 * carries a session (client id, seq) that a retry reuses, so a command that did apply is
 * answered from the servers' {@link SessionTable} instead of applying twice. So the call retries
 * on NOT_LEADER (after following the hint, at once), WRONG_EPOCH (after a topology refresh),
 * UNAVAILABLE and TIMEOUT from the server, and connection failures (avoiding that node for the
 * rest of the call). SESSION_EXPIRED is retried under a fresh session only when no earlier
 * attempt can have reached a server; otherwise the outcome is unknown and the caller is told.
 * Everything else (INVALID_ARGUMENT, NOT_FOUND, UNSUPPORTED, ALREADY_EXISTS, INTERNAL, protocol
 * violations) is final.
 */
final class PartitionCall {
    /** Pseudo partition of requests any node answers (route, table administration). */
    static final int ANY_NODE = -1;

    private final KvClient client;
    private final int partition;
    private final Request.Builder request;
    private final boolean leaderOnly;
    private final boolean mutating;
    private final long deadlineNanos;
    private final CompletableFuture<Response> result = new CompletableFuture<>();
    private final Set<InetSocketAddress> avoid = new HashSet<>();
    private final List<String> failures = new ArrayList<>();
    private ClientSession session;
    private long seq;
    private int attempts;
    private boolean mayHaveApplied;

    private PartitionCall(KvClient client, int partition, Request.Builder request, boolean leaderOnly, boolean mutating,
                          long deadlineNanos) {
        this.client = client;
        this.partition = partition;
        this.request = request;
        this.leaderOnly = leaderOnly;
        this.mutating = mutating;
        this.deadlineNanos = deadlineNanos;
    }

    /**
     * Runs a call. {@code request} has its body, table and consistency set; routing epoch,
     * timeout and (when {@code mutating}) the session are set here per attempt.
     */
    static CompletableFuture<Response> run(KvClient client, int partition, Request.Builder request, boolean leaderOnly,
                                           boolean mutating, long deadlineNanos) {
        PartitionCall c = new PartitionCall(client, partition, request, leaderOnly, mutating, deadlineNanos);
        if (mutating) {
            c.session = client.session();
            c.seq = c.session.begin();
        }
        c.attempt();
        return c.result;
    }

    private void attempt() {
        long remaining = deadlineNanos - System.nanoTime();
        if (remaining <= 0) {
            giveUp(timeout());
            return;
        }
        attempts++;
        client.routing().topology().whenComplete((t, e) -> {
            if (e != null) {
                retryLater(unwrap(e));
            } else {
                send(t);
            }
        });
    }

    private void send(Topology t) {
        if (partition >= t.partitionCount()) {
            giveUp(new KvException(KvStatus.INTERNAL, "partition " + partition + " does not exist in a topology of "
                    + t.partitionCount() + " partitions"));
            return;
        }
        InetSocketAddress target;
        try {
            target = target(t);
        } catch (KvException e) {
            retryLater(e);
            return;
        }
        long remaining = deadlineNanos - System.nanoTime();
        if (remaining <= 0) {
            giveUp(timeout());
            return;
        }
        Request.Builder r = request.clone()
                .setRoutingEpoch(t.epoch())
                .setTimeoutMillis((int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(remaining))));
        if (mutating) {
            r.setSession(session.toWire(seq, partition));
        }
        long attemptNanos = client.options().attemptTimeout().toNanos();
        long wait = attemptNanos > 0 ? Math.min(remaining, attemptNanos) : remaining;
        client.pools().send(target, r, wait).whenComplete((resp, e) -> {
            if (e != null) {
                onFailure(target, unwrap(e));
            } else {
                onAnswer(t, target, resp);
            }
        });
    }

    /** The leader when it is wanted and known, else a replica not yet failed in this call, else any node. */
    private InetSocketAddress target(Topology t) {
        if (partition == ANY_NODE) {
            return pick(new ArrayList<>(t.nodes().values()));
        }
        long leader = t.leaderOf(partition);
        if (leaderOnly && leader != 0 && !avoid.contains(t.addressOf(leader))) {
            return t.addressOf(leader);
        }
        List<InetSocketAddress> replicas = new ArrayList<>();
        for (long node : t.replicasOf(partition)) {
            replicas.add(t.addressOf(node));
        }
        if (replicas.isEmpty()) {
            return pick(new ArrayList<>(t.nodes().values())); // any node forwards
        }
        return pick(replicas);
    }

    private InetSocketAddress pick(List<InetSocketAddress> candidates) {
        if (candidates.isEmpty()) {
            throw new KvException(KvStatus.UNAVAILABLE, "the topology lists no node to send to");
        }
        List<InetSocketAddress> fresh = new ArrayList<>(candidates);
        fresh.removeAll(avoid);
        List<InetSocketAddress> from = fresh.isEmpty() ? candidates : fresh;
        return from.get(ThreadLocalRandom.current().nextInt(from.size()));
    }

    private void onAnswer(Topology used, InetSocketAddress target, Response resp) {
        Status s = resp.getStatus();
        KvStatus status = KvStatus.fromWire(s.getCode());
        switch (status) {
            case OK -> {
                if (mutating) {
                    session.answered(partition);
                }
                complete(resp);
            }
            case NOT_LEADER -> {
                // not executed: safe to send anywhere else
                InetSocketAddress hinted = used.addressOf(s.getLeaderNodeId());
                if (partition != ANY_NODE
                        && client.routing().applyLeaderHint(used.epoch(), partition, s.getLeaderNodeId(), s.getLeaderAddress())) {
                    failures.add(target + ": NOT_LEADER, hint node " + s.getLeaderNodeId());
                    if (hinted != null && avoid.remove(hinted)) {
                        // the hint names a node that failed us in this call: back off before trying it again
                        client.routing().refresh("NOT_LEADER hint names a node that failed: " + hinted);
                        retryLater(new KvException(status, target + ": " + s.getMessage()));
                    } else {
                        retryNow();
                    }
                } else {
                    client.routing().refresh("NOT_LEADER without a usable hint from " + target);
                    retryLater(new KvException(status, target + ": " + s.getMessage()));
                }
            }
            case WRONG_EPOCH -> {
                failures.add(target + ": WRONG_EPOCH, current " + s.getCurrentEpoch());
                client.routing().refresh("WRONG_EPOCH from " + target).whenComplete((t, e) -> {
                    if (e != null) {
                        retryLater(unwrap(e));
                    } else if (t.epoch() < s.getCurrentEpoch()) {
                        // the nodes asked do not know the new epoch yet
                        retryLater(new KvException(status, "fetched epoch " + t.epoch() + ", " + target + " is at " + s.getCurrentEpoch()));
                    } else {
                        retryNow();
                    }
                });
            }
            case UNAVAILABLE, TIMEOUT -> {
                mayHaveApplied = true; // a write may have been proposed
                client.routing().refresh(status + " from " + target);
                retryLater(new KvException(status, target + ": " + s.getMessage()));
            }
            case SESSION_EXPIRED -> {
                client.sessionExpired(session);
                if (mutating && !mayHaveApplied) {
                    // no attempt can have applied: the command is new to the cluster, resend it under a new session
                    session.end(seq);
                    session = client.session();
                    seq = session.begin();
                    failures.add(target + ": SESSION_EXPIRED before any attempt could apply; new session");
                    retryNow();
                } else {
                    giveUp(new KvException(status, target + ": " + s.getMessage()
                            + " (an earlier attempt may have applied: the outcome is unknown)"));
                }
            }
            default -> giveUp(new KvException(status, s.getMessage()));
        }
    }

    private void onFailure(InetSocketAddress target, Throwable e) {
        if (e instanceof KvTimeoutException te) {
            mayHaveApplied = true;
            if (client.options().attemptTimeout().toNanos() > 0 && System.nanoTime() < deadlineNanos) {
                // the attempt timed out, not the call: try another replica
                avoid.add(target);
                retryLater(new KvException(KvStatus.TIMEOUT, te.getMessage()));
            } else {
                giveUp(timeout());
            }
        } else if (e instanceof KvConnectionException ce) {
            mayHaveApplied |= ce.mayHaveReachedServer();
            avoid.add(target);
            client.routing().refresh("connection failure: " + ce.getMessage());
            retryLater(ce);
        } else if (e instanceof KvException ke) {
            giveUp(ke);
        } else {
            giveUp(new KvException(KvStatus.INTERNAL, "unexpected failure: " + e, e));
        }
    }

    private void retryNow() {
        if (attempts >= client.options().retryPolicy().maxAttempts()) {
            giveUp(exhausted(null));
            return;
        }
        attempt();
    }

    private void retryLater(Throwable cause) {
        KvException ke = cause instanceof KvException k ? k : new KvException(KvStatus.INTERNAL, cause.toString(), cause);
        failures.add(ke.getMessage());
        if (ke instanceof KvProtocolException || ke.status() == KvStatus.INVALID_ARGUMENT) {
            giveUp(ke);
            return;
        }
        if (attempts >= client.options().retryPolicy().maxAttempts()) {
            giveUp(exhausted(ke));
            return;
        }
        long delay = client.options().retryPolicy().backoffNanos(attempts);
        if (System.nanoTime() + delay >= deadlineNanos) {
            giveUp(timeout());
            return;
        }
        try {
            client.pools().timer().schedule(this::attempt, delay, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            giveUp(new KvConnectionException("the client is closed; last failure: " + ke.getMessage(), mayHaveApplied));
        }
    }

    private KvException exhausted(KvException last) {
        String msg = "gave up after " + attempts + " attempts (maxAttempts=" + client.options().retryPolicy().maxAttempts()
                + "): " + String.join("; ", failures);
        return new KvException(last == null ? KvStatus.UNAVAILABLE : last.status(), msg, last);
    }

    private KvTimeoutException timeout() {
        return new KvTimeoutException("deadline passed after " + attempts + " attempts"
                + (failures.isEmpty() ? "" : "; earlier: " + String.join("; ", failures)));
    }

    private void complete(Response r) {
        if (mutating) {
            session.end(seq);
        }
        result.complete(r);
    }

    private void giveUp(KvException e) {
        if (mutating) {
            session.end(seq);
        }
        result.completeExceptionally(e);
    }

    static Throwable unwrap(Throwable e) {
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
