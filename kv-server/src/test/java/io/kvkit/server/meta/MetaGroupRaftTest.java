package io.kvkit.server.meta;

import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.StatusCode;
import io.kvkit.raft.ConfState;
import io.kvkit.raft.RaftOptions;
import io.kvkit.raft.Role;
import io.kvkit.raft.runtime.RaftGroup;
import io.kvkit.raft.runtime.RaftNode;
import io.kvkit.raft.runtime.RaftNodeConfig;
import io.kvkit.raft.storage.MemoryRaftLogStore;
import io.kvkit.raft.transport.InMemoryTransport;
import io.kvkit.server.config.NodeConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three {@link MetaStateMachine}s driven by kv-raft's runtime over an in-memory transport: tables
 * created and dropped through the leader are seen by all three, with equal states, also after
 * snapshots (taken every few entries here).
 */
class MetaGroupRaftTest {
    private static final long META_GROUP = 1; // 0 is the runtime's own
    private static final Duration AWAIT = Duration.ofSeconds(60);

    private final List<RaftNode> nodes = new ArrayList<>();
    private final List<MemoryRaftLogStore> stores = new ArrayList<>();
    private final List<MetaStateMachine> machines = new ArrayList<>();
    /** Whether the last {@link #proposeThroughLeader} had to propose more than once. */
    private boolean retried;

    @AfterEach
    void stop() {
        nodes.forEach(RaftNode::close);
        stores.forEach(MemoryRaftLogStore::close);
    }

    @Test
    void tablesCreatedThroughTheLeaderReachEveryMember() throws Exception {
        long seed = System.nanoTime();
        System.out.println("MetaGroupRaftTest seed " + seed);
        List<NodeConfig.Member> members = Founders.members(3);
        InMemoryTransport.Hub hub = new InMemoryTransport.Hub(seed);
        for (long id = 1; id <= 3; id++) {
            // every founder computes its bootstrap state alone, from its own copy of the settings
            MetaStateMachine m = new MetaStateMachine(ClusterBootstrap.initialState(members, 64, 3, 3, "lsm", Map.of()));
            RaftOptions o = RaftOptions.defaults(id).withElectionTimeoutTicks(10).withHeartbeatIntervalTicks(2);
            RaftNodeConfig cfg = RaftNodeConfig.defaults(id).withRaftOptions(o).withTickInterval(Duration.ofMillis(50))
                    .withWorkerThreads(1).withApplyThreads(1).withSnapshotEveryEntries(4)
                    .withRequestTimeout(Duration.ofSeconds(20));
            MemoryRaftLogStore store = new MemoryRaftLogStore();
            long nodeId = id;
            RaftNode node = new RaftNode(cfg, store, l -> hub.join(nodeId, 10_000, l));
            node.startGroup(META_GROUP, ConfState.ofVoters(1L, 2L, 3L), m);
            nodes.add(node);
            stores.add(store);
            machines.add(m);
        }

        for (int i = 0; i < 10; i++) {
            Response r = proposeThroughLeader(MetaCommands.createTable("t" + i, i % 2 == 0 ? "hash" : "bplustree", Map.of()));
            assertThat(r.getStatus().getCode()).isEqualTo(StatusCode.OK);
            if (!retried) { // a retry after a lost leadership may find its own first attempt applied
                assertThat(r.getCreateTable().getCreated()).isTrue();
            }
        }
        Response repeat = proposeThroughLeader(MetaCommands.createTable("t0", "hash", Map.of()));
        assertThat(repeat.getCreateTable().getCreated()).isFalse();
        Response conflict = proposeThroughLeader(MetaCommands.createTable("t0", "lsm", Map.of()));
        assertThat(conflict.getStatus().getCode()).isEqualTo(StatusCode.ALREADY_EXISTS);
        Response drop = proposeThroughLeader(MetaCommands.dropTable("t3"));
        assertThat(drop.getStatus().getCode()).isIn(retried ? List.of(StatusCode.OK, StatusCode.NOT_FOUND) : List.of(StatusCode.OK));

        await("every member at epoch 12", () -> machines.stream().allMatch(m -> m.current().epoch() == 12));
        ClusterState first = machines.get(0).current();
        assertThat(first.tables()).containsOnlyKeys("default", "t0", "t1", "t2", "t4", "t5", "t6", "t7", "t8", "t9");
        for (MetaStateMachine m : machines) {
            assertThat(m.current()).isEqualTo(first);
        }
    }

    /** Proposes on whichever node leads, retrying across elections; a reply means the command applied once. */
    private Response proposeThroughLeader(byte[] command) throws Exception {
        long deadline = System.nanoTime() + AWAIT.toNanos();
        Exception last = null;
        retried = false;
        while (System.nanoTime() < deadline) {
            for (RaftNode node : nodes) {
                RaftGroup g = node.group(META_GROUP);
                if (g.status().role() == Role.LEADER) {
                    try {
                        return Response.parseFrom(g.propose(command).get(30, TimeUnit.SECONDS));
                    } catch (Exception e) {
                        last = e; // lost leadership before the commit: ask the next leader
                        retried = true;
                    }
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no leader applied the command within " + AWAIT, last);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + AWAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + AWAIT + " waiting for " + what);
            }
            Thread.sleep(10);
        }
    }
}
