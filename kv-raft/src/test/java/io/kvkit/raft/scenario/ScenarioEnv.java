package io.kvkit.raft.scenario;

import io.kvkit.raft.ConfChange;
import io.kvkit.raft.ConfState;
import io.kvkit.raft.Entry;
import io.kvkit.raft.EntryType;
import io.kvkit.raft.Message;
import io.kvkit.raft.ProposalDroppedException;
import io.kvkit.raft.RaftCore;
import io.kvkit.raft.RaftOptions;
import io.kvkit.raft.ReadOnlyMode;
import io.kvkit.raft.ReadState;
import io.kvkit.raft.Ready;
import io.kvkit.raft.TestHooks;
import io.kvkit.raft.storage.MemoryRaftLogStorage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The interpreter of scenario scripts: a handful of nodes driven by explicit commands, with
 * every Ready and every message delivery printed. Messages wait in a global in-flight list until
 * a {@code deliver-msgs} or {@code stabilize} delivers (or a partition drops) them.
 */
final class ScenarioEnv {

    private static final class Node {
        final long id;
        final RaftOptions opts;
        MemoryRaftLogStorage storage;
        RaftCore core;
        final List<String> applied = new ArrayList<>();

        Node(long id, RaftOptions opts, MemoryRaftLogStorage storage, Set<String> disabledRules) {
            this.id = id;
            this.opts = opts;
            this.storage = storage;
            this.core = new RaftCore(opts, storage, 0);
            TestHooks.disable(core, disabledRules);
        }
    }

    /** Safety rules switched off in every core this interpreter makes (mutation tests only). */
    private final Set<String> disabledRules;

    ScenarioEnv() {
        this(Set.of());
    }

    ScenarioEnv(Set<String> disabledRules) {
        this.disabledRules = Set.copyOf(disabledRules);
    }

    private final TreeMap<Long, Node> nodes = new TreeMap<>();
    private final List<Message> inFlight = new ArrayList<>();
    private final Set<String> cut = new HashSet<>();

    String run(String cmd, Map<String, String> kv, List<String> pos) {
        StringBuilder out = new StringBuilder();
        switch (cmd) {
            case "add-nodes" -> addNodes(kv, out);
            case "campaign" -> node(pos, 0).core.campaign();
            case "tick" -> {
                Node n = node(pos, 0);
                int times = Integer.parseInt(kv.getOrDefault("n", "1"));
                for (int i = 0; i < times; i++) {
                    n.core.tick();
                }
            }
            case "tick-election" -> {
                Node n = node(pos, 0);
                for (int i = 0; i < n.opts.electionTimeoutTicks(); i++) {
                    n.core.tick();
                }
            }
            case "tick-heartbeat" -> {
                Node n = node(pos, 0);
                for (int i = 0; i < n.opts.heartbeatIntervalTicks(); i++) {
                    n.core.tick();
                }
            }
            case "propose" -> {
                try {
                    node(pos, 0).core.propose(pos.get(1).getBytes(StandardCharsets.UTF_8));
                } catch (ProposalDroppedException e) {
                    out.append("dropped: ").append(e.getMessage()).append('\n');
                }
            }
            case "propose-conf-change" -> {
                ConfChange.Type t = switch (pos.get(1)) {
                    case "add-voter" -> ConfChange.Type.ADD_VOTER;
                    case "add-learner" -> ConfChange.Type.ADD_LEARNER;
                    case "remove" -> ConfChange.Type.REMOVE_NODE;
                    default -> throw new IllegalArgumentException("conf change kind must be add-voter, add-learner or remove; got " + pos.get(1));
                };
                try {
                    node(pos, 0).core.proposeConfChange(new ConfChange(t, Long.parseLong(pos.get(2))));
                } catch (ProposalDroppedException e) {
                    out.append("dropped: ").append(e.getMessage()).append('\n');
                }
            }
            case "transfer-leadership" -> nodes.get(Long.parseLong(kv.get("from"))).core
                    .transferLeadership(Long.parseLong(kv.get("to")));
            case "read-index" -> node(pos, 0).core.readIndex(Long.parseLong(kv.getOrDefault("ctx", "1")));
            case "process-ready" -> {
                for (int i = 0; i < pos.size(); i++) {
                    processReady(node(pos, i), out);
                }
            }
            case "deliver-msgs" -> deliver(pos.isEmpty() ? null : Set.copyOf(pos.stream().map(Long::parseLong).toList()),
                    kv.containsKey("drop"), out);
            case "stabilize" -> stabilize(out);
            case "partition" -> partition(pos, out);
            case "heal" -> {
                cut.clear();
                out.append("all links restored\n");
            }
            case "status" -> {
                for (int i = 0; i < pos.size(); i++) {
                    status(node(pos, i), out);
                }
            }
            case "raft-log" -> raftLog(node(pos, 0), out);
            case "compact" -> {
                Node n = node(pos, 0);
                long idx = Long.parseLong(pos.get(1));
                n.storage.createSnapshot(idx, n.core.confState(), ("state@" + idx).getBytes(StandardCharsets.UTF_8));
                out.append("node ").append(n.id).append(" compacted to ").append(idx)
                        .append(": first index ").append(n.storage.firstIndex()).append('\n');
            }
            case "crash-restart" -> {
                Node n = node(pos, 0);
                n.core = new RaftCore(n.opts, n.storage, n.storage.snapshot().index());
                TestHooks.disable(n.core, disabledRules);
                out.append("node ").append(n.id).append(" restarted: ").append(n.core).append('\n');
            }
            default -> throw new IllegalArgumentException("unknown command '" + cmd + "'");
        }
        return out.isEmpty() ? "ok\n" : out.toString();
    }

