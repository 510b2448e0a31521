package io.kvkit.raft.runtime;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.RaftOptions;
import io.kvkit.raft.Role;
import io.kvkit.raft.storage.MemoryRaftLogStore;
import io.kvkit.raft.transport.InMemoryTransport;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/** N runtime nodes in one JVM over an {@link InMemoryTransport.Hub} and in-memory log stores. */
final class RuntimeCluster implements AutoCloseable {

    static final Duration AWAIT = Duration.ofSeconds(60);

    final InMemoryTransport.Hub hub;
    final Map<Long, RaftNode> nodes = new HashMap<>();
    final Map<Long, MemoryRaftLogStore> stores = new HashMap<>();
    /** Per node, per group: the state machine. */
    final Map<Long, Map<Long, ListMachine>> machines = new HashMap<>();
    final List<Long> ids = new ArrayList<>();
    private final UnaryOperator<RaftNodeConfig> tune;

    RuntimeCluster(int n, long seed, UnaryOperator<RaftNodeConfig> tune) {
        this(n, seed, tune, (id, t) -> t);
    }

    /** @param wrap wraps each node's transport (to hold or inspect what it sends) */
    RuntimeCluster(int n, long seed, UnaryOperator<RaftNodeConfig> tune,
                   java.util.function.BiFunction<Long, io.kvkit.raft.transport.Transport, io.kvkit.raft.transport.Transport> wrap) {
        this.tune = tune;
        System.out.println("RuntimeCluster seed " + seed);
        hub = new InMemoryTransport.Hub(seed);
        for (long id = 1; id <= n; id++) {
            ids.add(id);
            RaftNodeConfig cfg = tune.apply(testDefaults(id));
            MemoryRaftLogStore store = new MemoryRaftLogStore();
            long nodeId = id;
            stores.put(id, store);
            machines.put(id, new HashMap<>());
            nodes.put(id, new RaftNode(cfg, store, l -> wrap.apply(nodeId, hub.join(nodeId, 200_000, l))));
        }
    }

    /** Fast ticks for tests, generous enough for a loaded 2-core machine. */
    static RaftNodeConfig testDefaults(long id) {
        RaftOptions o = RaftOptions.defaults(id).withElectionTimeoutTicks(10).withHeartbeatIntervalTicks(2);
        return RaftNodeConfig.defaults(id).withRaftOptions(o).withTickInterval(Duration.ofMillis(50))
                .withWorkerThreads(2).withApplyThreads(2).withRequestTimeout(Duration.ofSeconds(20));
    }

    ConfState members() {
        return new ConfState(ids, List.of());
    }

    void startGroup(long groupId) {
        for (long id : ids) {
            ListMachine m = new ListMachine();
            machines.get(id).put(groupId, m);
            nodes.get(id).startGroup(groupId, members(), m);
        }
    }

    /** Starts {@code groupId} with founding members {@code members} only. */
    void startGroup(long groupId, List<Long> members) {
        for (long id : members) {
            ListMachine m = new ListMachine();
            machines.get(id).put(groupId, m);
            nodes.get(id).startGroup(groupId, new ConfState(members, List.of()), m);
        }
    }

    /** Starts a member that joins {@code groupId} later (empty log, waits for a snapshot). */
    void startJoiner(long node, long groupId) {
        ListMachine m = new ListMachine();
        machines.get(node).put(groupId, m);
        nodes.get(node).startGroup(groupId, null, m);
    }

    /** Closes node {@code id} and starts it again on the same log store, with fresh in-memory state machines. */
    void restart(long id) {
        RaftNode old = nodes.get(id);
        java.util.Set<Long> groups = old.groupIds();
        old.close();
        RaftNode fresh = new RaftNode(tune.apply(testDefaults(id)), stores.get(id), l -> hub.join(id, 200_000, l));
        nodes.put(id, fresh);
        for (long g : stores.get(id).groupIds()) {
            ListMachine m = new ListMachine();
            machines.get(id).put(g, m);
            fresh.startGroup(g, groups.contains(g) ? members() : null, m);
        }
    }

    RaftGroup group(long node, long groupId) {
        return nodes.get(node).group(groupId);
    }

    ListMachine machine(long node, long groupId) {
        return machines.get(node).get(groupId);
    }

    /** The node leading {@code groupId} as seen by itself, among live nodes, or 0. */
    long leaderOf(long groupId) {
        long leader = 0;
        long term = -1;
        for (Map.Entry<Long, RaftNode> e : nodes.entrySet()) {
            if (e.getValue().isClosed()) {
                continue;
            }
            RaftGroup g = e.getValue().group(groupId);
            if (g == null) {
                continue;
            }
            GroupStatus s = g.status();
            if (s.role() == Role.LEADER && s.term() > term) {
                leader = e.getKey();
                term = s.term();
            }
        }
        return leader;
    }

    long awaitLeader(long groupId) {
        long[] found = new long[1];
        await("a leader of group " + groupId, () -> (found[0] = leaderOf(groupId)) != 0);
        return found[0];
    }

    /** Proposes {@code cmd} until some leader acknowledges it; returns the reply (the index). */
    long proposeUntilAcked(long groupId, String cmd) {
        long deadline = System.nanoTime() + AWAIT.toNanos();
        Throwable last = null;
        while (System.nanoTime() < deadline) {
            long leader = awaitLeader(groupId);
            try {
                byte[] r = group(leader, groupId).propose(cmd.getBytes(StandardCharsets.UTF_8)).get(30, TimeUnit.SECONDS);
                return Long.parseLong(new String(r, StandardCharsets.UTF_8));
            } catch (ExecutionException e) {
                last = e.getCause();
            } catch (Exception e) {
                last = e;
            }
            sleep(20);
        }
        throw new AssertionError("no leader acknowledged " + cmd + " within " + AWAIT, last);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static long replyIndex(CompletableFuture<byte[]> f) {
        return Long.parseLong(new String(f.join(), StandardCharsets.UTF_8));
    }

    static void await(String what, BooleanSupplier cond) {
        long deadline = System.nanoTime() + AWAIT.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + AWAIT + " waiting for " + what);
            }
            sleep(10);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Cuts (or restores) every link between {@code node} and the others, both ways. */
    void isolate(long node, boolean cut) {
        for (long other : ids) {
            if (other != node) {
                hub.setLinkDown(node, other, cut);
                hub.setLinkDown(other, node, cut);
            }
        }
    }

    @Override
    public void close() {
        for (RaftNode n : nodes.values()) {
            n.close();
        }
        for (MemoryRaftLogStore s : stores.values()) {
            s.close();
        }
    }
}
