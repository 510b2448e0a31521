package io.kvkit.server.node;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongPredicate;

/**
 * The decisions of {@link LeaderBalancer}, without threads or clocks: each round the caller hands
 * in the partitions this node leads (with their preference order and the leader's view of each
 * member's log), the peers it believes live, whether this node is slow, and the time; it gets the
 * leadership transfers to start. Results of transfers come back through {@link #transferEnded}.
 *
 * <p>Rules, for each partition this node leads, in partition order:
 * <ol>
 *   <li>leave it alone while a transfer of it is running, for {@code delay} after this node became
 *       its leader (hysteresis: a leadership just won, or just handed back, is not moved at once),
 *       and while a failed transfer of it backs off;</li>
 *   <li>a well node hands it to its preferred leader (the first of its replica set) if that is
 *       another node, live and caught up (its match index within {@value #CAUGHT_UP_LAG_ENTRIES}
 *       entries of the commit index);</li>
 *   <li>a slow node hands it to the first member of its preference order, other than itself, that
 *       is live and caught up, whoever is preferred;</li>
 *   <li>a ready transfer waits, up to {@value #MAX_BUSY_ROUNDS} rounds, for a round in which the
 *       partition has no command in flight (proposed and not applied): a transfer during one
 *       leaves its reply unknown to the client (the old leader cannot tell whether it
 *       committed), so moving between commands spares clients those retries;</li>
 *   <li>at most {@code maxInFlight} transfers run at once (counting those still running from
 *       earlier rounds), so a restart does not start a storm.</li>
 * </ol>
 * A transfer that fails (or runs past {@value #IN_FLIGHT_LIMIT_SECONDS} s) backs the partition off
 * for {@code max(delay, 1 s)}, doubling per failure up to {@value #MAX_BACKOFF_SECONDS} s (the count
 * is forgotten {@value #MAX_BACKOFF_SECONDS} s after the last backoff ended).
 * So does a <em>bounce</em>: this node leads again, within three delays, a partition it handed
 * over — the other node gave it back (it is slow, or restarting; or every node is slow and they pass
 * it around), and handing it over again at once would ping-pong. The backoff doubles with each
 * bounce, so such passing around dies down.
 */
final class LeaderBalancePolicy {
    /** A member whose log is this close to the commit index takes over without a long catch-up. */
    static final long CAUGHT_UP_LAG_ENTRIES = 64;
    static final long IN_FLIGHT_LIMIT_SECONDS = 60;
    static final long MAX_BACKOFF_SECONDS = 300;
    /** Rounds a ready transfer waits for a moment without commands in flight before it goes anyway. */
    static final int MAX_BUSY_ROUNDS = 5;

    /** Why a transfer was started. */
    enum Reason {
        /** to the partition's preferred leader */
        PREFERRED,
        /** away from this node, which is slow */
        SLOW_NODE
    }

    /**
     * A partition this node leads, as its leader sees it now: its term, replica preference, the
     * leader's last, commit and applied index, and each member's match index.
     */
    record LedPartition(int partition, long term, List<Long> preference, long lastIndex, long commitIndex, long appliedIndex,
                        Map<Long, Long> matchIndexes) {
        LedPartition {
            preference = List.copyOf(preference);
            matchIndexes = Map.copyOf(matchIndexes);
        }

        /** Commands in flight: proposed and not committed, or committed and not applied (their replies pending). */
        boolean busy() {
            return lastIndex > commitIndex || appliedIndex < commitIndex;
        }
    }

    /** A transfer to start. */
    record Transfer(int partition, long target, Reason reason) {
    }

    private record Leadership(long term, long sinceNanos) {
    }

    private record HandOff(long target, long atNanos) {
    }

    private record Backoff(int failures, long untilNanos) {
    }

    private final long self;
    private final long delayNanos;
    private final int maxInFlight;
    private final Map<Integer, Leadership> leading = new HashMap<>();
    private final Map<Integer, Long> inFlight = new HashMap<>();     // partition -> started at
    private final Map<Integer, HandOff> handedOff = new HashMap<>();
    private final Map<Integer, Backoff> backoff = new HashMap<>();
    private final Map<Integer, Integer> busyRounds = new HashMap<>();

    LeaderBalancePolicy(long self, long delayNanos, int maxInFlight) {
        if (delayNanos < 0) {
            throw new IllegalArgumentException("delayNanos must be >= 0, got " + delayNanos);
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be >= 1, got " + maxInFlight);
        }
        this.self = self;
        this.delayNanos = delayNanos;
        this.maxInFlight = maxInFlight;
    }