    private Node node(List<String> pos, int i) {
        if (pos.size() <= i) {
            throw new IllegalArgumentException("missing node id argument");
        }
        Node n = nodes.get(Long.parseLong(pos.get(i)));
        if (n == null) {
            throw new IllegalArgumentException("no node " + pos.get(i) + "; nodes are " + nodes.keySet());
        }
        return n;
    }

    private static List<Long> ids(String s) {
        if (s == null || s.isBlank()) {
            return List.of();
        }
        return Arrays.stream(s.split(",")).map(String::trim).map(Long::parseLong).toList();
    }

    private void addNodes(Map<String, String> kv, StringBuilder out) {
        List<Long> voters = ids(kv.get("voters"));
        List<Long> learners = ids(kv.get("learners"));
        List<Long> all = ids(kv.getOrDefault("ids", kv.get("voters")));
        ConfState cs = new ConfState(voters, learners);
        for (long id : all) {
            RaftOptions o = RaftOptions.defaults(id)
                    .withPreVote(Boolean.parseBoolean(kv.getOrDefault("prevote", "false")))
                    .withCheckQuorum(Boolean.parseBoolean(kv.getOrDefault("checkquorum", "false")))
                    .withReadOnlyMode(Boolean.parseBoolean(kv.getOrDefault("lease", "false"))
                            ? ReadOnlyMode.LEASE_BASED : ReadOnlyMode.SAFE)
                    .withMaxMessageBytes(Long.parseLong(kv.getOrDefault("max-msg-bytes", "1048576")))
                    .withMaxInflightMessages(Integer.parseInt(kv.getOrDefault("max-inflight", "256")))
                    .withRandomSeed(id);
            MemoryRaftLogStorage st = cs.isMember(id) ? MemoryRaftLogStorage.bootstrap(cs) : new MemoryRaftLogStorage();
            Node n = new Node(id, o, st, disabledRules);
            nodes.put(id, n);
            out.append("node ").append(id).append(cs.isMember(id) ? ": " + cs : ": empty").append('\n');
        }
    }

    private boolean linkUp(long from, long to) {
        return !cut.contains(from + "-" + to);
    }

    private void partition(List<String> pos, StringBuilder out) {
        // "partition 1 2 | 3 4 5": no messages cross the bar in either direction
        cut.clear();
        List<Long> left = new ArrayList<>();
        List<Long> right = new ArrayList<>();
        boolean bar = false;
        for (String p : pos) {
            if (p.equals("|")) {
                bar = true;
            } else if (bar) {
                right.add(Long.parseLong(p));
            } else {
                left.add(Long.parseLong(p));
            }
        }
        for (long a : left) {
            for (long b : right) {
                cut.add(a + "-" + b);
                cut.add(b + "-" + a);
            }
        }
        out.append("partitioned ").append(left).append(" | ").append(right).append('\n');
    }

