package io.kvkit.raft.netty;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.Message;
import io.kvkit.raft.ProposalDroppedException;
import io.kvkit.raft.RaftDriver;
import io.kvkit.raft.RaftOptions;
import io.kvkit.raft.Role;
import io.kvkit.raft.netty.NettyTransportOptions.SnapshotStreamOptions;
import io.kvkit.raft.netty.RaftOverTransportContract.ListStateMachine;
import io.kvkit.raft.storage.MemoryRaftLogStorage;
import io.kvkit.raft.transport.Transport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real kv-raft group of three over {@link NettyTransport}: a follower is cut off, the others
 * commit 300 commands of 1 KiB and compact their logs, the follower comes back and can only be
 * caught up by a snapshot, which travels in 64 KiB chunks; the leader's core hears the outcome
 * through {@code onSnapshotStatus} → {@code reportSnapshot}. One test thread drives every core.
 */
@Timeout(90)
class FollowerCatchUpBySnapshotOverNettyTest {

    static final long GROUP = 7;
    static final long TICK_NANOS = 10_000_000L;
    static final int COMMANDS = 300;

    static final class Node implements Transport.Listener {
        final long id;
        final ConcurrentLinkedQueue<Runnable> inbox = new ConcurrentLinkedQueue<>();
        final ListStateMachine machine = new ListStateMachine();
        RaftDriver driver;
        NettyTransport transport;
        volatile boolean isolated;
        int snapshotsInstalled;

        Node(long id) {
            this.id = id;
        }

        @Override
        public void onMessage(long groupId, Message m) {
            inbox.add(() -> {
                if (!isolated) {
                    if (m.type() == io.kvkit.raft.MessageType.SNAPSHOT) {
                        snapshotsInstalled++;
                    }
                    driver.core().step(m);
                }
            });
        }

        @Override
        public void onUnreachable(long toNode) {
            inbox.add(() -> driver.core().reportUnreachable(toNode));
        }

        @Override
        public void onSnapshotStatus(long groupId, long toNode, boolean delivered) {
            inbox.add(() -> driver.core().reportSnapshot(toNode, delivered));
        }
    }

    @Test
    void aFollowerBehindTheCompactedLogIsCaughtUpByAStreamedSnapshot() throws Exception {
        List<Node> nodes = new ArrayList<>();
        NettyTransportOptions opts = NettyTransportTest.fastReconnect()
                .withSnapshot(SnapshotStreamOptions.defaults().withChunkBytes(64 << 10).withRateBytesPerSecond(0));
        try {
            for (long id = 1; id <= 3; id++) {
                Node n = new Node(id);
                n.transport = new NettyTransport(id, NettyTransportTest.ANY_LOOPBACK_PORT, Map.of(), opts, n);
                n.transport.start();
                NettyTransport t = n.transport;
                RaftOptions ro = RaftOptions.defaults(id).withRandomSeed(id * 31);
                n.driver = new RaftDriver(ro, MemoryRaftLogStorage.bootstrap(ConfState.ofVoters(1L, 2L, 3L)), n.machine, m -> {
                    if (!n.isolated && !nodes.get((int) m.to() - 1).isolated) {
                        t.send(m.to(), GROUP, m);
                    }
                });
                nodes.add(n);
            }
            for (Node a : nodes) {
                for (Node b : nodes) {
                    if (a != b) {
                        a.transport.addPeer(b.id, b.transport.boundAddress());
                    }
                }
            }
            Loop loop = new Loop(nodes);
            loop.runUntil("a leader", 30_000, () -> leader(nodes) != null);
            Node follower = nodes.stream().filter(n -> n.driver.core().role() != Role.LEADER).findFirst().orElseThrow();
            follower.isolated = true;

            int proposed = 0;
            String pad = "x".repeat(1_000);
            while (proposed < COMMANDS) {
                Node leader = loop.runUntil("a leader without node " + follower.id, 30_000, () -> leader(nodes) != null)
                        .leaderOf(nodes);
                try {
                    leader.driver.core().propose(("cmd-" + proposed + "-" + pad).getBytes(StandardCharsets.UTF_8));
                    proposed++;
                } catch (ProposalDroppedException e) {
                    loop.step(); // e.g. too much uncommitted: let it commit
                }
                if (proposed % 20 == 0) {
                    loop.step();
                }
            }
            loop.runUntil("the connected nodes applied everything", 30_000, () -> nodes.stream()
                    .filter(n -> n != follower).allMatch(n -> n.machine.commands.size() == COMMANDS));
            for (Node n : nodes) {
                if (n != follower) {
                    assertThat(n.driver.maybeCompact(10)).as("node %d compacts", n.id).isTrue();
                }
            }
            assertThat(follower.machine.commands).isEmpty();

            follower.isolated = false;
            loop.runUntil("the follower caught up", 60_000, () -> follower.machine.commands.size() == COMMANDS);
            for (int i = 0; i < COMMANDS; i++) {
                assertThat(follower.machine.commands.get(i)).startsWith("cmd-" + i + "-");
            }
            assertThat(follower.snapshotsInstalled).as("caught up through a snapshot").isPositive();
            SnapshotStreamStats rx = follower.transport.snapshotStats();
            long succeeded = nodes.stream().filter(n -> n != follower).mapToLong(n -> n.transport.snapshotStats().transfersSucceeded()).sum();
            System.out.println("follower " + follower.id + " received " + rx + "; transfers that succeeded: " + succeeded);
            assertThat(rx.snapshotsReceived()).isPositive();
            assertThat(rx.bytesReceived()).as("several chunks").isGreaterThan(4L * (64 << 10));
            assertThat(succeeded).isPositive();
        } finally {
            for (Node n : nodes) {
                n.transport.close();
            }
        }
    }

    static Node leader(List<Node> nodes) {
        Node found = null;
        for (Node n : nodes) {
            if (!n.isolated && n.driver.core().role() == Role.LEADER) {
                found = n;
            }
        }
        return found;
    }

    /** Drives all cores from the test thread: inbox, ticks, ready. */
    static final class Loop {
        final List<Node> nodes;
        long nextTick = System.nanoTime();

        Loop(List<Node> nodes) {
            this.nodes = nodes;
        }

        Node leaderOf(List<Node> ns) {
            return leader(ns);
        }

        Loop runUntil(String what, long timeoutMillis, BooleanSupplier done) throws InterruptedException {
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
            while (!done.getAsBoolean()) {
                if (System.nanoTime() > deadline) {
                    StringBuilder sb = new StringBuilder();
                    for (Node n : nodes) {
                        sb.append("\n node ").append(n.id).append(n.isolated ? " (isolated) " : " ").append(n.driver.core())
                                .append(" applied ").append(n.machine.commands.size()).append(' ').append(n.transport.snapshotStats());
                    }
                    throw new AssertionError("timed out after " + timeoutMillis + " ms waiting for " + what + sb);
                }
                step();
                Thread.sleep(1);
            }
            return this;
        }

        void step() {
            boolean tick = System.nanoTime() >= nextTick;
            if (tick) {
                nextTick += TICK_NANOS;
            }
            for (Node n : nodes) {
                Runnable r;
                while ((r = n.inbox.poll()) != null) {
                    r.run();
                }
                if (tick) {
                    n.driver.core().tick();
                }
                n.driver.processReady();
            }
        }
    }
}
