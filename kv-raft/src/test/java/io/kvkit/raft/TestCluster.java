package io.kvkit.raft;

import io.kvkit.raft.storage.MemoryRaftLogStorage;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/** A few cores wired by a perfect network, driven by hand: the smallest host that obeys the contract. */
final class TestCluster {
    final TreeMap<Long, RaftCore> cores = new TreeMap<>();
    final TreeMap<Long, MemoryRaftLogStorage> storages = new TreeMap<>();
    final TreeMap<Long, List<Entry>> applied = new TreeMap<>();
    final TreeMap<Long, List<ReadState>> reads = new TreeMap<>();
    final List<Message> inFlight = new ArrayList<>();
    final List<Message> sent = new ArrayList<>();

    TestCluster(int voters, UnaryOperator<RaftOptions> tweak) {
        List<Long> ids = new ArrayList<>();
        for (long i = 1; i <= voters; i++) {
            ids.add(i);
        }
        ConfState cs = new ConfState(ids, List.of());
        for (long id : ids) {
            MemoryRaftLogStorage st = MemoryRaftLogStorage.bootstrap(cs);
            storages.put(id, st);
            cores.put(id, new RaftCore(tweak.apply(RaftOptions.defaults(id)), st, 0));
            applied.put(id, new ArrayList<>());
            reads.put(id, new ArrayList<>());
        }
    }

    RaftCore core(long id) {
        return cores.get(id);
    }

    /** Carries out one node's Ready as the contract says; returns it. */
    Ready handle(long id) {
        RaftCore c = cores.get(id);
        MemoryRaftLogStorage st = storages.get(id);
        Ready rd = c.ready();
        inFlight.addAll(rd.messages());
        if (rd.snapshot() != null) {
            st.applySnapshot(rd.snapshot());
        }
        st.append(rd.entries());
        if (rd.hardState() != null) {
            st.setHardState(rd.hardState());
        }
        inFlight.addAll(rd.messagesAfterPersist());
        applied.get(id).addAll(rd.committedEntries());
        reads.get(id).addAll(rd.readStates());
        sent.addAll(rd.messages());
        sent.addAll(rd.messagesAfterPersist());
        c.advance(rd);
        return rd;
    }

    void stabilize() {
        for (int round = 0; round < 1_000; round++) {
            boolean did = false;
            for (long id : cores.keySet()) {
                while (cores.get(id).hasReady()) {
                    handle(id);
                    did = true;
                }
            }
            if (!inFlight.isEmpty()) {
                did = true;
                List<Message> batch = new ArrayList<>(inFlight);
                inFlight.clear();
                for (Message m : batch) {
                    RaftCore to = cores.get(m.to());
                    if (to != null) {
                        to.step(m);
                    }
                }
            }
            if (!did) {
                return;
            }
        }
        throw new IllegalStateException("did not stabilize");
    }

    List<Message> sentOfType(MessageType t) {
        return sent.stream().filter(m -> m.type() == t).toList();
    }

    long leaderElected(long id) {
        cores.get(id).campaign();
        stabilize();
        if (cores.get(id).role() != Role.LEADER) {
            throw new IllegalStateException("node " + id + " did not win: " + cores.get(id));
        }
        sent.clear();
        return id;
    }
}