    private boolean processReady(Node n, StringBuilder out) {
        if (!n.core.hasReady()) {
            return false;
        }
        Ready rd = n.core.ready();
        out.append("> ").append(n.id).append(" handling Ready\n");
        if (rd.softState() != null) {
            out.append("  State: ").append(rd.softState().role()).append(" leader=").append(rd.softState().leader()).append('\n');
        }
        if (rd.hardState() != null) {
            out.append("  ").append(rd.hardState()).append('\n');
        }
        if (rd.snapshot() != null) {
            out.append("  Snapshot: ").append(rd.snapshot()).append('\n');
            n.storage.applySnapshot(rd.snapshot());
        }
        if (!rd.entries().isEmpty()) {
            out.append("  Entries:\n");
            for (Entry e : rd.entries()) {
                out.append("    ").append(entry(e)).append('\n');
            }
            n.storage.append(rd.entries());
        }
        if (rd.hardState() != null) {
            n.storage.setHardState(rd.hardState());
        }
        if (!rd.committedEntries().isEmpty()) {
            out.append("  CommittedEntries:\n");
            for (Entry e : rd.committedEntries()) {
                out.append("    ").append(entry(e)).append('\n');
                n.applied.add(entry(e));
            }
        }
        for (ReadState rs : rd.readStates()) {
            out.append("  ReadState: index=").append(rs.index()).append(" ctx=").append(rs.context()).append('\n');
        }
        if (!rd.messages().isEmpty()) {
            out.append("  Messages:\n");
            for (Message m : rd.messages()) {
                out.append("    ").append(m).append('\n');
            }
        }
        if (!rd.messagesAfterPersist().isEmpty()) {
            out.append("  Messages after persist:\n");
            for (Message m : rd.messagesAfterPersist()) {
                out.append("    ").append(m).append('\n');
            }
        }
        inFlight.addAll(rd.messages());
        inFlight.addAll(rd.messagesAfterPersist());
        n.core.advance(rd);
        return true;
    }

    private static String entry(Entry e) {
        if (e.type() == EntryType.CONF_CHANGE) {
            return e.term() + "/" + e.index() + " ConfChange " + ConfChange.decode(e.data());
        }
        return e.term() + "/" + e.index() + (e.data().length == 0 ? " (no-op)" : " \"" + new String(e.data(), StandardCharsets.UTF_8) + "\"");
    }

    private boolean deliver(Set<Long> only, boolean drop, StringBuilder out) {
        Map<Long, List<Message>> byNode = new TreeMap<>();
        for (Iterator<Message> it = inFlight.iterator(); it.hasNext(); ) {
            Message m = it.next();
            if (only == null || only.contains(m.to())) {
                byNode.computeIfAbsent(m.to(), k -> new ArrayList<>()).add(m);
                it.remove();
            }
        }
        boolean any = false;
        for (var e : byNode.entrySet()) {
            Node n = nodes.get(e.getKey());
            for (Message m : e.getValue()) {
                any = true;
                if (drop || n == null || !linkUp(m.from(), m.to())) {
                    out.append("  dropped: ").append(m).append('\n');
                    continue;
                }
                out.append("  ").append(m).append('\n');
                n.core.step(m);
            }
        }
        return any;
    }

    private void stabilize(StringBuilder out) {
        for (int round = 0; round < 1000; round++) {
            boolean did = false;
            for (Node n : nodes.values()) {
                did |= processReady(n, out);
            }
            if (!inFlight.isEmpty()) {
                did = true;
                out.append("> delivering messages\n");
                deliver(null, false, out);
            }
            if (!did) {
                return;
            }
        }
        throw new IllegalStateException("stabilize did not converge in 1000 rounds");
    }

    private void status(Node n, StringBuilder out) {
        RaftCore c = n.core;
        out.append(n.id).append(": ").append(c.role()).append(" term=").append(c.term()).append(" lead=").append(c.leader())
                .append(" commit=").append(c.commitIndex()).append(" applied=").append(c.appliedIndex())
                .append(" last=").append(c.lastIndex()).append(" ").append(c.confState()).append('\n');
        Map<Long, String> pr = c.progressSummary();
        for (var e : pr.entrySet()) {
            out.append("  ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
        }
        if (c.hasLease()) {
            out.append("  holds lease\n");
        }
    }

    private void raftLog(Node n, StringBuilder out) {
        RaftCore c = n.core;
        if (c.lastIndex() < c.firstIndex()) {
            out.append("log is empty: first index ").append(c.firstIndex()).append('\n');
            return;
        }
        for (Entry e : c.logEntries(c.firstIndex(), c.lastIndex() + 1)) {
            out.append(entry(e)).append('\n');
        }
    }

    Map<Long, List<String>> appliedByNode() {
        Map<Long, List<String>> m = new HashMap<>();
        nodes.forEach((k, v) -> m.put(k, v.applied));
        return m;
    }
}