    /**
     * One round: the transfers to start now (they are counted as running until
     * {@link #transferEnded}).
     *
     * @param led   the partitions this node leads now (any order)
     * @param live  whether a peer is live
     * @param slow  whether this node is slow
     * @param nowNanos a monotonic time
     */
    List<Transfer> plan(List<LedPartition> led, LongPredicate live, boolean slow, long nowNanos) {
        Objects.requireNonNull(led, "led");
        Set<Integer> ledNow = new HashSet<>();
        for (LedPartition lp : led) {
            ledNow.add(lp.partition());
            Leadership before = leading.get(lp.partition());
            if (before == null || before.term() != lp.term()) {
                leading.put(lp.partition(), new Leadership(lp.term(), nowNanos));
                noteBounce(lp.partition(), nowNanos);
            }
        }
        leading.keySet().retainAll(ledNow);
        busyRounds.keySet().retainAll(ledNow);
        // a transfer whose result never came is given up (the runtime fails one after its request timeout)
        inFlight.entrySet().removeIf(e -> {
            if (nowNanos - e.getValue() > IN_FLIGHT_LIMIT_SECONDS * 1_000_000_000L) {
                fail(e.getKey(), nowNanos);
                return true;
            }
            return false;
        });
        handedOff.values().removeIf(h -> nowNanos - h.atNanos() > bounceWindowNanos());
        backoff.values().removeIf(b -> b.untilNanos() - nowNanos < -MAX_BACKOFF_SECONDS * 1_000_000_000L);

        List<LedPartition> ordered = new ArrayList<>(led);
        ordered.sort(java.util.Comparator.comparingInt(LedPartition::partition));
        List<Transfer> out = new ArrayList<>();
        for (LedPartition lp : ordered) {
            if (inFlight.size() >= maxInFlight) {
                break;
            }
            int p = lp.partition();
            if (inFlight.containsKey(p) || nowNanos - leading.get(p).sinceNanos() < delayNanos) {
                continue;
            }
            Backoff b = backoff.get(p);
            if (b != null && nowNanos < b.untilNanos()) {
                continue;
            }
            long target = slow ? firstOtherReady(lp, live) : preferredIfReady(lp, live);
            if (target > 0 && lp.busy() && busyRounds.merge(p, 1, Integer::sum) <= MAX_BUSY_ROUNDS) {
                continue; // a transfer now would leave the replies of the commands in flight unknown
            }
            if (target > 0) {
                busyRounds.remove(p);
                inFlight.put(p, nowNanos);
                out.add(new Transfer(p, target, slow ? Reason.SLOW_NODE : Reason.PREFERRED));
            }
        }
        return out;
    }

    /** A transfer started by {@link #plan} ended: {@code ok} if the target leads now. */
    void transferEnded(Transfer t, boolean ok, long nowNanos) {
        if (inFlight.remove(t.partition()) == null) {
            return; // given up on already
        }
        if (ok) {
            // the backoff's count stays: a hand-over that bounces must wait longer each time
            handedOff.put(t.partition(), new HandOff(t.target(), nowNanos));
        } else {
            fail(t.partition(), nowNanos);
        }
    }

    /** Transfers started and not ended. */
    int inFlight() {
        return inFlight.size();
    }

    /** Whether {@code partition} is backing off after a failure at {@code nowNanos}. */
    boolean backingOff(int partition, long nowNanos) {
        Backoff b = backoff.get(partition);
        return b != null && nowNanos < b.untilNanos();
    }

    private void noteBounce(int partition, long nowNanos) {
        HandOff h = handedOff.remove(partition);
        if (h != null && nowNanos - h.atNanos() <= bounceWindowNanos()) {
            fail(partition, nowNanos);
        }
    }

    private void fail(int partition, long nowNanos) {
        Backoff before = backoff.get(partition);
        int failures = before == null ? 1 : before.failures() + 1;
        long base = Math.max(delayNanos, 1_000_000_000L);
        long wait = Math.min(base << Math.min(failures - 1, 20), MAX_BACKOFF_SECONDS * 1_000_000_000L);
        backoff.put(partition, new Backoff(failures, nowNanos + wait));
    }

    private long bounceWindowNanos() {
        return 3 * Math.max(delayNanos, 1_000_000_000L);
    }

    private long preferredIfReady(LedPartition lp, LongPredicate live) {
        if (lp.preference().isEmpty()) {
            return 0;
        }
        long preferred = lp.preference().getFirst();
        return preferred != self && ready(lp, preferred, live) ? preferred : 0;
    }

    private long firstOtherReady(LedPartition lp, LongPredicate live) {
        for (long id : lp.preference()) {
            if (id != self && ready(lp, id, live)) {
                return id;
            }
        }
        return 0;
    }

    private static boolean ready(LedPartition lp, long id, LongPredicate live) {
        Long match = lp.matchIndexes().get(id);
        return live.test(id) && match != null && match >= lp.commitIndex() - CAUGHT_UP_LAG_ENTRIES;
    }
}
