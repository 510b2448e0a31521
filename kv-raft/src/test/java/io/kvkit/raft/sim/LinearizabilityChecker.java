package io.kvkit.raft.sim;

import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Checks that a history of register operations is linearizable: Wing &amp; Gong's search with
 * Lowe's memoization of (linearized set, state), as in Porcupine, applied to each key on its own
 * (a history is linearizable iff each key's sub-history is).
 */
public final class LinearizabilityChecker {

    /** The outcome: ok, or the key whose history admits no linearization. */
    public record Result(boolean ok, String key, List<Operation> history, boolean timedOut) {
    }

    private final long maxSteps;

    public LinearizabilityChecker(long maxSteps) {
        this.maxSteps = maxSteps;
    }

    public Result check(List<Operation> ops) {
        Map<String, List<Operation>> byKey = new LinkedHashMap<>();
        for (Operation op : ops) {
            byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
        }
        boolean timedOut = false;
        for (var e : byKey.entrySet()) {
            Boolean r = checkKey(e.getValue());
            if (r == null) {
                timedOut = true;
            } else if (!r) {
                return new Result(false, e.getKey(), e.getValue(), false);
            }
        }
        return new Result(true, null, List.of(), timedOut);
    }

    private static final class Node {
        final Operation op;
        final int opId;
        final boolean call;
        Node match;
        Node prev;
        Node next;

        Node(Operation op, int opId, boolean call) {
            this.op = op;
            this.opId = opId;
            this.call = call;
        }
    }

    private record Event(long time, boolean call, int opId) {
    }

    private record CacheKey(BitSet linearized, String state) {
    }

    /** true = linearizable, false = not, null = gave up (step budget exhausted). */
    Boolean checkKey(List<Operation> ops) {
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            events.add(new Event(ops.get(i).invoked(), true, i));
            events.add(new Event(ops.get(i).returned(), false, i));
        }
        // at equal times calls come first: such operations count as concurrent (no false alarms)
        events.sort(Comparator.comparingLong(Event::time).thenComparing(ev -> !ev.call()));
        Node head = new Node(null, -1, false);
        Node tail = head;
        Node[] calls = new Node[ops.size()];
        for (Event ev : events) {
            Node n = new Node(ops.get(ev.opId()), ev.opId(), ev.call());
            if (ev.call()) {
                calls[ev.opId()] = n;
            } else {
                calls[ev.opId()].match = n;
            }
            tail.next = n;
            n.prev = tail;
            tail = n;
        }
        BitSet linearized = new BitSet(ops.size());
        Set<CacheKey> cache = new HashSet<>();
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        String state = null;
        Node entry = head.next;
        long steps = 0;
        while (head.next != null) {
            if (++steps > maxSteps) {
                return null;
            }
            if (entry.call) {
                Operation op = entry.op;
                boolean legal;
                String newState;
                if (op.put()) {
                    legal = true;
                    newState = op.value();
                } else {
                    legal = Objects.equals(op.value(), state);
                    newState = state;
                }
                if (legal) {
                    BitSet next = (BitSet) linearized.clone();
                    next.set(entry.opId);
                    if (cache.add(new CacheKey(next, newState))) {
                        stack.push(new Object[] {entry, state});
                        state = newState;
                        linearized.set(entry.opId);
                        lift(entry);
                        entry = head.next;
                        continue;
                    }
                }
                entry = entry.next;
            } else {
                if (stack.isEmpty()) {
                    return false;
                }
                Object[] top = stack.pop();
                Node e = (Node) top[0];
                state = (String) top[1];
                linearized.clear(e.opId);
                unlift(e);
                entry = e.next;
            }
        }
        return true;
    }

    private static void lift(Node call) {
        call.prev.next = call.next;
        if (call.next != null) {
            call.next.prev = call.prev;
        }
        Node ret = call.match;
        ret.prev.next = ret.next;
        if (ret.next != null) {
            ret.next.prev = ret.prev;
        }
    }

    private static void unlift(Node call) {
        Node ret = call.match;
        ret.prev.next = ret;
        if (ret.next != null) {
            ret.next.prev = ret;
        }
        call.prev.next = call;
        if (call.next != null) {
            call.next.prev = call;
        }
    }
}
