package io.kvkit.raft.netty;

import io.kvkit.raft.transport.Transport;
import io.kvkit.raft.transport.InMemoryTransport;
import io.kvkit.raft.ConfState;
import io.kvkit.raft.Entry;
import io.kvkit.raft.Message;
import io.kvkit.raft.ProposalDroppedException;
import io.kvkit.raft.RaftDriver;
import io.kvkit.raft.RaftOptions;
import io.kvkit.raft.Role;
import io.kvkit.raft.Snapshot;
import io.kvkit.raft.StateMachine;
import io.kvkit.raft.storage.MemoryRaftLogStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * End to end: three kv-raft cores, each behind its own transport, elect a leader and commit
 * proposals in two Raft groups sharing the connections. One test thread drives all cores (the
 * core is single-threaded); the transports' threads only fill inboxes. Written once, bound to
 * {@link NettyTransport} on loopback ({@link RaftOverNettyTest}) and to a lossy
 * {@link InMemoryTransport} ({@link RaftOverInMemoryTransportTest}).
 */
@Timeout(60)
abstract class RaftOverTransportContract {

    static final long[] GROUPS = {7, 8};
    static final long TICK_NANOS = 10_000_000L;

    /** Creates node {@code id}'s transport (not started). */
    abstract Transport create(long id, Transport.Listener listener);

    /** After every transport started: lets them reach each other. */
    abstract void connect(List<Node> nodes);

    /** Keeps applied commands; empty no-ops and conf changes are counted but not kept. */
    static final class ListStateMachine implements StateMachine {
        final List<String> commands = new ArrayList<>();
        long applied = 1; // bootstrap snapshot at index 1

        @Override
        public void apply(Entry entry) {
            applied = entry.index();
            if (entry.data().length > 0) {
                commands.add(new String(entry.data(), StandardCharsets.UTF_8));
            }
        }

        @Override
        public long appliedIndex() {
            return applied;
        }

        @Override
        public byte[] snapshot() {
            return String.join("\n", commands).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public void restore(Snapshot snapshot) {
            commands.clear();
            String s = new String(snapshot.data(), StandardCharsets.UTF_8);
            if (!s.isEmpty()) {
                commands.addAll(Arrays.asList(s.split("\n")));
            }
            applied = snapshot.index();
        }
    }

    /** One node: a transport and, per group, a driver; inbound work queued for the test thread. */
    static final class Node implements Transport.Listener {
        final long id;
        final ConcurrentLinkedQueue<Object[]> inbox = new ConcurrentLinkedQueue<>();
        final RaftDriver[] drivers = new RaftDriver[GROUPS.length];
        final ListStateMachine[] machines = new ListStateMachine[GROUPS.length];
        Transport transport;

        Node(long id) {
            this.id = id;
        }

        @Override
        public void onMessage(long groupId, Message m) {
            inbox.add(new Object[]{groupId, m});
        }

        @Override
        public void onUnreachable(long toNode) {
            inbox.add(new Object[]{toNode});
        }

        int slot(long group) {
            for (int i = 0; i < GROUPS.length; i++) {
                if (GROUPS[i] == group) {
                    return i;
                }
            }
            throw new AssertionError("message for unknown group " + group);
        }

        void drainInbox() {
            Object[] item;
            while ((item = inbox.poll()) != null) {
                if (item.length == 1) {
                    for (RaftDriver d : drivers) {
                        d.core().reportUnreachable((Long) item[0]);
                    }
                } else {
                    drivers[slot((Long) item[0])].core().step((Message) item[1]);
                }
            }
        }
    }

    @Test
    void threeCoresElectALeaderAndCommit() throws Exception {
        List<Node> nodes = new ArrayList<>();
        try {
            for (long id = 1; id <= 3; id++) {
                Node n = new Node(id);
                n.transport = create(id, n);
                n.transport.start();
                for (int g = 0; g < GROUPS.length; g++) {
                    long group = GROUPS[g];
                    n.machines[g] = new ListStateMachine();
                    MemoryRaftLogStorage log = MemoryRaftLogStorage.bootstrap(ConfState.ofVoters(1L, 2L, 3L));
                    RaftOptions opts = RaftOptions.defaults(id).withRandomSeed(id * 31 + group);
                    Transport t = n.transport;
                    n.drivers[g] = new RaftDriver(opts, log, n.machines[g], m -> t.send(m.to(), group, m));
                }
                nodes.add(n);
            }
            connect(nodes);

            long deadline = System.nanoTime() + 30_000_000_000L;
            long nextTick = System.nanoTime();
            boolean[] proposed = new boolean[GROUPS.length];
            while (!allApplied(nodes)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no commit on all nodes within 30 s: " + describe(nodes));
                }
                boolean tick = System.nanoTime() >= nextTick;
                if (tick) {
                    nextTick += TICK_NANOS;
                }
                for (Node n : nodes) {
                    n.drainInbox();
                    for (int g = 0; g < GROUPS.length; g++) {
                        RaftDriver d = n.drivers[g];
                        if (tick) {
                            d.core().tick();
                        }
                        if (!proposed[g] && d.core().role() == Role.LEADER) {
                            try {
                                d.core().propose(("hello group " + GROUPS[g]).getBytes(StandardCharsets.UTF_8));
                                proposed[g] = true;
                            } catch (ProposalDroppedException e) {
                                // not ready yet (e.g. before its first commit); retry next loop
                            }
                        }
                        d.processReady();
                    }
                }
                Thread.sleep(1);
            }
            for (Node n : nodes) {
                for (int g = 0; g < GROUPS.length; g++) {
                    assertThat(n.machines[g].commands).containsExactly("hello group " + GROUPS[g]);
                }
                assertThat(n.transport.stats().messagesReceived()).isPositive();
            }
        } finally {
            for (Node n : nodes) {
                n.transport.close();
            }
        }
    }

    private static boolean allApplied(List<Node> nodes) {
        for (Node n : nodes) {
            for (ListStateMachine m : n.machines) {
                if (m.commands.isEmpty()) {
                    return false;
                }
            }
        }
        return true;
    }

    private static String describe(List<Node> nodes) {
        StringBuilder sb = new StringBuilder();
        for (Node n : nodes) {
            for (int g = 0; g < GROUPS.length; g++) {
                sb.append("\n node ").append(n.id).append(" group ").append(GROUPS[g]).append(": ")
                        .append(n.drivers[g].core()).append(" applied ").append(n.machines[g].commands);
            }
            sb.append("\n  ").append(n.transport.stats());
        }
        return sb.toString();
    }
}
